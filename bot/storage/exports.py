"""A guild's (or one article's) recorded discussion as rows, for exports: comments, revisions, reactions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database

__all__ = ["ExportStore", "GuildComments"]

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class GuildComments:
    """A guild that has recorded comments: what `newsdesk export --list-guilds` shows."""

    guild_id: int
    comments: int
    threads: int
    last_at: float


class ExportStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def has_comments(self, guild_id: int, article_id: int | None = None) -> bool:
        """Whether any comment is recorded in the guild (on that article, when given)."""
        return bool(await self._db.fetchval(
            "SELECT 1 FROM comments WHERE guild_id = :guild AND (CAST(:article AS BIGINT) IS NULL OR article_id = :article) LIMIT 1",
            {"guild": guild_id, "article": article_id}))

    async def guilds_with_comments(self) -> list[int]:
        return [r[0] for r in await self._db.fetchall("SELECT DISTINCT guild_id FROM comments ORDER BY 1")]

    async def guild_summaries(self) -> list[GuildComments]:
        """Every guild with recorded comments (comments, threads, newest comment), most comments first."""
        rows = await self._db.fetchall(
            "SELECT guild_id, COUNT(*) AS n, COUNT(DISTINCT thread_id) AS threads, MAX(created_at) AS last_at"
            " FROM comments GROUP BY guild_id ORDER BY n DESC, guild_id")
        return [GuildComments(r["guild_id"], r["n"], r["threads"], r["last_at"]) for r in rows]

    async def discussion(self, guild_id: int, article_id: int | None = None) -> tuple[Rows, dict[int, Rows],
                                                                                       dict[int, Rows]]:
        """(comments with their article's title, oldest first; {message id: revisions}; {message id:
        reactions}), each read with one statement whatever the number of comments."""
        scope = "c.guild_id = :guild" + (" AND c.article_id = :article" if article_id is not None else "")
        params = {"guild": guild_id, "article": article_id}
        comments = [dict(r) for r in await self._db.fetchall(
            "SELECT c.*, a.title AS article_title FROM comments c LEFT JOIN articles a ON a.id = c.article_id"
            f" WHERE {scope} ORDER BY c.message_id", params)]
        revisions: dict[int, Rows] = {}
        for r in await self._db.fetchall(
            "SELECT r.message_id, r.old_content, r.new_content, r.edited_at FROM comment_revisions r"
            f" JOIN comments c ON c.message_id = r.message_id WHERE {scope} ORDER BY r.edited_at, r.id", params,
        ):
            revisions.setdefault(r["message_id"], []).append(
                {k: r[k] for k in ("old_content", "new_content", "edited_at")})
        reactions: dict[int, Rows] = {}
        for r in await self._db.fetchall(
            "SELECT r.message_id, r.user_id, r.emoji, r.added_at, r.removed_at FROM reactions r"
            f" JOIN comments c ON c.message_id = r.message_id WHERE {scope} ORDER BY r.added_at, r.id", params,
        ):
            reactions.setdefault(r["message_id"], []).append(
                {k: r[k] for k in ("user_id", "emoji", "added_at", "removed_at")})
        return comments, revisions, reactions
