"""`FeedScheduler`: runs poll cycles over the due feeds, concurrently, and hands the events to the bot.

A cycle takes the feeds that are due (unpaused, followed, optionally only this process's shards' guilds),
polls them concurrently — the fetcher's global and per-host limits decide how many fetches are in flight —
and delivers each poll's events through `emit` as soon as that feed is done. One feed's failure, or a bug in
an event handler, never stops the others. `start()` repeats cycles in the background, sleeping until the
next feed is due.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field

from bot.background import BackgroundTask
from bot.feeds.events import FeedEvent
from bot.feeds.poller import FeedPoller, PollOutcome
from bot.storage.feeds import Feed, FeedStore, ShardFilter

__all__ = ["CycleReport", "EventHandler", "FeedScheduler"]

log = logging.getLogger(__name__)

EventHandler = Callable[[FeedEvent], Awaitable[None]]


@dataclass
class CycleReport:
    polled: int = 0
    changed: int = 0
    failed: int = 0
    events: list[FeedEvent] = field(default_factory=list)
    seconds: float = 0.0


class FeedScheduler:
    def __init__(
        self,
        feeds: FeedStore,
        poller: FeedPoller,
        *,
        emit: EventHandler | None = None,
        shards: ShardFilter | None = None,
        guild_ids: Collection[int] | None = None,
        batch_size: int = 1000,
        concurrency: int = 64,
        max_sleep: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._feeds = feeds
        self._poller = poller
        self._emit = emit
        self._shards = shards
        self._guild_ids = guild_ids
        self._batch_size = batch_size
        # Polls in progress (fetch + parse + store). Above the fetcher's own limit so parsing and storing
        # overlap other feeds' fetches, bounded so a huge backlog does not hold every body in memory.
        self._concurrency = concurrency
        self._clock = clock
        # Cycles repeat until the next feed is due, at most `max_sleep` apart so that feeds added by another
        # process are noticed, or at once after `wake()`.
        self._background = BackgroundTask("newsdesk-feed-scheduler", self._step, every=max_sleep)

    def wake(self) -> None:
        """Run the next cycle now (e.g. a feed was added or resumed)."""
        self._background.wake()

    def start(self, *, after: Callable[[], Awaitable[object]] | None = None) -> None:
        """Poll in the background (once `after()` returned, when given) until `stop()`."""
        self._background.start(after=after)

    async def stop(self) -> None:
        await self._background.stop()

    async def run_cycle(self, now: float | None = None) -> CycleReport:
        """Poll every due feed once (up to `batch_size`) and emit their events."""
        started = time.monotonic()
        now = self._clock() if now is None else now
        due = await self._feeds.due(now, self._batch_size, guild_ids=self._guild_ids, shards=self._shards)
        report = CycleReport()
        gate = asyncio.Semaphore(self._concurrency)

        async def one(feed: Feed) -> None:
            async with gate:
                outcome = await self._poll_safely(feed)
            report.polled += 1
            report.changed += outcome.status == "changed"
            report.failed += outcome.status in ("failed", "paused")
            report.events.extend(outcome.events)
            for event in outcome.events:
                await self._deliver(event)

        await asyncio.gather(*(one(feed) for feed in due))
        report.seconds = time.monotonic() - started
        return report

    async def _step(self) -> float | None:
        await self.run_cycle()
        next_due = await self._feeds.next_due_at(guild_ids=self._guild_ids, shards=self._shards)
        return None if next_due is None else max(next_due - self._clock(), 0.0)

    async def _poll_safely(self, feed: Feed) -> PollOutcome:
        try:
            return await self._poller.poll(feed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("polling feed %s (%s) failed unexpectedly", feed.id, feed.url)
            try:
                return await self._poller.record_crash(feed, exc)
            except Exception:
                log.exception("feed %s: could not record the failure either", feed.id)
                return PollOutcome(feed.id, "failed", error=f"internal error: {type(exc).__name__}")

    async def _deliver(self, event: FeedEvent) -> None:
        if self._emit is None:
            return
        try:
            await self._emit(event)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("feed %s: event handler failed for %s", getattr(event, "feed_id", "-"), type(event).__name__)
