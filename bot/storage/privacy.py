"""Deleting one person's comments, revisions and reactions, and the privacy log that records it."""

from __future__ import annotations

import time

from bot.storage.database import Database

__all__ = ["PrivacyStore"]


class PrivacyStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def forget(self, *, user_id: int, fingerprint: int, guild_id: int | None = None) -> int:
        """Delete the user's comments (with their revisions), reactions and reports, in `guild_id` or everywhere,
        and log the request under `fingerprint` (not the id). Returns rows deleted."""
        scope, params = ("", [user_id]) if guild_id is None else (" AND guild_id = ?", [user_id, guild_id])
        tables = [
            ("comment_revisions", f"message_id IN (SELECT message_id FROM comments WHERE author_id = ?{scope})"),
            ("comments", f"author_id = ?{scope}"),
            ("reactions", f"user_id = ?{scope}"),
            ("comment_reports", f"reporter_id = ?{scope}"),  # their reports of others' comments
        ]
        deleted = 0
        for table, where in tables:  # counted first: the deletes below run as one transaction
            deleted += int(await self._db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {where}", params) or 0)
        await self._db.run_batch([
            *((f"DELETE FROM {table} WHERE {where}", params) for table, where in tables),
            ("INSERT INTO privacy_requests (guild_id, user_id, kind, rows_deleted, created_at) VALUES (?,?,?,?,?)",
             (guild_id, fingerprint, "forget-me", deleted, time.time())),
        ])
        return deleted
