"""CommentStore, ReactionStore and ThreadStore on both engines (a real SQLite file, a real PostgreSQL database),
with every writer (the threaded one is SQLite's own)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.comments import Attachment, CommentRecord, CommentStore, ReactionStore
from bot.storage.database import Database
from bot.storage.dialect import SQLITE
from bot.storage.engines import open_database
from bot.storage.threads import ThreadStore
from bot.storage.writer import BatchWriter, DirectWriter, ThreadedBatchWriter, Writer


async def make_writer(db: Database, kind: str) -> BatchWriter | ThreadedBatchWriter:
    if kind == "batch":
        return BatchWriter(db, interval=0.01)
    if db.dialect != SQLITE:
        await db.close()
        pytest.skip("ThreadedBatchWriter owns an sqlite3 connection: SQLite only (PostgreSQL uses BatchWriter)")
    return ThreadedBatchWriter(db.location, interval=0.01)


@pytest.fixture(params=["direct", "batch", "threaded"])
async def env(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[tuple[Database, Writer]]:
    db = await open_database(database_url)
    writer: Writer
    writer = DirectWriter(db) if request.param == "direct" else await make_writer(db, request.param)
    yield db, writer
    if isinstance(writer, BatchWriter | ThreadedBatchWriter):
        await writer.close()
    await db.close()


def comment(mid: int, content: str = "hello", parent: int | None = None) -> CommentRecord:
    return CommentRecord(
        message_id=mid, guild_id=1, thread_id=10, author_id=7, author_name="Reader", content=content,
        created_at=1000.0 + mid, parent_id=parent,
        attachments=(Attachment("a.png", "https://cdn.example/a.png", 123, "image/png"),),
    )


async def test_same_comment_twice_is_one_row(env: tuple[Database, Writer]) -> None:
    db, writer = env
    store = CommentStore(db, writer)
    await ThreadStore(db).register(thread_id=10, guild_id=1, parent_channel_id=5, article_id=None, name="t")
    await store.record(comment(100))
    await store.record(comment(100, "changed by replay"))
    await store.flush()
    assert await db.fetchval("SELECT COUNT(*) FROM comments") == 1
    got = await store.get(100)
    assert got is not None and got.content == "hello" and got.attachments[0].size == 123
    assert (await ThreadStore(db).get(10)).last_message_id == 100  # type: ignore[union-attr]


async def test_edit_adds_revision_once(env: tuple[Database, Writer]) -> None:
    db, writer = env
    store = CommentStore(db, writer)
    await store.record(comment(100, "first"))
    await store.record_edit(100, "second", 2000.0)
    await store.record_edit(100, "second", 2000.0)  # replayed by a backfill: no new revision
    await store.record_edit(100, "third", 3000.0)
    await store.flush()
    got = await store.get(100)
    assert got is not None and got.content == "third" and got.edited_at == 3000.0
    assert await store.revisions(100) == [
        {"old_content": "first", "new_content": "second", "edited_at": 2000.0},
        {"old_content": "second", "new_content": "third", "edited_at": 3000.0},
    ]


async def test_delete_keeps_text_and_marks(env: tuple[Database, Writer]) -> None:
    db, writer = env
    store = CommentStore(db, writer)
    await store.record(comment(100, "keep me"))
    await store.record(comment(101, "reply", parent=100))
    await store.record_deletes([100, 101, 999], 5000.0)
    await store.flush()
    got = await store.get(100)
    assert got is not None and got.status == "deleted" and got.deleted_at == 5000.0 and got.content == "keep me"
    assert (await store.get(101)).parent_id == 100  # type: ignore[union-attr]
    assert await store.purge_deleted_text(older_than=6000.0) == 2
    assert (await store.get(100)).content == ""  # type: ignore[union-attr]


async def test_removed_stays_removed_after_delete_event(env: tuple[Database, Writer]) -> None:
    db, writer = env
    store = CommentStore(db, writer)
    await store.record(comment(100))
    await store.mark_removed(100, moderator_id=9, reason="spam", at=10.0)
    await store.record_deletes([100], 11.0)
    await store.flush()
    got = await store.get(100)
    assert got is not None and got.status == "removed" and got.removed_reason == "spam" and got.deleted_at == 10.0


async def test_reactions_add_remove_idempotent(env: tuple[Database, Writer]) -> None:
    db, writer = env
    reactions = ReactionStore(db, writer)
    for _ in range(2):
        await reactions.add(guild_id=1, channel_id=10, message_id=100, user_id=7, emoji="👍", at=1.0)
    await reactions.add(guild_id=1, channel_id=10, message_id=100, user_id=7, emoji="party:123", at=2.0)
    await reactions.remove(message_id=100, user_id=7, emoji="👍", at=3.0)
    await reactions.add(guild_id=1, channel_id=10, message_id=100, user_id=7, emoji="👍", at=4.0)
    await reactions.flush()
    live = await reactions.live_for_message(100)
    assert sorted((r.emoji, r.added_at) for r in live) == [("party:123", 2.0), ("👍", 4.0)]
    assert len(await reactions.history_for_message(100)) == 3


async def test_deleting_a_comment_ends_the_reactions_on_it(env: tuple[Database, Writer]) -> None:
    # Discord sends no reaction-remove events for a deleted message: the reaction stayed live (in /article info,
    # /trending, exports) until a restart's backfill noticed (issue 12).
    db, writer = env
    comments, reactions = CommentStore(db, writer), ReactionStore(db, writer)
    for mid in (1, 2):
        await comments.record(comment(mid))
        await reactions.add(guild_id=1, channel_id=10, message_id=mid, user_id=7, emoji="👍", at=2000.0)
    await reactions.add(guild_id=1, channel_id=10, message_id=1, user_id=8, emoji="👎", at=2001.0)
    await reactions.remove(message_id=1, user_id=8, emoji="👎", at=2002.0)
    await comments.record_deletes([1], 2005.0)
    await comments.flush()
    assert await reactions.live_for_message(1) == []
    assert [(r.emoji, r.removed_at) for r in await reactions.history_for_message(1)] == [
        ("👍", 2005.0), ("👎", 2002.0)]  # an earlier removal keeps its own time
    assert [r.message_id for r in await reactions.live_for_message(2)] == [2]
    await reactions.add(guild_id=1, channel_id=99, message_id=3, user_id=7, emoji="👍", at=2006.0)
    await comments.record_thread_deleted(10, 2010.0)
    await comments.flush()
    assert await reactions.live_users(channel_id=10) == {}
    assert await reactions.live_users(channel_id=99) == {(3, "👍"): {7}}


async def test_thread_state_changes_are_recorded(database_url: str) -> None:
    db = await open_database(database_url)
    try:
        threads = ThreadStore(db)
        await threads.register(thread_id=10, guild_id=1, parent_channel_id=5, article_id=None, name="Story")
        assert await threads.record_state(10, locked=True, name="Story (closed)", at=5.0) == ["locked", "renamed"]
        assert await threads.record_state(10, locked=True) == []
        state = await threads.get(10)
        assert state is not None and state.locked and state.name == "Story (closed)"
        assert [e[0] for e in await threads.events(10)] == ["locked", "renamed"]
        assert await threads.record_state(999, locked=True) == []
    finally:
        await db.close()


@pytest.mark.parametrize("kind", ["batch", "threaded"])
async def test_batch_writer_isolates_a_bad_unit(database_url: str, kind: str) -> None:
    db = await open_database(database_url)
    writer = await make_writer(db, kind)
    try:
        store = CommentStore(db, writer)
        await store.record(comment(1))
        await writer.write([("INSERT INTO no_such_table VALUES (1)", ())])
        await store.record(comment(2))
        await writer.flush()
        assert await db.fetchval("SELECT COUNT(*) FROM comments") == 2
    finally:
        await writer.close()
        await db.close()


async def test_threaded_writer_keeps_order_flushes_and_closes(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "t.db")
    writer = ThreadedBatchWriter(db.location, interval=0.5)  # a long interval: flush must not wait for it
    store = CommentStore(db, writer)
    try:
        for mid in range(1, 2001):
            store.submit(mid, 1, 10, None, 7, "Reader", f"text {mid}", mid - 1 or None, (), 1000.0 + mid, None)
            if mid % 500 == 0:
                store.submit_edit(mid, f"edited {mid}", 5000.0 + mid)  # right after its insert, same batch
        await writer.flush()
        assert await db.fetchval("SELECT COUNT(*) FROM comments") == 2000
        assert await db.fetchval("SELECT content FROM comments WHERE message_id = 1000") == "edited 1000"
        assert await db.fetchval("SELECT COUNT(*) FROM comment_revisions") == 4
        await writer.flush()  # nothing pending: returns at once
        store.submit(5000, 1, 10, None, 7, "Reader", "last", None, (), 9000.0, None)
    finally:
        await writer.close()  # lands what is still queued
    assert await db.fetchval("SELECT content FROM comments WHERE message_id = 5000") == "last"
    with pytest.raises(RuntimeError):
        writer.submit([("SELECT 1", ())])
    await db.close()


@pytest.mark.parametrize("kind", ["batch", "threaded"])
async def test_writer_survives_a_batch_that_fails_at_commit(database_url: str, kind: str) -> None:
    # A deferred constraint is checked at COMMIT, and a failed COMMIT leaves the transaction open: the
    # writer must roll it back, or every later BEGIN fails ("within a transaction") and all writes are lost.
    db = await open_database(database_url)
    writer = await make_writer(db, kind)
    await db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    await db.execute("CREATE TABLE child (pid INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)")
    store = CommentStore(db, writer)
    try:
        store.submit(1, 1, 10, None, 7, "Reader", "before", None, (), 1000.0, None)
        writer.submit([("INSERT INTO child (pid) VALUES (42)", ())])  # no parent 42: fails at COMMIT
        store.submit(2, 1, 10, None, 7, "Reader", "same batch", None, (), 1001.0, None)
        await writer.flush()
        store.submit(3, 1, 10, None, 7, "Reader", "later", None, (), 1002.0, None)
        await writer.flush()
        assert [r[0] for r in await db.fetchall("SELECT message_id FROM comments ORDER BY 1")] == [1, 2, 3]
        assert await db.fetchval("SELECT COUNT(*) FROM child") == 0
        assert not isinstance(writer, ThreadedBatchWriter) or writer.failed_units == 1
    finally:
        await writer.close()
        await db.execute("DROP TABLE child")  # the PostgreSQL test database is reused by the next test
        await db.execute("DROP TABLE parent")
        await db.close()


@pytest.mark.parametrize("kind", ["batch", "threaded"])
async def test_a_value_sqlite_cannot_bind_sinks_only_its_own_write(database_url: str, kind: str) -> None:
    # sqlite3 raises OverflowError (not a sqlite3.Error) for an int beyond 64 bits: the writer must drop that
    # one unit like any other bad record, not die and lose every comment after it.
    db = await open_database(database_url)
    writer = await make_writer(db, kind)
    store = CommentStore(db, writer)
    try:
        store.submit(1, 1, 10, None, 7, "Reader", "before", None, (), 1000.0, None)
        store.submit(2, 1, 10, None, 2**64, "Reader", "bad author id", None, (), 1001.0, None)
        store.submit(3, 1, 10, None, 7, "Reader", "same batch", None, (), 1002.0, None)
        await writer.flush()
        store.submit(4, 1, 10, None, 7, "Reader", "later", None, (), 1003.0, None)
        await writer.flush()
        assert [r[0] for r in await db.fetchall("SELECT message_id FROM comments ORDER BY 1")] == [1, 3, 4]
    finally:
        await writer.close()
        await db.close()


async def test_submitted_units_land_in_the_order_they_were_submitted(env: tuple[Database, Writer]) -> None:
    # submit() does not wait: on PostgreSQL each unit could take its own pooled connection, and an edit that
    # landed before its comment would be lost.
    db, writer = env
    store = CommentStore(db, writer)
    for mid in range(1, 101):
        store.submit(mid, 1, 10, None, 7, "Reader", f"text {mid}", None, (), 1000.0 + mid, None)
        store.submit_edit(mid, f"edited {mid}", 5000.0 + mid)
    await writer.flush()
    rows = await db.fetchall("SELECT content FROM comments ORDER BY message_id")
    assert [r[0] for r in rows] == [f"edited {mid}" for mid in range(1, 101)]
    assert await db.fetchval("SELECT COUNT(*) FROM comment_revisions") == 100
