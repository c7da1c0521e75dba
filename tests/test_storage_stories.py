"""StoryStore and StoryService on both engines (SQLite, PostgreSQL): decisions per channel, members, restarts, settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.articles.records import Article, FeedItem
from bot.storage.articles import ArticleStore
from bot.storage.database import Database
from bot.storage.engines import open_database
from bot.storage.feeds import FeedStore, SubscriptionStore
from bot.storage.stories import StorySettingsError, StoryStore
from bot.stories import StoryArticle, StoryIndex
from bot.stories.service import StoryService


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await open_database(database_url)
    yield database
    await database.close()


def _item(n: int, title: str) -> FeedItem:
    return FeedItem(guid=f"g{n}", url=f"https://news{n}.example/a/{n}", title=title, excerpt=f"Lead {n}.",
                    published=datetime(2026, 12, 5, 10, n, tzinfo=UTC), author=None, image=None, language="en",
                    content_hash=f"h{n}")


async def _articles(db: Database, titles: list[str]) -> list[int]:
    feeds, articles = FeedStore(db), ArticleStore(db)
    ids = []
    for n, title in enumerate(titles):
        feed = await feeds.get_or_create(f"https://outlet{n}.example/feed")
        await db.execute("UPDATE feeds SET title = ? WHERE id = ?", (f"Outlet {n}", feed.id))
        outcome = (await articles.ingest(feed.id, [_item(n, title)]))[0]
        ids.append(outcome.article.id)
    return ids


async def test_record_members_and_first_decision_wins(db: Database) -> None:
    store = StoryStore(db)
    a, b, c = await _articles(db, ["Quake hits Japan", "Japan quake: tsunami warning", "Other news"])
    assert await store.record(channel_id=5, article_id=a, story_article_id=None, score=None, at=100.0) == a
    assert await store.record(channel_id=5, article_id=b, story_article_id=a, score=0.61, at=200.0) == a
    # A second decision for the same article and channel keeps the first (two passes racing agree).
    assert await store.record(channel_id=5, article_id=b, story_article_id=c, score=0.9, at=300.0) == a
    # Another channel decides on its own.
    assert await store.record(channel_id=6, article_id=b, story_article_id=None, score=None, at=300.0) == b
    assert await store.story_of(5, b) == a and await store.story_of(6, b) == b and await store.story_of(5, c) is None
    members = await store.members(5, a)
    assert [(m.article_id, m.opened_story, m.score, m.outlet) for m in members] == [
        (a, True, None, "Outlet 0"), (b, False, 0.61, "Outlet 1")]
    assert members[1].url == "https://news1.example/a/1" and members[1].title == "Japan quake: tsunami warning"


async def test_recent_replays_into_an_index_after_restart(database_url: str) -> None:
    path = database_url
    db = await open_database(path)
    store = StoryStore(db)
    old, a, b = await _articles(db, ["Wildfire near Los Angeles forces evacuations",
                                     "Parliament passes new climate law after long debate",
                                     "Climate law passed by parliament after debate"])
    await store.record(channel_id=1, article_id=old, story_article_id=None, score=None, at=10.0)
    await store.record(channel_id=1, article_id=a, story_article_id=None, score=None, at=1000.0)
    await store.record(channel_id=1, article_id=b, story_article_id=a, score=0.7, at=1100.0)
    await db.close()

    db = await open_database(path)  # a restart: the index is rebuilt from the file
    try:
        recent = await StoryStore(db).recent(1, since=500.0)
        assert [(m.article_id, m.story_article_id) for m in recent] == [(a, a), (b, a)]
        index = StoryIndex()
        for member in recent:
            index.restore(StoryArticle(id=member.article_id, title=member.title, at=member.assigned_at,
                                       summary=member.summary, language=member.language),
                          None if member.opened_story else member.story_article_id)
        match = index.assign(StoryArticle(id=999, title="Parliament passes climate law", at=1200.0))
        assert match is not None and match.story_id == a and match.size == 3
    finally:
        await db.close()


async def test_forget_before_and_cascade_with_articles(db: Database) -> None:
    store = StoryStore(db)
    a, b = await _articles(db, ["One story", "Another story"])
    await store.record(channel_id=1, article_id=a, story_article_id=None, score=None, at=10.0)
    await store.record(channel_id=1, article_id=b, story_article_id=None, score=None, at=20.0)
    assert await store.forget_before(15.0) == 1
    assert await store.story_of(1, a) is None and await store.story_of(1, b) == b
    await db.execute("DELETE FROM articles WHERE id = ?", (b,))
    assert await store.story_of(1, b) is None


async def test_settings_per_subscription(db: Database) -> None:
    feed = await FeedStore(db).get_or_create("https://outlet.example/feed")
    sub = await SubscriptionStore(db).add(feed.id, guild_id=1, channel_id=2)
    store = StoryStore(db)
    settings = await store.settings(sub.id)
    assert settings is not None and (settings.enabled, settings.window_hours) == (True, 36.0)
    changed = await store.configure(sub.id, enabled=False)
    assert changed is not None and (changed.enabled, changed.window_hours) == (False, 36.0)
    changed = await store.configure(sub.id, window_hours=12)
    assert changed is not None and (changed.enabled, changed.window_hours) == (False, 12.0)
    for bad in (0, -1, 24 * 15):
        with pytest.raises(StorySettingsError, match="story window"):
            await store.configure(sub.id, window_hours=bad)
    assert await store.settings(sub.id + 100) is None
    assert await store.configure(sub.id + 100, enabled=True) is None


async def test_settings_go_with_the_subscription(db: Database) -> None:
    feed = await FeedStore(db).get_or_create("https://outlet.example/feed")
    subs = SubscriptionStore(db)
    sub = await subs.add(feed.id, guild_id=1, channel_id=2)
    await StoryStore(db).configure(sub.id, enabled=False, window_hours=6)
    assert await subs.remove(sub.id)
    assert await db.fetchval("SELECT COUNT(*) FROM story_settings") == 0


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def _article(db: Database, article_id: int) -> Article:
    article = await ArticleStore(db).get(article_id)
    assert article is not None
    return article


async def test_service_merges_across_outlets_and_survives_a_restart(database_url: str) -> None:
    path = database_url
    db = await open_database(path)
    clock = _Clock(1_000_000.0)
    try:
        feed = await FeedStore(db).get_or_create("https://outlet.example/feed")
        sub = await SubscriptionStore(db).add(feed.id, guild_id=1, channel_id=2)
        ids = await _articles(db, [
            "Magnitude 7.1 earthquake strikes off coast of Japan, tsunami warning issued",
            "Tsunami warning issued after magnitude 7.1 earthquake strikes off Japan coast",
            "Apple unveils its new iPhone at September event",
            "Japan coast: magnitude 7.1 earthquake strikes, tsunami warning issued",
        ])
        service = StoryService(StoryStore(db), clock=clock)
        assert await service.assign(channel_id=2, subscription_id=sub.id, article=await _article(db, ids[0])) is None
        clock.now += 600
        match = await service.assign(channel_id=2, subscription_id=sub.id, article=await _article(db, ids[1]))
        assert match is not None and (match.story_id, match.size) == (ids[0], 2)
        assert await service.assign(channel_id=2, subscription_id=None, article=await _article(db, ids[2])) is None
        # Asked again (a retried pass): the stored decision, not a new one.
        again = await service.assign(channel_id=2, subscription_id=sub.id, article=await _article(db, ids[1]))
        assert again is not None and again.story_id == ids[0]
        assert await StoryStore(db).story_of(2, ids[1]) == ids[0]
    finally:
        await db.close()

    db = await open_database(path)  # restart: a new service rebuilds the channel's index from the file
    try:
        clock.now += 600
        service = StoryService(StoryStore(db), clock=clock)
        match = await service.assign(channel_id=2, subscription_id=None, article=await _article(db, ids[3]))
        assert match is not None and (match.story_id, match.size) == (ids[0], 3)
        members = await service.sources(2, ids[0])
        assert [m.article_id for m in members] == [ids[0], ids[1], ids[3]]
        assert [m.outlet for m in members] == ["Outlet 0", "Outlet 1", "Outlet 3"]
    finally:
        await db.close()


async def test_service_respects_subscription_off_and_window(db: Database) -> None:
    feed = await FeedStore(db).get_or_create("https://outlet.example/feed")
    subs = SubscriptionStore(db)
    narrow = await subs.add(feed.id, guild_id=1, channel_id=2)
    off = await subs.add(feed.id, guild_id=1, channel_id=3)
    store = StoryStore(db)
    await store.configure(narrow.id, window_hours=1)
    await store.configure(off.id, enabled=False)
    title = "Wildfire forces evacuation of thousands in northern California"
    ids = await _articles(db, [title, title + " as winds rise", title + " overnight"])
    clock = _Clock(0.0)
    service = StoryService(store, clock=clock)
    assert await service.assign(channel_id=2, subscription_id=None, article=await _article(db, ids[0])) is None
    clock.now = 2 * 3600.0
    # Two hours later: within the default 36 h, but not within this subscription's 1 h.
    assert await service.assign(channel_id=2, subscription_id=narrow.id, article=await _article(db, ids[1])) is None
    default = await service.assign(channel_id=2, subscription_id=None, article=await _article(db, ids[2]))
    assert default is not None and default.story_id == ids[0]
    # Clustering off: posted as new and not recorded, so nothing can merge into it either.
    assert await service.assign(channel_id=3, subscription_id=off.id, article=await _article(db, ids[0])) is None
    assert await store.story_of(3, ids[0]) is None


async def test_service_never_merges_an_outlet_into_its_own_story(db: Database) -> None:
    feeds, articles = FeedStore(db), ArticleStore(db)
    courier = await feeds.get_or_create("https://courier.example/feed")
    radio = await feeds.get_or_create("https://radio.example/feed")
    title = "Magnitude 7.1 earthquake strikes off coast of Japan, tsunami warning issued"
    ids = []
    for n, (feed, text) in enumerate([(courier, title), (courier, title + " as waves reach the coast"),
                                       (radio, title + " overnight")]):
        ids.append((await articles.ingest(feed.id, [_item(n, text)]))[0].article.id)
    service = StoryService(StoryStore(db), clock=_Clock(0.0))
    assert await service.assign(channel_id=2, subscription_id=None, article=await _article(db, ids[0])) is None
    # The courier's follow-up is its own story, not "also reported by" the courier.
    assert await service.assign(channel_id=2, subscription_id=None, article=await _article(db, ids[1])) is None
    assert await StoryStore(db).story_of(2, ids[1]) == ids[1]
    other = await service.assign(channel_id=2, subscription_id=None, article=await _article(db, ids[2]))
    assert other is not None and other.story_id in (ids[0], ids[1])
