"""ServerInsights: what the web dashboard shows of a server as a whole, read through one service like every
other caller of the domain (the dashboard never touches stores).

Feed health, stories posted, the discussion's volume over time and full-text search of its comments.
"""

from __future__ import annotations

from typing import Any

from bot.storage.insights import FeedHealth, HourCount, InsightStore, SearchHit, StoryRow

__all__ = ["ServerInsights"]


class ServerInsights:
    def __init__(self, store: InsightStore) -> None:
        self._store = store

    async def known_guilds(self) -> set[int]:
        return await self._store.known_guilds()

    async def feed_health(self, guild_id: int) -> list[FeedHealth]:
        return await self._store.feed_health(guild_id)

    async def stories(self, guild_id: int, *, since: float, limit: int = 50) -> list[StoryRow]:
        return await self._store.stories(guild_id, since=since, limit=limit)

    async def comments_per_hour(self, guild_id: int, *, since: float, article_id: int | None = None
                                ) -> list[HourCount]:
        return await self._store.comments_per_hour(guild_id, since=since, article_id=article_id)

    async def article_in_guild(self, guild_id: int, article_id: int) -> bool:
        return await self._store.article_in_guild(guild_id, article_id)

    async def search(self, guild_id: int, text: str, **filters: Any) -> list[SearchHit]:
        return await self._store.search(guild_id, text, **filters)
