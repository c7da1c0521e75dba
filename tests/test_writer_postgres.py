"""The write-behind writer on PostgreSQL keeps what it could not commit when the server cuts its connection, and
commits it, in order, once a new connection works: nothing is lost, nothing is stored twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from bot.storage.comments import CommentStore
from bot.storage.engines import open_database
from bot.storage.errors import StorageUnavailable
from bot.storage.writer import BatchWriter
from tests.postgres_server import clean_database

WAITING_ON_LOCK = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                   " AND wait_event_type = 'Lock'")


async def until(condition: Callable[[], Awaitable[object]], what: str, within: float = 10.0) -> object:
    for _ in range(int(within / 0.005)):
        if value := await condition():
            return value
        await asyncio.sleep(0.005)
    raise AssertionError(f"not within {within} s: {what}")


async def test_a_terminated_connection_loses_no_write(caplog: pytest.LogCaptureFixture) -> None:
    url = await clean_database()
    db = await open_database(url)
    admin = await asyncpg.connect(url)
    writer = BatchWriter(db, interval=0.005, retry_interval=0.05)
    recovered: list[bool] = []
    back = asyncio.Event()

    def on_recovery() -> None:
        recovered.append(True)
        back.set()

    writer.add_recovery_listener(on_recovery)
    store = CommentStore(db, writer)
    caplog.set_level(logging.WARNING, logger="bot.storage.writer")

    def comment(mid: int) -> None:
        store.submit(mid, 1, 10, None, 7, "Reader", f"text {mid}", None, (), 1000.0 + mid, None)
        if mid % 100 == 0:
            store.submit_edit(mid, f"edited {mid}", 5000.0 + mid)  # lands after its comment, whatever happens

    try:
        for mid in range(1, 501):
            comment(mid)
        await writer.flush()
        # Hold the table so the writer's next batch waits inside its transaction, then cut its connection there.
        lock = admin.transaction()
        await lock.start()
        await admin.execute("LOCK TABLE comments IN EXCLUSIVE MODE")
        for mid in range(501, 1001):
            comment(mid)
        async def waiting() -> list[int]:
            return [r[0] for r in await admin.fetch(WAITING_ON_LOCK)]

        pids = await until(waiting, "the writer waits for the lock")
        await admin.fetch("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", pids)
        await lock.rollback()
        async def failing() -> bool:
            return writer.failure is not None

        await until(failing, "the writer notices the lost connection")
        with pytest.raises(StorageUnavailable):
            await writer.flush()  # while failing, a command that waits for its write is told at once
        for mid in range(1001, 1501):  # the stream goes on meanwhile; kept behind the retried batch
            comment(mid)
        async with asyncio.timeout(10):
            await back.wait()

        async def all_stored() -> bool:  # counted on a connection of its own: no read barrier flushes the writer
            return await admin.fetchval("SELECT COUNT(*) FROM comments") == 1500

        await until(all_stored, "the writer commits what was queued during the outage, by itself")
        await writer.flush()
    finally:
        await writer.close()
        await admin.close()
    try:
        assert await db.fetchval("SELECT COUNT(*) FROM comments") == 1500
        assert await db.fetchval("SELECT COUNT(*) FROM comment_revisions") == 15
        assert await db.fetchval("SELECT content FROM comments WHERE message_id = 700") == "edited 700"
        assert writer.dropped_units == 0 and writer.pending_units == 0 and recovered == [True]
        said = [r.getMessage() for r in caplog.records]
        assert any("cannot write to the database" in m for m in said)
        assert any("accepts writes again" in m for m in said)
    finally:
        await db.close()
