"""SummaryService with its cache in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import load_settings
from bot.storage.database import Database
from bot.storage.engines import open_database
from bot.storage.summaries import SummaryStore
from bot.summarize.clean import InputError
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.result import SummaryOptions, SummaryResult
from bot.summarize.service import SummaryService

ARTICLE = (
    "The city council approved a new budget for public libraries on Thursday after a long debate. "
    "The budget adds 2 million dollars for longer opening hours and new books. "
    "Council members voted 9 to 2 in favour of the plan, which takes effect in July. "
    "Librarians welcomed the decision, saying demand had grown every year since 2019."
)


class CountingSummarizer(ExtractiveSummarizer):
    """The real summarizer, counting how often it runs (so a cache hit is visible)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def summarize(self, *args: Any, **kwargs: Any) -> SummaryResult:
        self.calls += 1
        time.sleep(0.02)  # long enough for concurrent requests to overlap
        return super().summarize(*args, **kwargs)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await open_database(database_url)
    now = time.time()
    for article_id in (1, 2):
        await database.execute(
            "INSERT INTO articles (id, canonical_url, content_hash, title, first_seen_at, updated_at)"
            " VALUES (?, ?, 'h', 't', ?, ?)",
            (article_id, f"https://example.com/{article_id}", now, now),
        )
    yield database
    await database.close()


def _settings() -> Any:
    return load_settings({}, env_file=None)


async def test_store_round_trip_and_replace(db: Database) -> None:
    store = SummaryStore(db)
    assert await store.get(1, "extractive", "medium", "paragraph") is None
    await store.put(1, "extractive", "medium", "paragraph", {"summary": "a", "sentences": ["a"]})
    await store.put(1, "extractive", "medium", "paragraph", {"summary": "b", "sentences": ["b"]})
    assert await store.get(1, "extractive", "medium", "paragraph") == {"summary": "b", "sentences": ["b"]}
    assert await store.get(1, "extractive", "medium", "bullets") is None
    assert await store.delete_article(1) == 1


async def test_unreadable_cached_json_is_ignored(db: Database) -> None:
    await db.execute(
        "INSERT INTO summaries (article_id, method, length, style, result, created_at) VALUES (1, 'extractive',"
        " 'medium', 'paragraph', '{broken', 0)"
    )
    assert await SummaryStore(db).get(1, "extractive", "medium", "paragraph") is None
    service = SummaryService(_settings(), SummaryStore(db))
    result = await service.summarize_article(1, ARTICLE)
    assert result.sentences  # recomputed and stored again
    assert await SummaryStore(db).get(1, "extractive", "medium", "paragraph") == result.as_dict()


async def test_article_summary_is_cached_per_key_in_the_database(db: Database, database_url: str) -> None:
    summarizer = CountingSummarizer()
    service = SummaryService(_settings(), SummaryStore(db), extractive=summarizer)
    first = await service.summarize_article(1, ARTICLE, SummaryOptions(sentences=2))
    again = await service.summarize_article(1, ARTICLE, SummaryOptions(sentences=2))
    assert again == first and summarizer.calls == 1
    await service.summarize_article(1, ARTICLE, SummaryOptions(sentences=2, style="bullets"))
    await service.summarize_article(1, ARTICLE, SummaryOptions(words=30))
    await service.summarize_article(2, ARTICLE, SummaryOptions(sentences=2))
    assert summarizer.calls == 4
    rows = await db.fetchall("SELECT article_id, method, length, style, result FROM summaries ORDER BY created_at")
    assert [tuple(r)[:4] for r in rows] == [
        (1, "extractive", "s2", "paragraph"), (1, "extractive", "s2", "bullets"),
        (1, "extractive", "w30", "paragraph"), (2, "extractive", "s2", "paragraph"),
    ]
    assert SummaryResult.from_dict(json.loads(rows[0]["result"])) == first

    # The cache is in the database: a second connection (as after a restart) and a new service find it.
    other = await open_database(database_url)
    try:
        fresh = CountingSummarizer()
        cached = await SummaryService(_settings(), SummaryStore(other), extractive=fresh).summarize_article(
            1, ARTICLE, SummaryOptions(sentences=2))
        assert cached == first and fresh.calls == 0
    finally:
        await other.close()


async def test_concurrent_requests_share_one_computation(db: Database) -> None:
    summarizer = CountingSummarizer()
    service = SummaryService(_settings(), SummaryStore(db), extractive=summarizer)
    results = await asyncio.gather(*(service.summarize_article(1, ARTICLE) for _ in range(5)))
    assert summarizer.calls == 1 and all(r == results[0] for r in results)


async def test_bad_input_raises_and_caches_nothing(db: Database) -> None:
    service = SummaryService(_settings(), SummaryStore(db))
    with pytest.raises(InputError):
        await service.summarize_article(1, "   ")
    assert await db.fetchval("SELECT COUNT(*) FROM summaries") == 0
    # and the service still works afterwards
    assert (await service.summarize_article(1, ARTICLE)).sentences


async def test_summarize_text_runs_off_the_event_loop() -> None:
    service = SummaryService(_settings())
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    big = (ARTICLE + "\n") * 3000
    result = await service.summarize_text(big, options=SummaryOptions(sentences=3), title="Libraries")
    task.cancel()
    assert len(result.sentences) == 3
    assert ticks > 1  # the loop kept running while the summary was computed in a thread
