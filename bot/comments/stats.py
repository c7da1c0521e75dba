"""How much discussion an article drew: counts for /article info, /trending and the daily digest."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database

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


_ACTIVITY = """
SELECT a.id AS article_id, a.title AS title, a.canonical_url AS url,
  (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.guild_id = :guild
     AND c.created_at >= :since AND c.created_at < :until AND c.status != 'removed') AS comments,
  (SELECT COUNT(DISTINCT c.author_id) FROM comments c WHERE c.article_id = a.id AND c.guild_id = :guild
     AND c.created_at >= :since AND c.created_at < :until AND c.status != 'removed') AS participants,
  (SELECT COUNT(*) FROM reactions r WHERE r.guild_id = :guild AND r.removed_at IS NULL
     AND r.added_at >= :since AND r.added_at < :until
     AND (r.message_id IN (SELECT p.message_id FROM posts p WHERE p.article_id = a.id AND p.guild_id = :guild)
          OR r.message_id IN (SELECT c.message_id FROM comments c WHERE c.article_id = a.id))) AS reactions
FROM articles a
WHERE a.id IN (SELECT p.article_id FROM posts p WHERE p.guild_id = :guild AND p.message_id IS NOT NULL)
"""


class DiscussionStats:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def for_article(self, guild_id: int, article_id: int) -> ArticleActivity | None:
        rows = await self._db.fetchall(
            _ACTIVITY + " AND a.id = :article",
            {"guild": guild_id, "since": 0.0, "until": 1e18, "article": article_id},
        )
        if rows:
            return ArticleActivity(**dict(rows[0]))
        row = await self._db.fetchone("SELECT id, title, canonical_url FROM articles WHERE id = ?", (article_id,))
        return None if row is None else ArticleActivity(row[0], row[1], row[2], 0, 0, 0)

    async def ranked(self, guild_id: int, since: float, until: float = 1e18, limit: int = 10) -> list[ArticleActivity]:
        """Articles posted in the guild, most discussed first (within [since, until)); idle ones left out."""
        rows = await self._db.fetchall(_ACTIVITY, {"guild": guild_id, "since": since, "until": until})
        activity = [ArticleActivity(**dict(r)) for r in rows]
        active = [a for a in activity if a.score > 0]
        active.sort(key=lambda a: (-a.score, -a.article_id))
        return active[:limit]
