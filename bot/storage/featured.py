"""Featured comments (/mod feature): which comments moderators picked, listed under their story and in the
daily digest. A change marks the story's posts as behind, so the publisher's next pass edits them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database

__all__ = ["FeaturedComment", "FeaturedStore"]

# A removed or deleted comment stays featured in the record (history, export) but is shown nowhere.
_STILL_UP = ("JOIN comments c ON c.message_id = f.message_id AND c.status IN ('visible', 'flagged')"
             " AND c.deleted_at IS NULL")


@dataclass(frozen=True)
class FeaturedComment:
    message_id: int
    guild_id: int
    thread_id: int
    article_id: int | None
    author_id: int
    author_name: str
    content: str
    featured_by: int
    featured_at: float


class FeaturedStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, featured: FeaturedComment) -> bool:
        """Store `featured`; False if that comment is featured already."""
        f = featured
        return await self._db.execute_rowcount(
            "INSERT INTO featured_comments (message_id, guild_id, thread_id, article_id, author_id, author_name,"
            " content, featured_by, featured_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (message_id) DO NOTHING",
            (f.message_id, f.guild_id, f.thread_id, f.article_id, f.author_id, f.author_name, f.content,
             f.featured_by, f.featured_at)) > 0

    async def remove(self, message_id: int) -> FeaturedComment | None:
        """Unfeature a comment; the row it had, or None if it was not featured."""
        row = await self._db.fetchone("DELETE FROM featured_comments WHERE message_id = ? RETURNING *", (message_id,))
        return None if row is None else FeaturedComment(**dict(row))

    async def get(self, message_id: int) -> FeaturedComment | None:
        row = await self._db.fetchone("SELECT * FROM featured_comments WHERE message_id = ?", (message_id,))
        return None if row is None else FeaturedComment(**dict(row))

    async def for_article(self, article_id: int, guild_id: int | None = None) -> list[FeaturedComment]:
        """An article's featured comments still up (one guild's, when given), oldest pick first."""
        rows = await self._db.fetchall(
            f"SELECT f.* FROM featured_comments f {_STILL_UP} WHERE f.article_id = ?"
            " AND (CAST(? AS BIGINT) IS NULL OR f.guild_id = ?) ORDER BY f.featured_at, f.message_id", (article_id, guild_id, guild_id))
        return [FeaturedComment(**dict(r)) for r in rows]

    async def in_window(self, guild_id: int, since: float, until: float, limit: int) -> list[FeaturedComment]:
        """The comments a guild featured between `since` and `until` and still up, oldest pick first."""
        rows = await self._db.fetchall(
            f"SELECT f.* FROM featured_comments f {_STILL_UP} WHERE f.guild_id = ? AND f.featured_at >= ?"
            " AND f.featured_at < ? ORDER BY f.featured_at, f.message_id LIMIT ?", (guild_id, since, until, limit))
        return [FeaturedComment(**dict(r)) for r in rows]

    async def by_author(self, guild_id: int, author_id: int) -> list[FeaturedComment]:
        rows = await self._db.fetchall(
            "SELECT * FROM featured_comments WHERE guild_id = ? AND author_id = ? ORDER BY featured_at, message_id",
            (guild_id, author_id))
        return [FeaturedComment(**dict(r)) for r in rows]

    async def posts_behind_for_author(self, guild_id: int, author_id: int) -> int:
        """`posts_behind` for every article where `author_id` has a featured comment (some were removed)."""
        return await self._db.execute_rowcount(
            "UPDATE posts SET content_hash = NULL WHERE guild_id = ? AND message_id IS NOT NULL AND article_id IN"
            " (SELECT article_id FROM featured_comments WHERE guild_id = ? AND author_id = ?)",
            (guild_id, guild_id, author_id))

    async def posts_behind(self, guild_id: int, article_id: int) -> int:
        """Mark the article's posts in the guild as showing an old version (`PostStore.behind_their_article`
        then lists them), so the publisher edits them with the current featured list. Returns how many."""
        return await self._db.execute_rowcount(
            "UPDATE posts SET content_hash = NULL WHERE guild_id = ? AND article_id = ? AND message_id IS NOT NULL",
            (guild_id, article_id))
