"""FeedStore / SubscriptionStore on both engines (SQLite, PostgreSQL), and FeedPoller / FeedScheduler against a loopback feed server."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.feeds.events import FeedFailing, FeedPaused, FeedRecovered, NewArticle, UpdatedArticle
from bot.feeds.extract_pool import ArticleExtractor
from bot.feeds.fetcher import FeedFetcher
from bot.feeds.poller import FeedPoller
from bot.feeds.scheduler import FeedScheduler
from bot.storage.articles import ArticleStore
from bot.storage.database import Database
from bot.storage.engines import open_database
from bot.storage.feeds import FeedStore, ShardFilter, SubscriptionExistsError, SubscriptionStore
from tests.feeds_net_support import make_settings, serve

START = datetime(2026, 11, 1, tzinfo=UTC)


def rss(items: list[tuple[int, str]], ttl: int | None = None, links: str = "https://news.example.com") -> bytes:
    """An RSS 2.0 feed of (number, title) items, newest first."""
    entries = "".join(
        f"<item><guid>urn:item:{n}</guid><link>{links}/a/{n}?utm_source=x</link>"
        f"<title>{title}</title><description>Body of item {n}: {title}</description>"
        f"<pubDate>{format_datetime(START + timedelta(hours=n))}</pubDate></item>"
        for n, title in items)
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Loopback News</title>"
            f"<link>https://news.example.com/</link>{ttl_tag}{entries}</channel></rss>").encode()


class FeedSite:
    """A feed server whose content and behaviour the test changes between polls."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = [(2, "Second"), (1, "First")]
        self.mode = "ok"  # ok | 500 | 410 | no-etag
        self.requests = 0
        self.ttl: int | None = None
        self.links = "https://news.example.com"
        self.short_pages: set[str] = set()  # article numbers whose page holds a one-sentence story

    def etag(self) -> str:
        return '"' + str(abs(hash((tuple(self.items), self.ttl)))) + '"'

    def setup(self, app: web.Application) -> None:
        async def feed(request: web.Request) -> web.Response:
            self.requests += 1
            if self.mode == "500":
                return web.Response(status=500)
            if self.mode == "410":
                return web.Response(status=410)
            if self.mode == "429":
                return web.Response(status=429, headers={"Retry-After": "86400"})
            if self.mode == "html":
                return web.Response(text="<html><body>Moved to our new site!</body></html>", content_type="text/html")
            if self.mode != "no-etag" and request.headers.get("If-None-Match") == self.etag():
                return web.Response(status=304)
            headers = {} if self.mode == "no-etag" else {"ETag": self.etag()}
            return web.Response(body=rss(self.items, self.ttl, self.links), content_type="application/rss+xml",
                                headers=headers)

        async def article(request: web.Request) -> web.Response:
            n = request.match_info["n"]
            body = " ".join(f"Paragraph sentence {i} of the full story number {n}." for i in range(60))
            if n in self.short_pages:
                body = f"The one-sentence story number {n}, told in full here."
            return web.Response(text=f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
                                     f"<p>{body}</p></article></body></html>", content_type="text/html")

        app.router.add_get("/feed.xml", feed)
        app.router.add_get("/a/{n}", article)


class World:
    def __init__(self, db: Database, base: str, site: FeedSite, fetcher: FeedFetcher) -> None:
        self.db, self.base, self.site, self.fetcher = db, base, site, fetcher
        self.now = 1_800_000_000.0
        self.settings = make_settings(feed_max_failures=3, poll_interval_seconds=900)
        self.feeds = FeedStore(db)
        self.subs = SubscriptionStore(db)
        self.articles = ArticleStore(db)
        # Full text is off here (no extractor: item links point at news.example.com); test_full_text turns it on.
        self.poller = FeedPoller(fetcher, self.feeds, self.articles, self.settings, clock=lambda: self.now,
                                 rng=random.Random(7))
        self.events: list[object] = []

        async def emit(event: object) -> None:
            self.events.append(event)

        self.emit = emit
        self.scheduler = FeedScheduler(self.feeds, self.poller, emit=emit, clock=lambda: self.now)

    async def subscribed_feed(self, guild_id: int = 1 << 22) -> int:
        feed = await self.feeds.get_or_create(f"{self.base}/feed.xml", now=self.now)
        await self.subs.add(feed.id, guild_id, 555)
        return feed.id

    async def cycle_later(self, seconds: float = 7 * 86400) -> list[object]:
        self.now += seconds
        self.events.clear()
        await self.scheduler.run_cycle()
        return list(self.events)


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    site = FeedSite()
    db = await open_database(database_url)
    async with serve(site.setup) as base, FeedFetcher(make_settings()) as fetcher:
        yield World(db, base, site, fetcher)
    await db.close()


