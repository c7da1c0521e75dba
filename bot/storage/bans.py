"""A ban's pending removals: each comment of the banned member still to delete on Discord, so the removal
survives a restart (what is left here is finished at start-up)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage.database import Database

__all__ = ["BanRemovalStore", "PendingRemoval"]


@dataclass(frozen=True)
class PendingRemoval:
    """One member's comments still to remove in one guild, by thread (oldest message first)."""

    guild_id: int
    user_id: int
    moderator_id: int
    threads: dict[int, list[int]]

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.threads.values())


class BanRemovalStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def queue(self, guild_id: int, user_id: int, moderator_id: int,
                    messages: Sequence[tuple[int, int]]) -> None:
        """Queue (message id, thread id) pairs for removal, in one transaction."""
        now = time.time()
        await self._db.run_batch(
            ("INSERT INTO ban_removals (message_id, guild_id, user_id, thread_id, moderator_id, queued_at)"
             " VALUES (?,?,?,?,?,?) ON CONFLICT (message_id) DO NOTHING",
             (message_id, guild_id, user_id, thread_id, moderator_id, now)) for message_id, thread_id in messages)

    async def pending(self) -> list[PendingRemoval]:
        """Every member's pending removals, the earliest queued first."""
        rows = await self._db.fetchall(
            "SELECT guild_id, user_id, thread_id, message_id, moderator_id FROM ban_removals"
            " ORDER BY queued_at, guild_id, user_id, thread_id, message_id")
        jobs: dict[tuple[int, int], PendingRemoval] = {}
        for r in rows:
            job = jobs.setdefault((r["guild_id"], r["user_id"]),
                                  PendingRemoval(r["guild_id"], r["user_id"], r["moderator_id"], {}))
            job.threads.setdefault(r["thread_id"], []).append(r["message_id"])
        return list(jobs.values())

    async def done(self, message_ids: Sequence[int]) -> None:
        await self._db.run_batch(("DELETE FROM ban_removals WHERE message_id = ?", (m,)) for m in message_ids)

    async def cancel(self, guild_id: int, user_id: int) -> int:
        return await self._db.execute_rowcount("DELETE FROM ban_removals WHERE guild_id = ? AND user_id = ?",
                                               (guild_id, user_id))
