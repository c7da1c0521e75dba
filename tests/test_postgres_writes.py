"""The PostgreSQL write-behind paths: a burst of one INSERT goes by COPY, a few rows by executemany; both keep
the hourly counts (a statement-level trigger) and the search index right."""

from __future__ import annotations

from bot.storage.comments import CommentStore
from bot.storage.engines import open_database
from bot.storage.insights import InsightStore
from bot.storage.writer import BatchWriter
from tests.postgres_server import clean_database, require_server

HOUR = 3600.0


async def test_a_burst_and_a_trickle_of_comments_count_and_search_the_same() -> None:
    require_server()
    db = await open_database(await clean_database())
    writer = BatchWriter(db, interval=0.005)
    writer.attach(db)
    store = CommentStore(db, writer)
    try:
        # 300 comments in one batch (COPY), over two hours of two guilds, one of them a duplicate id
        for i in range(300):
            store.submit(1000 + i, 1 + i % 2, 50, None, 7, "Reader", f"turnip number {i}", None, (),
                         10 * HOUR + i * 20.0, None)
        store.submit(1000, 1, 50, None, 7, "Reader", "a replay of the first one", None, (), 10 * HOUR, None)
        await writer.flush()
        for i in range(3):  # a trickle: each its own small batch
            store.submit(5000 + i, 1, 50, None, 7, "Reader", "late turnip", None, (), 12 * HOUR + i, None)
            await writer.flush()
        rows = await db.fetchall("SELECT guild_id, hour, written FROM comment_hours ORDER BY guild_id, hour")
        assert [tuple(r) for r in rows] == [(1, 10, 90), (1, 11, 60), (1, 12, 3), (2, 10, 90), (2, 11, 60)]
        assert await db.fetchval("SELECT content FROM comments WHERE message_id = 1000") == "turnip number 0"
        hits = await InsightStore(db).search(1, "turnip", limit=500)
        assert len(hits) == 153 and all("\x02" in h.snippet for h in hits)
    finally:
        await writer.close()
        await db.close()


async def test_listening_resumes_after_its_connection_is_killed() -> None:
    import asyncio

    require_server()
    url = await clean_database()
    listener_db, sender_db = await open_database(url), await open_database(url)
    heard: list[str] = []
    arrived = asyncio.Event()

    def hear(payload: str) -> None:
        heard.append(payload)
        arrived.set()

    try:
        await listener_db.listen("newsdesk_test_relisten", hear)  # type: ignore[attr-defined]
        killed = await sender_db.fetchval(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN%'")
        assert killed == 1
        # notify until the new listening connection hears one (it reconnects within about half a second)
        for attempt in range(50):
            await sender_db.notify("newsdesk_test_relisten", f"after {attempt}")  # type: ignore[attr-defined]
            try:
                await asyncio.wait_for(arrived.wait(), 0.2)
                break
            except TimeoutError:
                continue
        assert heard and heard[0].startswith("after ")
    finally:
        await listener_db.close()
        await sender_db.close()
