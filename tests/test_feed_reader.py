"""Feed bodies are read within a deadline: small ones in a thread, large ones in a worker process that is
stopped when it runs past PARSE_TIMEOUT (so a feedparser-hostile body neither stalls the bot nor waits long)."""

from __future__ import annotations

import time

import pytest

from bot.feeds.extract_pool import ArticleExtractor
from bot.feeds.models import FeedParseError, ParsedFeed
from bot.feeds.parser import parse_feed
from bot.feeds.reader import FeedReader

FEED = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>Loopback</title>"
        + b"".join(b"<item><guid>g%d</guid><title>Story %d</title><link>https://example.org/%d</link></item>"
                   % (n, n, n) for n in range(30)) + b"</channel></rss>")
HANG = b"<rss>hang</rss>"


def hang_or_parse(body: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """A stand-in parser that never returns on HANG (run in the worker process by its module name)."""
    if body == HANG:
        time.sleep(600)
    return parse_feed(body, url=url, content_type=content_type)


async def test_small_and_large_bodies_read_the_same() -> None:
    async with ArticleExtractor(workers=1) as workers:
        in_thread = await FeedReader(workers).parse(FEED, url="https://example.org/feed")
        in_worker = await FeedReader(workers, large=100).parse(FEED, url="https://example.org/feed")
    assert in_thread == in_worker and len(in_worker.items) == 30


async def test_a_large_body_past_the_deadline_is_stopped_with_one_line_and_the_workers_recover() -> None:
    async with ArticleExtractor(workers=1) as workers:
        reader = FeedReader(workers, parse=hang_or_parse, large=1, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(FeedParseError, match=r"took longer than 0.5 s and was stopped; .* ask the site"):
            await reader.parse(HANG, url="https://example.org/feed")
        assert time.monotonic() - started < 30  # a hang guard, not a timing assertion
        parsed = await reader.parse(FEED, url="https://example.org/feed")
    assert len(parsed.items) == 30


async def test_what_the_parser_refuses_stays_its_own_error_in_a_worker() -> None:
    async with ArticleExtractor(workers=1) as workers:
        with pytest.raises(FeedParseError) as refused:
            await FeedReader(workers, large=1).parse(b"\x00\x01 not a feed at all" * 10, url="https://example.org/f")
    assert "worker" not in str(refused.value)

