"""Reading a feed body into a ParsedFeed, bounded in time whatever the body.

Most feeds are small: they are parsed in a thread (no process hop). A body over LARGE_FEED_BYTES goes to the
extraction workers (`ArticleExtractor.run`) with a deadline: feedparser works through a 10 MB body of entities in
several seconds of C calls that hold the GIL, which would stall the bot's event loop and every other feed; in
a worker it holds nothing of ours, and a body that needs more than PARSE_TIMEOUT is refused with one line.
Measured by benchmarks/hostile.py (BENCHMARKS.md, "Hostile input").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.feeds.extract_pool import ArticleExtractor, WorkerDied
from bot.feeds.models import FeedParseError, ParsedFeed
from bot.feeds.parser import parse_feed

__all__ = ["LARGE_FEED_BYTES", "PARSE_TIMEOUT", "FeedReader"]

LARGE_FEED_BYTES = 1 << 20  # real feeds are far smaller; the largest of the 2,200 conformance files is 0.3 MB
PARSE_TIMEOUT = 1.8  # with the worker's stop, a refused feed still answers within 2 s

Parser = Callable[..., ParsedFeed]


class FeedReader:
    def __init__(self, workers: ArticleExtractor | None = None, *, parse: Parser = parse_feed,
                 large: int = LARGE_FEED_BYTES, timeout: float = PARSE_TIMEOUT) -> None:
        self._workers = workers
        self._parse = parse
        self._large = large
        self._timeout = timeout

    async def parse(self, body: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
        """The feed in `body`; FeedParseError (one line) when it is not a feed or takes too long to read."""
        if self._workers is None or len(body) <= self._large:
            return await asyncio.to_thread(self._parse, body, url=url, content_type=content_type)
        try:
            return await self._workers.run(self._parse, body, url=url, content_type=content_type,
                                           deadline=self._timeout)
        except TimeoutError:
            raise FeedParseError(f"reading this {len(body) / 1_048_576:.1f} MB feed took longer than "
                                 f"{self._timeout:g} s and was stopped; a feed this large is unusual: ask the site "
                                 "for a smaller one (fewer items, or excerpts instead of full texts)") from None
        except WorkerDied as exc:
            raise FeedParseError(f"the feed parser failed on this {len(body) / 1_048_576:.1f} MB feed ({exc})") from None
