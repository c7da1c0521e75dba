"""ServerInsights: what the web dashboard shows of a server as a whole, read through one service like every
other caller of the domain (the dashboard never touches stores).

Feed health, stories posted, the discussion's volume over time and full-text search of its comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.storage.insights import (
    MARK_END,
    MARK_START,
    DayCount,
    FeedHealth,
    HourCount,
    InsightStore,
    Ranked,
    SearchHit,
    StoryRow,
)

__all__ = ["MARK_END", "MARK_START", "Activity", "ServerInsights"]


@dataclass(frozen=True)
class Activity:
    most_discussed: list[Ranked]  # stories by comments, last 7 days
    commenters: list[Ranked]  # members by comments
    reactions: list[DayCount]  # per day
    moderation: list[DayCount]  # per day and action
    latency: list[Ranked]  # per feed: median minutes from publication to post


class ServerInsights:
    def __init__(self, store: InsightStore) -> None:
        self._store = store

    async def known_guilds(self) -> set[int]:
        return await self._store.known_guilds()

    async def feed_health(self, guild_id: int) -> list[FeedHealth]:
        return await self._store.feed_health(guild_id)

    async def stories(self, guild_id: int, *, since: float, limit: int = 50) -> list[StoryRow]:
        return await self._store.stories(guild_id, since=since, limit=limit)

    async def comments_per_hour(self, guild_id: int, *, since: float) -> list[HourCount]:
        return await self._store.comments_per_hour(guild_id, since=since)

    async def activity(self, guild_id: int, *, now: float, days: int = 30) -> Activity:
        """The activity page's figures over the last `days` days."""
        since = now - days * 86400
        week = now - 7 * 86400
        return Activity(
            most_discussed=await self._store.most_discussed(guild_id, since=week),
            commenters=await self._store.active_commenters(guild_id, since=since),
            reactions=await self._store.reactions_per_day(guild_id, since=since),
            moderation=await self._store.moderation_per_day(guild_id, since=since),
            latency=await self._store.feed_latency(guild_id, since=since),
        )

    async def reactions_on_article(self, guild_id: int, article_id: int) -> dict[int, list[tuple[str, int]]]:
        return await self._store.reactions_on_article(guild_id, article_id)

    async def revisions_on_article(self, guild_id: int, article_id: int) -> dict[int, list[tuple[float, str]]]:
        return await self._store.revisions_on_article(guild_id, article_id)

    async def article_in_guild(self, guild_id: int, article_id: int) -> bool:
        return await self._store.article_in_guild(guild_id, article_id)

    async def search(self, guild_id: int, text: str, **filters: Any) -> list[SearchHit]:
        return await self._store.search(guild_id, text, **filters)
