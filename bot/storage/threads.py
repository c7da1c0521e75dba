"""Article discussion threads: which thread belongs to which article, and its state over time."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.writer import DirectWriter, Statement, Writer

__all__ = ["ArticleThread", "ThreadStore"]


@dataclass(frozen=True)
class ArticleThread:
    thread_id: int
    guild_id: int
    parent_channel_id: int
    article_id: int | None
    name: str | None
    locked: bool
    archived: bool
    slowmode_seconds: int
    last_message_id: int | None
    created_at: float


class ThreadStore:
    def __init__(self, db: Database, writer: Writer | None = None) -> None:
        self._db = db
        self._writer: Writer = writer or DirectWriter(db)
        # A change is computed against the stored state, so changes are applied one at a time (a command
        # and the THREAD_UPDATE it causes arrive together); the next one's read waits for the previous one's
        # queued write (the database's read barrier, `ThreadedBatchWriter.attach`).
        self._state_lock = asyncio.Lock()

    async def register(
        self, *, thread_id: int, guild_id: int, parent_channel_id: int, article_id: int | None, name: str | None,
        at: float | None = None,
    ) -> None:
        now = time.time() if at is None else at
        await self._db.execute(
            "INSERT INTO threads (thread_id, guild_id, parent_channel_id, article_id, name, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?) ON CONFLICT (thread_id) DO UPDATE SET"
            " article_id = COALESCE(excluded.article_id, threads.article_id)",
            (thread_id, guild_id, parent_channel_id, article_id, name, now, now),
        )

    async def get(self, thread_id: int) -> ArticleThread | None:
        row = await self._db.fetchone(
            "SELECT thread_id, guild_id, parent_channel_id, article_id, name, locked, archived,"
            # The newest comment is derived, not maintained per message: that keeps the hot write path to
            # one INSERT per comment.
            " slowmode_seconds, COALESCE((SELECT MAX(message_id) FROM comments c WHERE c.thread_id ="
            " threads.thread_id), last_message_id) AS last_message_id, created_at FROM threads WHERE thread_id = ?",
            (thread_id,),
        )
        if row is None:
            return None
        values = dict(row)
        values["locked"], values["archived"] = bool(values["locked"]), bool(values["archived"])
        return ArticleThread(**values)

    async def open_threads(self, guild_ids: list[int] | None = None) -> list[ArticleThread]:
        sql = "SELECT thread_id FROM threads WHERE archived = 0"
        rows = await self._db.fetchall(sql)
        threads = [t for r in rows if (t := await self.get(r["thread_id"])) is not None]
        if guild_ids is not None:
            threads = [t for t in threads if t.guild_id in guild_ids]
        return threads

    async def record_state(
        self, thread_id: int, *, locked: bool | None = None, archived: bool | None = None,
        name: str | None = None, slowmode_seconds: int | None = None, at: float | None = None,
    ) -> list[str]:
        """Store the thread's new state and one event per change. Returns the kinds of change recorded."""
        async with self._state_lock:
            kinds = await self._record_state(thread_id, locked=locked, archived=archived, name=name,
                                             slowmode_seconds=slowmode_seconds, at=at)
            return kinds

    async def _record_state(
        self, thread_id: int, *, locked: bool | None, archived: bool | None, name: str | None,
        slowmode_seconds: int | None, at: float | None,
    ) -> list[str]:
        current = await self.get(thread_id)
        if current is None:
            return []
        now = time.time() if at is None else at
        statements: list[Statement] = []
        kinds: list[str] = []
        changes: list[tuple[str, str, object, object]] = []
        if locked is not None and locked != current.locked:
            changes.append(("locked", "locked" if locked else "unlocked", current.locked, locked))
        if archived is not None and archived != current.archived:
            changes.append(("archived", "archived" if archived else "unarchived", current.archived, archived))
        if name is not None and name != current.name:
            changes.append(("name", "renamed", current.name, name))
        if slowmode_seconds is not None and slowmode_seconds != current.slowmode_seconds:
            changes.append(("slowmode_seconds", "slowmode", current.slowmode_seconds, slowmode_seconds))
        for column, kind, old, new in changes:
            value = int(new) if isinstance(new, bool) else new
            statements.append((f"UPDATE threads SET {column} = ?, updated_at = ? WHERE thread_id = ?",
                               (value, now, thread_id)))
            statements.append(("INSERT INTO thread_events (thread_id, kind, old_value, new_value, at)"
                               " VALUES (?,?,?,?,?)", (thread_id, kind, str(old), str(new), now)))
            kinds.append(kind)
        if statements:
            await self._writer.write(statements)
        return kinds

    async def record_deleted(self, thread_id: int, *, at: float | None = None) -> None:
        """The thread was deleted on Discord: closed for good, with one `deleted` event (idempotent)."""
        now = time.time() if at is None else at
        async with self._state_lock:
            await self._writer.write([
                ("UPDATE threads SET archived = 1, updated_at = ? WHERE thread_id = ?", (now, thread_id)),
                ("INSERT INTO thread_events (thread_id, kind, at) SELECT ?, 'deleted', ? WHERE EXISTS"
                 " (SELECT 1 FROM threads WHERE thread_id = ?) AND NOT EXISTS (SELECT 1 FROM thread_events"
                 " WHERE thread_id = ? AND kind = 'deleted')", (thread_id, now, thread_id, thread_id)),
            ])

    async def events(self, thread_id: int) -> list[tuple[str, str | None, str | None, float]]:
        rows = await self._db.fetchall(
            "SELECT kind, old_value, new_value, at FROM thread_events WHERE thread_id = ? ORDER BY at, id",
            (thread_id,),
        )
        return [(r["kind"], r["old_value"], r["new_value"], r["at"]) for r in rows]