# --- stores ------------------------------------------------------------------------------------------------------

async def test_feed_store_lifecycle(world: World) -> None:
    feeds = world.feeds
    feed = await feeds.get_or_create("https://a.example/feed", now=10)
    again = await feeds.get_or_create("https://a.example/feed", now=20)
    assert feed.id == again.id and feed.baseline_pending and feed.next_poll_at == 10
    assert await feeds.due(100, 10) == []  # nobody follows it yet
    await world.subs.add(feed.id, 42, 7)
    assert [f.id for f in await feeds.due(100, 10)] == [feed.id]
    await feeds.record_success(feed.id, now=100, next_poll_at=1000, etag='"e"', last_modified=None,
                               min_interval=600, title="A", baseline_done=True)
    stored = await feeds.get(feed.id)
    assert stored and stored.etag == '"e"' and stored.title == "A" and not stored.baseline_pending
    assert await feeds.due(999, 10) == [] and await feeds.next_due_at() == 1000
    assert await feeds.record_failure(feed.id, now=1000, error="boom", next_poll_at=2000, max_failures=2) == (1, False)
    assert await feeds.record_failure(feed.id, now=2000, error="boom", next_poll_at=3000, max_failures=2) == (2, True)
    stored = await feeds.get(feed.id)
    assert stored and stored.paused and "boom" in (stored.paused_reason or "")
    assert await feeds.due(10_000, 10) == []
    await feeds.resume(feed.id, now=5000)
    stored = await feeds.get(feed.id)
    assert stored and not stored.paused and stored.consecutive_failures == 0 and stored.baseline_pending
    assert [f.id for f in await feeds.list(paused=False)] == [feed.id]


async def test_due_filters_by_guild_and_shard(world: World) -> None:
    a = await world.feeds.get_or_create("https://a.example/feed", now=0)
    b = await world.feeds.get_or_create("https://b.example/feed", now=0)
    shard0_guild, shard1_guild = 0 << 22, 1 << 22  # with 2 shards: (id >> 22) % 2
    await world.subs.add(a.id, shard0_guild, 1)
    await world.subs.add(b.id, shard1_guild, 2)
    assert [f.id for f in await world.feeds.due(1, 10, shards=ShardFilter(2, (1,)))] == [b.id]
    assert [f.id for f in await world.feeds.due(1, 10, guild_ids=[shard0_guild])] == [a.id]
    assert ShardFilter(2, (1,)).matches(shard1_guild) and not ShardFilter(2, (1,)).matches(shard0_guild)


async def test_subscription_store(world: World) -> None:
    feed = await world.feeds.get_or_create("https://a.example/feed", now=0)
    sub = await world.subs.add(feed.id, 9, 99, mode="forum", summary=True, created_by=5)
    with pytest.raises(SubscriptionExistsError):
        await world.subs.add(feed.id, 9, 99)
    assert sub.mode == "forum" and sub.summary
    updated = await world.subs.update(sub.id, paused=True, include_filter="python")
    assert updated and updated.paused and updated.include_filter == "python"
    assert await world.subs.for_feed(feed.id) == [] and len(await world.subs.for_feed(feed.id, active_only=False)) == 1
    with pytest.raises(ValueError):
        await world.subs.update(sub.id, guild_id=1)
    assert await world.subs.mark_failing(sub.id, "Missing Send Messages") is True
    assert await world.subs.mark_failing(sub.id, "still missing") is False
    assert (await world.subs.get(sub.id)).failing_reason == "still missing"  # type: ignore[union-attr]
    await world.subs.clear_failing(sub.id)
    assert await world.subs.mark_failing(sub.id, "again") is True
    assert [s.id for s in await world.subs.list_for_guild(9)] == [sub.id]
    assert await world.subs.remove(sub.id) and not await world.subs.remove(sub.id)


