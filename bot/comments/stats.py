"""How much discussion an article drew: counts for /article info, /trending and the daily digest."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.activity import ActivityStore

__all__ = ["ArticleActivity", "DiscussionStats"]

# Participants weigh most: ten people talking is a livelier story than one person posting ten times.
WEIGHTS = {"comments": 2.0, "participants": 3.0, "reactions": 1.0}


@dataclass(frozen=True)
class ArticleActivity:
    article_id: int
    title: str
    url: str
    comments: int
    participants: int
    reactions: int

    @property
    def score(self) -> float:
        return (WEIGHTS["comments"] * self.comments + WEIGHTS["participants"] * self.participants
                + WEIGHTS["reactions"] * self.reactions)


class DiscussionStats:
    def __init__(self, activity: ActivityStore) -> None:
        self._activity = activity

    async def for_article(self, guild_id: int, article_id: int) -> ArticleActivity | None:
        """The article's figures in the guild (all zero when it drew nothing); None if it is not stored."""
        rows = await self._activity.counts(guild_id, article_id=article_id)
        if rows:
            return ArticleActivity(**rows[0])
        heading = await self._activity.heading(article_id)
        return None if heading is None else ArticleActivity(article_id, *heading, 0, 0, 0)

    async def ranked(self, guild_id: int, since: float, until: float = 1e18, limit: int = 10) -> list[ArticleActivity]:
        """Articles posted in the guild, most discussed first (within [since, until)); idle ones left out."""
        activity = [ArticleActivity(**r) for r in await self._activity.counts(guild_id, since=since, until=until)]
        active = [a for a in activity if a.score > 0]
        active.sort(key=lambda a: (-a.score, -a.article_id))
        return active[:limit]
