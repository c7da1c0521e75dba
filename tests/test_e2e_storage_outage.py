"""The database stops taking writes while the bot runs (another process holds its write lock past the busy
timeout, as a stuck backup or a second bot would): comments and edits keep being accepted and are saved
once writing works again; what was refused (a delete) is recorded by the backfill that runs as soon as
writing works again, without a restart; and a command that saves answers that the bot cannot save."""

from __future__ import annotations

import sqlite3
import time

import pytest

from bot.storage.errors import StorageUnavailable
from cogs.support.replies import explain_error
from tests.comments_support import story_thread
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


def test_a_command_that_cannot_save_says_so() -> None:
    message, loud = explain_error(StorageUnavailable("the database cannot save right now (the disk is full)"))
    assert "cannot save" in message and not loud


async def test_writes_refused_during_an_outage_are_backfilled_when_it_ends(newsroom: Newsroom) -> None:
    room = newsroom
    if room.database_url:
        pytest.skip("holds SQLite's file lock (tests/test_writer_postgres.py cuts PostgreSQL's connection)")
    emu = room.emu
    await room.start()
    thread, _ = await story_thread(room)
    services = room.services
    assert services is not None and room.bot is not None
    listener = room.bot.get_cog("CommentListener")
    before = emu.send(room.alice, thread, "before the outage")
    doomed = emu.send(room.bob, thread, "deleted during the outage")
    await emu.wait_for(lambda: listener.backfills_done >= 1, 10, what="the start-up backfill")  # type: ignore[union-attr]

    locker = sqlite3.connect(room.db_path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # the write lock, held past the bot's busy timeout
    try:
        during = emu.send(room.bob, thread, "during the outage")
        await emu.wait_for(lambda: services.stores.writer.failure is not None, 15, what="the writer to notice")
        emu.edit(room.alice, before, "edited during the outage")  # kept in the queue
        emu.delete(room.bob, doomed)  # refused: write() raises while writing fails
        await emu.wait_for(lambda: services.stores.writer.refused_units >= 1, 10, what="the delete to be refused")
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    async def recorded() -> dict[int, tuple[str, bool]]:
        return {r["message_id"]: (r["content"], r["deleted_at"] is not None)
                for r in await services.stores.db.fetchall("SELECT * FROM comments")}

    expected = {before.id: ("edited during the outage", False), during.id: ("during the outage", False),
                doomed.id: ("deleted during the outage", True)}
    deadline = time.monotonic() + 15  # the refused delete only comes back through the catch-up backfill
    while (rows := await recorded()) != expected:
        assert time.monotonic() < deadline, f"not caught up: {rows}"
        await emu.wait_for(lambda: True, 0.05)
    await emu.wait_for(lambda: listener.backfills_done >= 2, 10, what="the catch-up backfill")  # type: ignore[union-attr]
    assert services.stores.writer.failure is None and services.stores.writer.dropped_units == 0
