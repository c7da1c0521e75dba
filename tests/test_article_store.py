"""ArticleStore on both engines (SQLite, PostgreSQL): dedupe, updates, no floods, races."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.articles.records import FeedItem
from bot.feeds.normalize import content_hash
from bot.feeds.parser import parse_feed
from bot.storage.articles import ArticleStore
from bot.storage.database import Database
from bot.storage.engines import open_database

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
BASE = datetime(2026, 11, 27, 12, tzinfo=UTC)


def item(n: int, *, title: str | None = None, text: str | None = None, guid: str | None = None,
         url: str | None = None, published: datetime | None = BASE) -> FeedItem:
    title = title if title is not None else f"Story number {n}"
    text = text if text is not None else f"Body of story number {n}, with words that make it unique {n * 7919}."
    return FeedItem(
        guid=guid or f"guid-{n}", url=url or f"https://example.com/story/{n}", title=title, excerpt=text,
        published=published, author="A. Writer", image=None, language="en", content_hash=content_hash(title, text),
        content_text=text)


async def open_db(path: Path | str) -> Database:
    return await open_database(path)


async def add_feed(db: Database, url: str) -> int:
    return await db.insert("INSERT INTO feeds (url, created_at) VALUES (?, ?)", (url, time.time()))


@pytest.fixture
async def store(database_url: str):
    db = await open_db(database_url)
    await add_feed(db, "https://example.com/feed")
    await add_feed(db, "https://other.example.org/feed")
    yield ArticleStore(db)
    await db.close()


async def test_new_then_unchanged_is_idempotent(store: ArticleStore) -> None:
    items = [item(1), item(2), item(3)]
    first = await store.ingest(1, items)
    assert [o.kind for o in first] == ["new", "new", "new"]
    assert [o.item for o in first] == items
    again = await store.ingest(1, items)
    assert [o.kind for o in again] == ["unchanged"] * 3
    assert [o.article_id for o in again] == [o.article_id for o in first]
    assert await store.ingest(1, []) == []


async def test_changed_content_is_an_update(store: ArticleStore) -> None:
    original = item(1)
    [created] = await store.ingest(1, [original])
    edited = replace(original, title="Story number 1 (corrected)",
                     content_hash=content_hash("Story number 1 (corrected)", original.excerpt))
    [outcome] = await store.ingest(1, [edited])
    assert outcome.kind == "updated"
    assert outcome.article.id == created.article.id
    assert outcome.article.title == "Story number 1 (corrected)"
    assert (await store.get(created.article.id)).content_hash == edited.content_hash  # type: ignore[union-attr]
    [steady] = await store.ingest(1, [edited])
    assert steady.kind == "unchanged"


async def test_same_url_new_guid_is_not_new(store: ArticleStore) -> None:
    await store.ingest(1, [item(1)])
    [outcome] = await store.ingest(1, [item(1, guid="re-keyed-guid")])
    assert outcome.kind == "unchanged"
    # The new guid is recorded, so the next poll matches on it directly.
    [again] = await store.ingest(1, [item(1, guid="re-keyed-guid", url="https://example.com/moved")])
    assert again.kind == "unchanged"


async def test_same_guid_new_url_is_not_new(store: ArticleStore) -> None:
    await store.ingest(1, [item(1)])
    [outcome] = await store.ingest(1, [item(1, url="https://example.com/story/1-renamed")])
    assert outcome.kind == "unchanged"


async def test_same_url_in_another_feed_is_not_new_and_never_updates(store: ArticleStore) -> None:
    [mine] = await store.ingest(1, [item(1)])
    other = item(1, guid="their-guid", text="The other feed's own teaser for the same story.")
    [outcome] = await store.ingest(2, [other])
    assert outcome.kind == "unchanged"
    assert outcome.article.id == mine.article.id
    assert outcome.article.feed_id == 1


async def test_near_duplicate_title_and_text(store: ArticleStore) -> None:
    text = "Scientists announced on Monday that the long-awaited telescope captured its first images of a galaxy."
    await store.ingest(1, [item(1, title="Telescope sends first images!", text=text)])
    republished = item(2, title="Telescope Sends First Images", text=text + " ")
    [outcome] = await store.ingest(1, [republished])
    assert outcome.kind != "new"
    # Same title, different text: a different article (a recurring column, say).
    different = item(3, title="Telescope sends first images", text="An entirely different report about rockets.")
    [other] = await store.ingest(1, [different])
    assert other.kind == "new"
    # Same title and text but in another feed: the guid/URL rules decide, not the title rule.
    [elsewhere] = await store.ingest(2, [item(4, title="Telescope sends first images!", text=text)])
    assert elsewhere.kind == "new"
    # Same title and text, but months apart: a new article.
    [later] = await store.ingest(1, [item(5, title="Telescope sends first images!", text=text,
                                          published=BASE + timedelta(days=90))])
    assert later.kind == "new"


async def test_duplicates_within_one_batch(store: ArticleStore) -> None:
    a = item(1)
    b = item(2, url=a.url, text="Different text, same link, listed twice by a sloppy feed.")
    outcomes = await store.ingest(1, [a, b])
    assert [o.kind for o in outcomes] == ["new", "unchanged"]
    again = await store.ingest(1, [a, b])
    assert [o.kind for o in again] == ["unchanged", "unchanged"]  # no flip-flopping "updates"


async def test_mark_seen_returns_newest_and_prevents_flood(store: ArticleStore) -> None:
    items = [item(1, published=BASE - timedelta(hours=2)), item(2, published=BASE),
             item(3, published=None), item(4, published=BASE - timedelta(days=1))]
    newest = await store.mark_seen(1, items)
    assert newest is not None and newest.url == "https://example.com/story/2"
    outcomes = await store.ingest(1, [*items, item(5)])
    assert [o.kind for o in outcomes] == ["unchanged"] * 4 + ["new"]
    assert await store.mark_seen(1, []) is None
    undated = [item(10, published=None), item(11, published=None)]
    first = await store.mark_seen(2, undated)
    assert first is not None and first.url == "https://example.com/story/10"


async def test_lookups_search_and_full_text(store: ArticleStore) -> None:
    outcomes = await store.ingest(1, [item(1, title="Budget 100% approved"), item(2, title="Rain_tomorrow")])
    a1 = outcomes[0].article
    assert (await store.by_url("HTTPS://example.com/story/1?utm_source=x#frag")).id == a1.id  # type: ignore[union-attr]
    assert await store.by_url("https://example.com/nope") is None
    assert await store.get(999) is None
    assert [a.id for a in await store.search("100%")] == [a1.id]
    assert [a.title for a in await store.search("rain_")] == ["Rain_tomorrow"]
    assert await store.search("%zz") == []  # % is literal, not a wildcard
    assert len(await store.search("")) == 2
    assert await store.search("budget", guild_id=42) == []
    await store._db.execute(
        "INSERT INTO subscriptions (feed_id, guild_id, channel_id, created_at) VALUES (1, 42, 7, 0)")
    assert [a.id for a in await store.search("budget", guild_id=42)] == [a1.id]
    assert await store.set_text(a1.id, "Full text.", image="https://example.com/i.jpg", language="en")
    stored = await store.get(a1.id)
    assert stored is not None and stored.text == "Full text." and stored.image == "https://example.com/i.jpg"
    assert not await store.set_text(999, "x")


async def test_concurrent_ingest_two_connections(database_url: str) -> None:
    path = database_url
    db1 = await open_db(path)
    await add_feed(db1, "https://example.com/feed")
    db2 = await open_db(path)
    try:
        s1, s2 = ArticleStore(db1), ArticleStore(db2)
        for batch in range(3):  # several rounds: the interleaving differs from run to run
            items = [item(n) for n in range(batch * 40, batch * 40 + 40)]
            results = await asyncio.gather(*(s.ingest(1, items) for s in (s1, s2, s1, s2)))
            for n in range(40):
                kinds = [r[n].kind for r in results]
                assert kinds.count("new") == 1, kinds
                assert len({r[n].article_id for r in results}) == 1
        assert await db1.fetchval("SELECT COUNT(*) FROM articles") == 120
    finally:
        await db1.close()
        await db2.close()


async def test_parsed_fixture_round_trip(store: ArticleStore) -> None:
    feed = parse_feed((FIXTURES / "rss20.xml").read_bytes(), url="https://news.example.com/feed/")
    outcomes = await store.ingest(1, feed.items)
    assert [o.kind for o in outcomes] == ["new"] * len(feed.items)
    article = outcomes[0].article
    assert article.title.startswith("@everyone look: <@123456789>")
    assert article.published == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert outcomes[1].article.published is None
    assert [o.kind for o in await store.ingest(1, feed.items)] == ["unchanged"] * len(feed.items)
