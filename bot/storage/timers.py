"""Persisted timers: rows that fire once at their due time, surviving restarts (mute expiry, auto-close)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database
from bot.storage.dialect import SQLITE

__all__ = ["Timer", "TimerStore"]


@dataclass(frozen=True)
class Timer:
    id: int
    event: str
    due_at: float
    payload: dict[str, Any]
    key: str | None


class TimerStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def schedule(self, event: str, due_at: float, payload: dict[str, Any], key: str | None = None) -> int:
        """Create a timer. With `key`, an existing timer of that key is replaced (one live timer per key)."""
        return await self._db.insert(
            "INSERT INTO timers (event, due_at, payload, key, created_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT (key) DO UPDATE SET event = excluded.event, due_at = excluded.due_at,"
            " payload = excluded.payload, created_at = excluded.created_at",
            (event, due_at, json.dumps(payload), key, time.time()),
        )

    async def schedule_many(self, event: str, timers: list[tuple[float, dict[str, Any], str]]) -> None:
        """Create or replace many keyed timers (due_at, payload, key) in one transaction."""
        now = time.time()
        await self._db.run_batch([
            ("INSERT INTO timers (event, due_at, payload, key, created_at) VALUES (?,?,?,?,?)"
             " ON CONFLICT (key) DO UPDATE SET event = excluded.event, due_at = excluded.due_at,"
             " payload = excluded.payload, created_at = excluded.created_at",
             (event, due_at, json.dumps(payload), key, now))
            for due_at, payload, key in timers])

    async def cancel(self, timer_id: int) -> bool:
        return await self._db.execute_rowcount("DELETE FROM timers WHERE id = ?", (timer_id,)) > 0

    async def claim(self, timer: Timer, until: float) -> Timer | None:
        """Take a due timer for running: its due time moves to `until` (when it fires again if the handler
        fails or the process dies). None if another process took it first or it was re-armed since read."""
        taken = await self._db.execute_rowcount(
            "UPDATE timers SET due_at = ? WHERE id = ? AND due_at = ?", (until, timer.id, timer.due_at))
        return Timer(timer.id, timer.event, until, timer.payload, timer.key) if taken else None

    async def complete(self, timer: Timer) -> None:
        """Delete a timer that fired, unless its handler re-armed it (same row, new due time)."""
        await self._db.execute("DELETE FROM timers WHERE id = ? AND due_at = ?", (timer.id, timer.due_at))

    async def cancel_key(self, key: str) -> bool:
        return await self._db.execute_rowcount("DELETE FROM timers WHERE key = ?", (key,)) > 0

    async def cancel_event_for_guild(self, event: str, guild_id: int) -> int:
        """Delete every timer of `event` whose payload names `guild_id`. Returns how many."""
        field = ("json_extract(payload, '$.guild_id')" if self._db.dialect == SQLITE
                 else "(payload::jsonb ->> 'guild_id')::bigint")
        return await self._db.execute_rowcount(
            f"DELETE FROM timers WHERE event = ? AND {field} = ?", (event, guild_id))

    async def due(self, now: float, limit: int = 100) -> list[Timer]:
        rows = await self._db.fetchall(
            "SELECT * FROM timers WHERE due_at <= ? ORDER BY due_at, id LIMIT ?", (now, limit)
        )
        return [_timer(r) for r in rows]

    async def next_due_at(self) -> float | None:
        return await self._db.fetchval("SELECT MIN(due_at) FROM timers")

    async def get_key(self, key: str) -> Timer | None:
        row = await self._db.fetchone("SELECT * FROM timers WHERE key = ?", (key,))
        return None if row is None else _timer(row)


def _timer(row: Any) -> Timer:
    return Timer(row["id"], row["event"], row["due_at"], json.loads(row["payload"]), row["key"])