# --- polling -------------------------------------------------------------------------------------------------------

async def test_first_poll_is_a_baseline_then_new_items_are_announced_once(world: World) -> None:
    feed_id = await world.subscribed_feed()
    assert await world.cycle_later(0) == []  # baseline: the two existing items are marked seen, no flood
    world.site.items = [(4, "Fourth"), (3, "Third"), *world.site.items]
    events = await world.cycle_later()
    assert [type(e) for e in events] == [NewArticle, NewArticle]
    assert [e.item.title for e in events] == ["Third", "Fourth"]  # oldest first  # type: ignore[attr-defined]
    assert events[0].item.url == "https://news.example.com/a/3"  # type: ignore[attr-defined]
    assert await world.cycle_later() == []  # 304 now
    feed = await world.feeds.get(feed_id)
    assert feed and feed.title == "Loopback News" and feed.etag


async def test_full_text_is_fetched_for_new_teaser_articles(world: World) -> None:
    world.site.links = world.base
    async with ArticleExtractor(workers=1) as extractor:
        poller = FeedPoller(world.fetcher, world.feeds, world.articles, world.settings, clock=lambda: world.now,
                            extractor=extractor)
        world.scheduler = FeedScheduler(world.feeds, poller, emit=world.emit, clock=lambda: world.now)
        await world.subscribed_feed()
        await world.cycle_later(0)
        world.site.items = [(3, "Third"), *world.site.items]
        events = await world.cycle_later()
    assert len(events) == 1 and isinstance(events[0], NewArticle)
    assert "full story number 3" in (events[0].article.text or "")


async def test_a_short_article_page_is_kept_unless_the_feed_says_more(world: World) -> None:
    world.site.links = world.base
    world.site.short_pages = {"3", "4"}
    async with ArticleExtractor(workers=1) as extractor:
        poller = FeedPoller(world.fetcher, world.feeds, world.articles, world.settings, clock=lambda: world.now,
                            extractor=extractor)
        world.scheduler = FeedScheduler(world.feeds, poller, emit=world.emit, clock=lambda: world.now)
        await world.subscribed_feed()
        await world.cycle_later(0)
        long_title = "Fourth, with a feed description longer than its page " + "and more words " * 12
        world.site.items = [(4, long_title), (3, "Third"), *world.site.items]
        events = await world.cycle_later()
    texts = {e.item.url.split("/a/")[1].split("?")[0]: e.article.text for e in events}  # type: ignore[attr-defined]
    assert texts["3"] == "Story 3\nThe one-sentence story number 3, told in full here."  # a short article is an article
    assert texts["4"] is None  # the feed's own description says more than the page: the teaser stays


async def test_changed_content_is_an_update(world: World) -> None:
    await world.subscribed_feed()
    await world.cycle_later(0)
    world.site.items = [(2, "Second (corrected)"), (1, "First")]
    events = await world.cycle_later()
    assert [type(e) for e in events] == [UpdatedArticle]


async def test_same_body_without_validators_is_not_parsed_again(world: World) -> None:
    world.site.mode = "no-etag"
    feed_id = await world.subscribed_feed()
    await world.cycle_later(0)
    outcome = await world.poller.poll(await world.feeds.get(feed_id))  # type: ignore[arg-type]
    assert outcome.status == "same-body" and outcome.events == []


