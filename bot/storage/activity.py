"""Discussion counts per article in a guild (comments, participants, reactions), for stats and the digest."""

from __future__ import annotations

from typing import Any

from bot.storage.database import Database

__all__ = ["ActivityStore"]

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


class ActivityStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def counts(self, guild_id: int, *, since: float = 0.0, until: float = 1e18,
                     article_id: int | None = None) -> list[dict[str, Any]]:
        """For each article posted in the guild (or only `article_id`): article_id, title, url, comments,
        participants, reactions, counting what happened in [since, until) and not removed."""
        params: dict[str, Any] = {"guild": guild_id, "since": since, "until": until}
        sql = _ACTIVITY
        if article_id is not None:
            sql += " AND a.id = :article"
            params["article"] = article_id
        return [dict(r) for r in await self._db.fetchall(sql, params)]

    async def heading(self, article_id: int) -> tuple[str, str] | None:
        """(title, canonical url) of a stored article."""
        row = await self._db.fetchone("SELECT title, canonical_url FROM articles WHERE id = ?", (article_id,))
        return None if row is None else (row[0], row[1])
