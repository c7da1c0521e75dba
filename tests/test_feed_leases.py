"""Feed workers sharing one database claim due feeds with leases: each feed is fetched by one worker, and a
worker that dies keeps its feeds only until its leases lapse (both engines; the concurrency tests on
PostgreSQL, where workers really run at once)."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.feeds.events import FeedFailing, FeedPaused, notice_from_text, notice_text
from bot.feeds.fetcher import FeedFetcher
from bot.feeds.poller import FeedPoller
from bot.feeds.scheduler import FeedLeases, FeedScheduler
from bot.storage.articles import ArticleStore
from bot.storage.database import Database
from bot.storage.engines import open_database
from bot.storage.feeds import FeedStore, SubscriptionStore
from bot.storage.signals import ClusterSignals
from tests.feeds_net_support import make_settings
from tests.loopback import serve
from tests.postgres_server import clean_database


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await open_database(database_url)
    yield database
    await database.close()


async def _followed(db: Database, urls: list[str], now: float) -> list[int]:
    feeds, subs = FeedStore(db), SubscriptionStore(db)
    ids = []
    for n, url in enumerate(urls):
        feed = await feeds.get_or_create(url, now=now)
        await subs.add(feed.id, (n % 4) << 22, 100 + n)
        ids.append(feed.id)
    return ids


async def test_claims_are_exclusive_until_released_or_lapsed(db: Database) -> None:
    feeds = FeedStore(db)
    ids = await _followed(db, [f"https://f{n}.example/rss" for n in range(5)], now=100)
    first = await feeds.claim_due(200, 3, owner="a", lease_seconds=60)
    second = await feeds.claim_due(200, 10, owner="b", lease_seconds=60)
    assert len(first) == 3 and {f.id for f in first} | {f.id for f in second} == set(ids)
    assert not {f.id for f in first} & {f.id for f in second}
    assert all(f.lease_owner == "a" and f.lease_until == 260 for f in first)
    assert await feeds.claim_due(200, 10, owner="c", lease_seconds=60) == []
    # Held feeds are claimable again when their lease lapses (the holder died): the scheduler wakes then.
    assert await feeds.next_claimable_at(200) == 260
    taken = await feeds.claim_due(261, 10, owner="c", lease_seconds=60)
    assert {f.id for f in taken} == set(ids)
    assert await feeds.release("c", [taken[0].id]) == 1
    assert [f.id for f in await feeds.claim_due(262, 10, owner="d", lease_seconds=60)] == [taken[0].id]
    assert await feeds.release("c") == len(ids) - 1
    await feeds.record_success(taken[1].id, now=262, next_poll_at=5000, etag=None, last_modified=None)
    assert taken[1].id not in {f.id for f in await feeds.claim_due(263, 10, owner="e", lease_seconds=60)}


async def test_concurrent_claims_on_postgresql_take_each_feed_once() -> None:
    url = await clean_database()
    pools = [await open_database(url) for _ in range(3)]
    try:
        ids = await _followed(pools[0], [f"https://g{n}.example/rss" for n in range(120)], now=100)
        claimed: list[int] = []

        async def worker(db: Database, owner: str) -> None:
            store = FeedStore(db)
            while chunk := await store.claim_due(200, 7, owner=owner, lease_seconds=60):
                claimed.extend(f.id for f in chunk)

        await asyncio.gather(*(worker(db, f"w{n}:{k}") for n, db in enumerate(pools) for k in range(3)))
        assert sorted(claimed) == sorted(ids)
    finally:
        for db in pools:
            await db.close()


class CountingFeeds:
    """N loopback feeds; counts the requests for each."""

    def __init__(self) -> None:
        self.requests: collections.Counter[str] = collections.Counter()

    def setup(self, app: web.Application) -> None:
        async def feed(request: web.Request) -> web.Response:
            name = request.match_info["name"]
            self.requests[name] += 1
            await asyncio.sleep(0.01)  # a fetch takes a while: the workers' cycles overlap
            return web.Response(
                body=(f"<?xml version='1.0'?><rss version='2.0'><channel><title>{name}</title>"
                      f"<item><guid>{name}-1</guid><link>https://news.example.com/{name}/1</link>"
                      "<title>One</title></item></channel></rss>").encode(), content_type="application/rss+xml")

        app.router.add_get("/{name}.xml", feed)


async def test_two_workers_fetch_each_feed_once_and_take_over_a_dead_workers_feeds() -> None:
    url = await clean_database()
    site = CountingFeeds()
    settings = make_settings()
    clock = [1_800_000_000.0]
    dbs = [await open_database(url) for _ in range(2)]
    try:
        async with serve(site.setup) as base, FeedFetcher(settings) as fetcher:
            names = [f"feed{n}" for n in range(40)]
            await _followed(dbs[0], [f"{base}/{name}.xml" for name in names], now=clock[0])

            def worker(db: Database, lease: float) -> FeedScheduler:
                feeds = FeedStore(db)
                poller = FeedPoller(fetcher, feeds, ArticleStore(db), settings, clock=lambda: clock[0])
                return FeedScheduler(feeds, poller, leases=FeedLeases(lease), concurrency=8,
                                     clock=lambda: clock[0])

            first, second = worker(dbs[0], 60), worker(dbs[1], 60)
            reports = await asyncio.gather(first.run_cycle(), second.run_cycle())
            assert sorted(site.requests) == sorted(names) and set(site.requests.values()) == {1}
            assert sum(r.polled for r in reports) == 40 and min(r.polled for r in reports) > 0

            # A worker that died mid-poll: it claimed feeds (made due again here) and never finished them.
            clock[0] += 7 * 86400
            site.requests.clear()
            dead = await FeedStore(dbs[0]).claim_due(clock[0], 10, owner="dead", lease_seconds=30)
            await second.run_cycle()
            assert len(site.requests) == 30 and not {f.url for f in dead} & {f"{base}/{n}.xml" for n in site.requests}
            assert await FeedStore(dbs[1]).next_claimable_at(clock[0]) == clock[0] + 30  # when to look again
            clock[0] += 31
            report = await second.run_cycle()
            assert report.polled == 10 and set(site.requests.values()) == {1} and len(site.requests) == 40
    finally:
        for db in dbs:
            await db.close()


async def test_signals_wake_listeners_in_other_processes_on_postgresql_only(tmp_path: Path) -> None:
    url = await clean_database()
    sender_db, listener_db = await open_database(url), await open_database(url)
    woken = asyncio.Event()
    try:
        sender, listener = ClusterSignals(sender_db), ClusterSignals(listener_db)
        await listener.listen("newsdesk_test", woken.set)
        for _ in range(5):  # a burst coalesces; at least one arrives
            sender.signal("newsdesk_test")
        await asyncio.wait_for(woken.wait(), 5)
        await sender.aclose()
    finally:
        await sender_db.close()
        await listener_db.close()
    sqlite = await open_database(tmp_path / "s.db")
    try:
        local = ClusterSignals(sqlite)
        assert not local.shared
        local.signal("newsdesk_test")  # nothing to send, nothing raised
        await local.aclose()
    finally:
        await sqlite.close()


def test_feed_health_events_cross_processes_as_text() -> None:
    paused = FeedPaused(3, "https://a.example/rss", "410 Gone " + "x" * 9000)
    text = notice_text(paused)
    assert text is not None and len(text.encode()) < 8000
    back = notice_from_text(text)
    assert isinstance(back, FeedPaused) and back.feed_id == 3 and back.reason.startswith("410 Gone")
    failing = FeedFailing(4, "https://b.example/rss", "timeout", 3, 1.5)
    assert notice_from_text(notice_text(failing) or "") == failing
    assert notice_from_text('{"kind": "new"}') is None and notice_from_text("not json") is None