async def test_failures_back_off_then_pause_with_reason_and_resume_without_flood(world: World) -> None:
    feed_id = await world.subscribed_feed()
    await world.cycle_later(0)
    world.site.mode = "500"
    first = await world.cycle_later()
    assert isinstance(first[0], FeedFailing) and first[0].consecutive_failures == 1
    delay1 = first[0].next_poll_at - world.now
    second = await world.cycle_later()
    assert isinstance(second[0], FeedFailing) and second[0].next_poll_at - world.now > delay1 * 1.5  # backoff
    third = await world.cycle_later()
    assert isinstance(third[0], FeedPaused) and "3 failed polls" in third[0].reason and "500" in third[0].reason
    assert await world.cycle_later() == []  # paused: not polled
    requests = world.site.requests
    world.site.mode = "ok"
    world.site.items = [(9, "Ninth"), (8, "Eighth"), *world.site.items]  # published while paused
    await world.feeds.resume(feed_id, now=world.now)
    assert await world.cycle_later(0) == []  # resume marks current items seen: no flood
    assert world.site.requests == requests + 1
    world.site.items = [(10, "Tenth"), *world.site.items]
    assert [e.item.title for e in await world.cycle_later()] == ["Tenth"]  # type: ignore[attr-defined]


async def test_recovery_event_after_a_failure(world: World) -> None:
    await world.subscribed_feed()
    await world.cycle_later(0)
    world.site.mode = "500"
    await world.cycle_later()
    world.site.mode = "ok"
    assert any(isinstance(e, FeedRecovered) for e in await world.cycle_later())


async def test_410_pauses_at_once(world: World) -> None:
    feed_id = await world.subscribed_feed()
    world.site.mode = "410"
    events = await world.cycle_later(0)
    assert isinstance(events[0], FeedPaused) and "410" in events[0].reason
    feed = await world.feeds.get(feed_id)
    assert feed and feed.paused and "410" in (feed.paused_reason or "")


async def test_429_retry_after_delays_the_next_poll(world: World) -> None:
    await world.subscribed_feed()
    await world.cycle_later(0)
    world.site.mode = "429"
    events = await world.cycle_later()
    assert isinstance(events[0], FeedFailing) and events[0].next_poll_at - world.now >= 86400
    assert "86400" in events[0].error


async def test_a_web_page_instead_of_a_feed_is_a_clear_failure(world: World) -> None:
    await world.subscribed_feed()
    await world.cycle_later(0)
    world.site.mode = "html"
    events = await world.cycle_later()
    assert isinstance(events[0], FeedFailing) and "not a readable feed" in events[0].error


async def test_ttl_and_max_age_bound_the_next_poll(world: World) -> None:
    world.site.ttl = 180  # minutes -> 3 h, above the 15 min interval
    feed_id = await world.subscribed_feed()
    await world.cycle_later(0)
    feed = await world.feeds.get(feed_id)
    assert feed and feed.min_interval_seconds == 3 * 3600
    assert feed.next_poll_at - world.now >= 3 * 3600


async def test_a_bad_feed_does_not_stop_the_others(world: World, tmp_path: Path) -> None:
    good = await world.subscribed_feed()
    for path in ("/missing", "/also-missing"):
        bad = await world.feeds.get_or_create(world.base + path, now=world.now)
        await world.subs.add(bad.id, 1, 2)
    bogus = await world.feeds.get_or_create("http://no-such-host.invalid/feed", now=world.now)
    await world.subs.add(bogus.id, 1, 3)
    await world.cycle_later(0)
    world.site.items = [(3, "Third"), *world.site.items]
    events = await world.cycle_later()
    assert sum(isinstance(e, FeedFailing) for e in events) == 3
    assert [e.feed_id for e in events if isinstance(e, NewArticle)] == [good]


