"""`FeedPoller`: one poll of one feed, from conditional GET to stored articles and events.

fetch (with the stored ETag / Last-Modified) -> 304: nothing to do | same body bytes as last time: nothing to
parse | otherwise parse (in a thread: it is CPU work) -> ingest through the ArticleStore (dedupe by guid, URL
and title) -> for new teaser-only articles, the page's full text (same fetcher) -> NewArticle / UpdatedArticle
events. Failures are counted with exponential backoff and pause the
feed after `Settings.feed_max_failures` in a row; 410 Gone pauses it at once. The first poll of a new or
resumed feed only marks its items as seen, so subscribing or resuming never floods a channel.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.articles.records import Article, FeedItem, IngestOutcome
from bot.config import Settings
from bot.feeds.errors import FetchError, GoneError, RateLimitedError, shown_url
from bot.feeds.events import FeedEvent, FeedFailing, FeedPaused, FeedRecovered, NewArticle, UpdatedArticle
from bot.feeds.extract_pool import ArticleExtractor, ExtractionFailed
from bot.feeds.fetcher import PAGE_ACCEPT, FeedFetcher
from bot.feeds.models import FeedParseError, ParsedFeed
from bot.feeds.reader import FeedReader
from bot.storage.deliveries import DeliveryRecord, DeliveryStore
from bot.storage.feeds import Feed, FeedStore

__all__ = ["MAX_BACKOFF_SECONDS", "MAX_MIN_INTERVAL_SECONDS", "ArticleSink", "FeedPoller", "PollOutcome"]

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 6 * 3600
# A server asking for max-age=1 year must not silence a feed for a year.
MAX_MIN_INTERVAL_SECONDS = 86400
JITTER = 0.1  # +-10 %: feeds added together drift apart instead of hitting servers in lockstep
# Article pages fetched for full text in one poll: a feed that suddenly lists 100 new teasers must not turn one
# poll into 100 page loads from one site; the rest are announced with their teaser.
MAX_PAGES_PER_POLL = 10


class ArticleSink(Protocol):
    """What the poller needs from `bot.storage.articles.ArticleStore`."""

    async def ingest(self, feed_id: int, items: Sequence[FeedItem]) -> list[IngestOutcome]: ...

    async def mark_seen(self, feed_id: int, items: Sequence[FeedItem]) -> Article | None: ...

    async def get(self, article_id: int) -> Article | None: ...

    async def set_text(self, article_id: int, text: str, image: str | None = None,
                       language: str | None = None) -> bool: ...


Parser = Callable[..., ParsedFeed]


@dataclass
class PollOutcome:
    """What one poll did. `status`: 'changed', 'not-modified', 'same-body', 'baseline', 'failed' or 'paused'."""

    feed_id: int
    status: str
    events: list[FeedEvent] = field(default_factory=list)
    error: str | None = None
    items: int = 0


def _default_parser() -> Parser:
    from bot.feeds.parser import parse_feed

    return parse_feed


class FeedPoller:
    def __init__(
        self,
        fetcher: FeedFetcher,
        feeds: FeedStore,
        articles: ArticleSink,
        settings: Settings,
        *,
        parse: Parser | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        extractor: ArticleExtractor | None = None,
        deliveries: DeliveryStore | None = None,
        reader: FeedReader | None = None,
    ) -> None:
        self._deliveries = deliveries
        self._fetcher = fetcher
        self._feeds = feeds
        self._articles = articles
        self._settings = settings
        self._parse = parse or _default_parser()
        # Large bodies go to worker processes with a deadline (FeedReader); `parse` is for tests' stand-ins.
        self._reader = reader or FeedReader(parse=self._parse)
        self._clock = clock
        self._rng = rng or random.Random()
        self._extractor = extractor

    # --- timing ----------------------------------------------------------------------------------------

    def interval(self, feed: Feed) -> float:
        return float(feed.interval_seconds or self._settings.poll_interval_seconds)

    def next_poll_at(self, feed: Feed, now: float, min_interval: int | None) -> float:
        delay = self.interval(feed) * self._rng.uniform(1 - JITTER, 1 + JITTER)
        return now + max(delay, float(min_interval or 0))

    def backoff_at(self, feed: Feed, now: float, failures: int, retry_after: float | None = None) -> float:
        """Exponential backoff: interval, 2x, 4x ... capped at 6 h, never before the server's Retry-After."""
        delay = min(self.interval(feed) * 2 ** max(failures - 1, 0), MAX_BACKOFF_SECONDS)
        delay *= self._rng.uniform(1 - JITTER, 1 + JITTER)
        return now + max(delay, retry_after or 0.0)

    # --- one poll --------------------------------------------------------------------------------------

    async def poll(self, feed: Feed) -> PollOutcome:
        """Poll `feed` once. Never raises for a feed's own problems (they become a failed outcome and events);
        only a database error escapes."""
        now = self._clock()
        try:
            result = await self._fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        except GoneError as exc:
            await self._feeds.pause(feed.id, str(exc), now=now)
            return PollOutcome(feed.id, "paused", [FeedPaused(feed.id, feed.url, str(exc))], str(exc))
        except FetchError as exc:
            retry_after = exc.retry_after if isinstance(exc, RateLimitedError) else None
            return await self._fail(feed, now, str(exc), retry_after)

        recovered: list[FeedEvent] = []
        if feed.consecutive_failures:
            recovered.append(FeedRecovered(feed.id, feed.url, feed.consecutive_failures))
        etag = result.etag or feed.etag
        last_modified = result.last_modified or feed.last_modified
        if result.not_modified:
            await self._feeds.record_success(
                feed.id, now=now, etag=etag, last_modified=last_modified, min_interval=feed.min_interval_seconds,
                next_poll_at=self.next_poll_at(feed, now, feed.min_interval_seconds))
            return PollOutcome(feed.id, "not-modified", recovered)

        body_hash = hashlib.sha256(result.body).hexdigest()
        if body_hash == feed.body_hash and not feed.baseline_pending:
            min_interval = _min_interval(result.max_age, None) or feed.min_interval_seconds
            await self._feeds.record_success(
                feed.id, now=now, etag=etag, last_modified=last_modified, min_interval=min_interval,
                next_poll_at=self.next_poll_at(feed, now, min_interval))
            return PollOutcome(feed.id, "same-body", recovered)

        try:
            parsed = await self._reader.parse(result.body, url=result.url, content_type=result.content_type)
        except FeedParseError as exc:
            return await self._fail(feed, now, f"{shown_url(feed.url)} is not a readable feed: {exc}", None)
        except Exception as exc:  # a parser bug must not stop the other feeds
            log.exception("feed %s: parser crashed on %s", feed.id, feed.url)
            return await self._fail(feed, now, f"{shown_url(feed.url)} could not be parsed (internal error: "
                                               f"{type(exc).__name__})", None)

        min_interval = _min_interval(result.max_age, parsed.ttl_seconds)
        events: list[FeedEvent] = list(recovered)
        if feed.baseline_pending:
            await self._articles.mark_seen(feed.id, parsed.items)
            status = "baseline"
        else:
            # Feeds list newest first. Store oldest first: storing queues the announcement (migration 0006)
            # and the outbox posts in that order, so a channel reads in order; the events follow it too.
            outcomes = await self._articles.ingest(feed.id, _oldest_first(parsed.items))
            await self._record_duplicates(feed.id, outcomes)
            if self._extractor is not None:
                outcomes = await self._add_full_text(self._extractor, outcomes)
            for outcome in outcomes:
                if outcome.kind == "new":
                    events.append(NewArticle(feed.id, feed.url, parsed.title or feed.title, outcome.article,
                                             outcome.item))
                elif outcome.kind == "updated":
                    events.append(UpdatedArticle(feed.id, feed.url, parsed.title or feed.title, outcome.article,
                                                 outcome.item))
            status = "changed"
        await self._feeds.record_success(
            feed.id, now=now, etag=etag, last_modified=last_modified, min_interval=min_interval,
            next_poll_at=self.next_poll_at(feed, now, min_interval), title=parsed.title, site_url=parsed.site_url,
            body_hash=body_hash, baseline_done=feed.baseline_pending, icon_url=parsed.icon_url)
        return PollOutcome(feed.id, status, events, items=len(parsed.items))

    async def _record_duplicates(self, feed_id: int, outcomes: Sequence[IngestOutcome]) -> None:
        """Items dedupe matched to an article another feed (or another entry of this one) brought first: in
        each channel following this feed, the delivery record says which story it was taken for."""
        if self._deliveries is None:
            return
        records = [DeliveryRecord(0, o.item.url, o.item.title, "duplicate",
                                  f"the same story as '{o.article.title}' (article {o.article.id})", o.article.id)
                   for o in outcomes
                   if o.kind == "unchanged" and (o.article.feed_id != feed_id or o.article.guid != o.item.guid)]
        await self._deliveries.record_for_feed(feed_id, records)

    async def _add_full_text(self, extractor: ArticleExtractor,
                             outcomes: list[IngestOutcome]) -> list[IngestOutcome]:
        """For new articles whose feed carries only a teaser, fetch the page (same fetcher, same guards) and
        store the extracted text. A page that fails is logged and the article announced with its teaser."""
        from bot.feeds.extract import needs_full_text

        wanted = [o for o in outcomes if o.kind == "new" and needs_full_text(o.item)][:MAX_PAGES_PER_POLL]
        if not wanted:
            return outcomes
        filled = dict(zip([id(o) for o in wanted],
                          await asyncio.gather(*(self._full_text_of(extractor, o) for o in wanted)), strict=True))
        return [filled.get(id(o)) or o for o in outcomes]

    async def _full_text_of(self, extractor: ArticleExtractor, outcome: IngestOutcome) -> IngestOutcome | None:
        try:
            async with extractor.pages:
                page = await self._fetcher.fetch(outcome.item.url, accept=PAGE_ACCEPT)
                extracted = await extractor.extract(page.body, page.url, content_type=page.content_type)
        except (FetchError, ExtractionFailed) as exc:
            log.info("feed %s article %s: no full text for %s: %s", outcome.article.feed_id, outcome.article.id,
                     outcome.item.url, exc)
            return None
        except Exception:  # an extractor bug costs the full text, not the article
            log.exception("feed %s article %s: full-text extraction crashed on %s", outcome.article.feed_id,
                          outcome.article.id, outcome.item.url)
            return None
        # A short article is kept (it may be the whole story), but never in place of a feed text that says more.
        if extracted is None or len(extracted.text) <= len(outcome.item.content_text or outcome.item.excerpt or ""):
            return None
        await self._articles.set_text(outcome.article.id, extracted.text, extracted.image, extracted.language)
        article = await self._articles.get(outcome.article.id)
        return None if article is None else dataclasses.replace(outcome, article=article)

    async def record_crash(self, feed: Feed, exc: BaseException) -> PollOutcome:
        """A poll that raised (a bug, the database): count it as a failure so the feed backs off like any
        failing feed, instead of staying due and being fetched again at once."""
        return await self._fail(feed, self._clock(), f"internal error: {type(exc).__name__}", None)

    async def _fail(self, feed: Feed, now: float, error: str, retry_after: float | None) -> PollOutcome:
        failures = feed.consecutive_failures + 1
        next_at = self.backoff_at(feed, now, failures, retry_after)
        count, paused = await self._feeds.record_failure(
            feed.id, now=now, error=error, next_poll_at=next_at, max_failures=self._settings.feed_max_failures)
        if paused:
            stored = await self._feeds.get(feed.id)
            reason = (stored.paused_reason if stored else None) or error
            return PollOutcome(feed.id, "paused", [FeedPaused(feed.id, feed.url, reason)], error)
        return PollOutcome(feed.id, "failed", [FeedFailing(feed.id, feed.url, error, count, next_at)], error)


def _oldest_first(items: list[FeedItem]) -> list[FeedItem]:
    """A feed's items (newest first) in reading order. An item listed twice (same guid or link) keeps its
    first, newest, listing, as storing in the feed's order did."""
    seen_guids: set[str] = set()
    seen_urls: set[str] = set()
    unique = []
    for item in items:
        if item.guid in seen_guids or item.url in seen_urls:
            continue
        seen_guids.add(item.guid)
        seen_urls.add(item.url)
        unique.append(item)
    return unique[::-1]


def _min_interval(max_age: int | None, ttl: int | None) -> int | None:
    """The larger of Cache-Control max-age and RSS <ttl>, capped at a day; None when neither says anything."""
    value = max(max_age or 0, ttl or 0)
    return min(value, MAX_MIN_INTERVAL_SECONDS) if value > 0 else None
