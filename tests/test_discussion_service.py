"""DiscussionSummaries on both engines (SQLite, PostgreSQL), with the LLM backend against a loopback fake endpoint."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bot.comments.discussion_service import DiscussionSummaries
from bot.config import Settings, load_settings
from bot.storage.comments import CommentRecord, CommentStore, ReactionStore
from bot.storage.database import Database
from bot.storage.engines import open_database
from bot.storage.posts import PostStore
from bot.summarize.llm import LLMSummarizer
from bot.summarize.service import SummaryService
from tests.test_summarize_llm import FakeLLM, _settings, reply, server, status

__all__ = ["server"]

THREAD = 500
TEXTS = [
    "The tram extension to the airport is the best part of the transit plan.",
    "Twelve bus routes are fine but the budget for drivers is missing.",
    "A tram to the airport finally fixes the commute for the east side.",
    "Scandal! The mayor is lying about the tram budget, everyone knows it.",
]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await open_database(database_url)
    comments = CommentStore(database)
    for n, text in enumerate(TEXTS, 1):
        await comments.record(CommentRecord(message_id=1000 + n, guild_id=1, thread_id=THREAD, author_id=n,
                                            author_name=f"reader{n}", content=text, created_at=time.time()))
    await comments.mark_removed(1004, moderator_id=9, reason="rude", at=time.time())
    yield database
    await database.close()


def _service(db: Database, summaries: SummaryService, threshold: int = 2) -> DiscussionSummaries:
    return DiscussionSummaries(comments=CommentStore(db), reactions=ReactionStore(db), posts=PostStore(db),
                               summaries=summaries, button_threshold=threshold)


async def test_extractive_by_default_and_removed_comments_are_left_out(db: Database) -> None:
    service = _service(db, SummaryService(_settings_extractive()))
    result = await service.for_thread(THREAD)
    assert result.method == "extractive" and result.fallback_reason is None
    assert result.summary.considered == 3
    assert 1004 not in [p.message_id for p in result.summary.points]


async def test_llm_points_are_tied_to_listed_comments_only(db: Database, server: FakeLLM) -> None:
    server.script = [reply("- Readers like the airport tram. [1]\n- Someone says the mayor lies. [9]")]
    summaries = SummaryService(_settings(server.url))
    try:
        result = await _service(db, summaries).for_thread(THREAD)
    finally:
        await summaries.aclose()
    sent = server.requests[0]["messages"][1]["content"]
    assert "Scandal" not in sent
    assert result.method == "llm" and len(result.summary.points) == 1
    [point] = result.summary.points
    assert result.gists[point.message_id] == "Readers like the airport tram."


@pytest.mark.parametrize("answer", ["- A point without a number.", None])
async def test_llm_failure_or_unusable_answer_falls_back_with_a_reason(db: Database, server: FakeLLM,
                                                                       answer: str | None) -> None:
    server.script = [reply(answer) if answer else status(500)]
    llm = LLMSummarizer(server.url, "m", retries=0, timeout=1.0)
    summaries = SummaryService(_settings(server.url), llm=llm, llm_cooldown=60)
    try:
        result = await _service(db, summaries).for_thread(THREAD)
        assert result.method == "extractive" and result.fallback_reason
        assert result.summary.points
        if answer is None:  # the article summaries' cooldown applies to discussions too
            again = await _service(db, summaries).for_thread(THREAD)
            assert "retrying the LLM after a short pause" in (again.fallback_reason or "")
            assert len(server.requests) == 1
    finally:
        await summaries.aclose()


async def test_newly_busy_takes_a_mark_first_then_finds_threads_past_the_threshold(db: Database) -> None:
    service = _service(db, SummaryService(_settings_extractive()), threshold=2)
    posts, mark = await service.newly_busy(None)
    assert posts == [] and mark == 1004
    await db.execute("INSERT INTO articles (id, canonical_url, content_hash, title, first_seen_at, updated_at)"
                     " VALUES (7, 'https://example.com/7', 'h', 't', 0, 0)")
    await db.execute("INSERT INTO posts (article_id, guild_id, channel_id, nonce, message_id, thread_id, created_at)"
                     " VALUES (7, 1, 20, 'n', ?, ?, 0)", (THREAD, THREAD))
    assert (await service.newly_busy(mark))[0] == []  # nothing new since the mark
    await CommentStore(db).record(CommentRecord(message_id=1010, guild_id=1, thread_id=THREAD, author_id=3,
                                                author_name="c", content="Agreed on the tram.", created_at=0))
    posts, mark = await service.newly_busy(mark)
    assert [p.thread_id for p in posts] == [THREAD] and mark == 1010
    assert (await _service(db, SummaryService(_settings_extractive()), threshold=4).newly_busy(1004))[0] == []


def _settings_extractive() -> Settings:
    return load_settings({}, env_file=None)