async def test_run_loop_stops_and_event_handler_errors_are_contained(world: World) -> None:
    await world.subscribed_feed()
    await world.cycle_later(0)  # the baseline: what the feed carries now is not news
    world.site.items.insert(0, (3, "A new story"))  # then a story: an event for the broken handler
    world.now += 7 * 86400
    called = asyncio.Event()

    async def broken(event: object) -> None:
        called.set()
        raise RuntimeError("handler bug")

    scheduler = FeedScheduler(world.feeds, world.poller, emit=broken, clock=lambda: world.now, max_sleep=0.05)
    scheduler.start()
    await asyncio.wait_for(called.wait(), 10)  # a cycle reached the handler, which raised
    for _ in range(1000):  # the loop goes on after the error (no fixed sleep: the next cycle is the event)
        if scheduler.cycles >= 2:
            break
        await asyncio.sleep(0.01)
    await asyncio.wait_for(scheduler.stop(), 2)
    assert world.site.requests >= 1 and scheduler.cycles >= 2


async def test_a_poll_that_crashes_is_backed_off_not_repeated_at_once(world: World) -> None:
    class BrokenStore(ArticleStore):
        broken = False

        async def ingest(self, feed_id, items):
            if self.broken:
                raise RuntimeError("a bug in storing this feed's items")
            return await super().ingest(feed_id, items)

    store = BrokenStore(world.db)
    poller = FeedPoller(world.fetcher, world.feeds, store, world.settings,
                        clock=lambda: world.now, rng=random.Random(7))
    scheduler = FeedScheduler(world.feeds, poller, emit=world.emit, clock=lambda: world.now)
    feed_id = await world.subscribed_feed()
    await scheduler.run_cycle()  # the baseline works (mark_seen)
    store.broken = True
    world.site.items = [(3, "Third"), *world.site.items]
    world.now += 7 * 86400
    before = world.site.requests
    scheduler.start()
    for _ in range(50):
        await asyncio.sleep(0.01)
    await scheduler.stop()
    # One failed poll, then the feed waits like any failing feed instead of being fetched in a tight loop.
    assert world.site.requests - before == 1
    feed = await world.feeds.get(feed_id)
    assert feed is not None and feed.consecutive_failures == 1 and feed.next_poll_at > world.now
    assert "internal error" in (feed.last_error or "")
    assert any(isinstance(e, FeedFailing) for e in world.events)


async def test_a_shard_does_not_spin_on_another_shards_overdue_feed(world: World) -> None:
    # Process for shard 0 of 2; the only feed is followed in a shard-1 guild whose process is down.
    other_shard_feed = await world.subscribed_feed(guild_id=1 << 22)
    assert await world.feeds.next_due_at(shards=ShardFilter(2, (0,))) is None
    assert await world.feeds.next_due_at(shards=ShardFilter(2, (1,))) is not None
    assert await world.feeds.next_due_at(guild_ids=[12345]) is None
    cycles = 0

    class Counting(FeedScheduler):
        async def run_cycle(self, now: float | None = None):
            nonlocal cycles
            cycles += 1
            return await super().run_cycle(now)

    scheduler = Counting(world.feeds, world.poller, emit=world.emit, clock=lambda: world.now,
                         shards=ShardFilter(2, (0,)))
    scheduler.start()
    for _ in range(30):
        await asyncio.sleep(0.01)
    await scheduler.stop()
    assert cycles == 1  # then it sleeps: nothing of its own is due
    assert world.site.requests == 0 and other_shard_feed


async def test_new_items_are_stored_in_reading_order_and_a_repeated_item_keeps_its_newest_listing(
        world: World) -> None:
    await world.subscribed_feed()
    await world.cycle_later(0)  # baseline: First, Second
    world.site.items = [(5, "Fifth"), (4, "Fourth (updated listing)"), (3, "Third"), (4, "Fourth (old listing)"),
                        *world.site.items]
    events = await world.cycle_later()
    assert [e.article.title for e in events] == ["Third", "Fourth (updated listing)", "Fifth"]  # type: ignore[attr-defined]
    ids = [e.article.id for e in events]  # type: ignore[attr-defined]
    assert ids == sorted(ids)  # stored, hence announced and posted, oldest first
