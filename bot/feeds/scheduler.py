"""`FeedScheduler`: runs poll cycles over the due feeds, concurrently, and hands the events to the bot.

A cycle takes the feeds that are due (unpaused, followed, optionally only this process's shards' guilds),
or, with `leases` (feed workers sharing one database), claims them a few dozen at a time so that each feed
is polled by one worker however many run (`FeedStore.claim_due`; a worker that dies keeps its claims only
until they lapse), and polls them concurrently — the fetcher's global and per-host limits decide how many fetches are in flight —
and delivers each poll's events through `emit` as soon as that feed is done. One feed's failure, or a bug in
an event handler, never stops the others. `start()` repeats cycles in the background, sleeping until the
next feed is due.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field

from bot.background import BackgroundTask
from bot.feeds.events import FeedEvent
from bot.feeds.poller import FeedPoller, PollOutcome
from bot.storage.feeds import Feed, FeedStore, ShardFilter

__all__ = ["CycleReport", "EventHandler", "FeedLeases", "FeedScheduler"]

log = logging.getLogger(__name__)

EventHandler = Callable[[FeedEvent], Awaitable[None]]


@dataclass
class CycleReport:
    polled: int = 0
    changed: int = 0
    failed: int = 0
    events: list[FeedEvent] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class FeedLeases:
    """How this worker claims feeds on a shared database: its name on the leases and how long they hold
    (longer than one poll can take: the fetcher's total timeout plus parsing and storing)."""

    seconds: float
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}")


class FeedScheduler:
    def __init__(
        self,
        feeds: FeedStore,
        poller: FeedPoller,
        *,
        emit: EventHandler | None = None,
        shards: ShardFilter | None = None,
        guild_ids: Collection[int] | None = None,
        leases: FeedLeases | None = None,
        wake_others: Callable[[], None] | None = None,
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
        self._leases = leases
        self._wake_others = wake_others
        self._batch_size = batch_size
        # Polls in progress (fetch + parse + store). Above the fetcher's own limit so parsing and storing
        # overlap other feeds' fetches, bounded so a huge backlog does not hold every body in memory.
        self._concurrency = concurrency
        self._clock = clock
        # Cycles repeat until the next feed is due, at most `max_sleep` apart so that feeds added by another
        # process are noticed, or at once after `wake()`.
        self._background = BackgroundTask("newsdesk-feed-scheduler", self._step, every=max_sleep)

    @property
    def cycles(self) -> int:
        """Cycles the background loop has finished (failed ones included)."""
        return self._background.steps

    def wake(self) -> None:
        """Run the next cycle now (e.g. a feed was added or resumed), here and, through `wake_others`, in the
        feed workers of other processes."""
        self._background.wake()
        if self._wake_others is not None:
            self._wake_others()

    def wake_here(self) -> None:
        """Run the next cycle now in this process only (another process said so)."""
        self._background.wake()

    def start(self, *, after: Callable[[], Awaitable[object]] | None = None) -> None:
        """Poll in the background (once `after()` returned, when given) until `stop()`."""
        self._background.start(after=after)

    async def stop(self) -> None:
        await self._background.stop()

    async def run_cycle(self, now: float | None = None) -> CycleReport:
        """Poll every due feed once (up to `batch_size`) and emit their events."""
        started = time.monotonic()
        report = CycleReport()
        if self._leases is not None:
            await self._run_leased(self._leases, report)
        else:
            now = self._clock() if now is None else now
            due = await self._feeds.due(now, self._batch_size, guild_ids=self._guild_ids, shards=self._shards)
            gate = asyncio.Semaphore(self._concurrency)

            async def one(feed: Feed) -> None:
                async with gate:
                    await self._poll_one(feed, report)

            await asyncio.gather(*(one(feed) for feed in due))
        report.seconds = time.monotonic() - started
        return report

    async def _run_leased(self, leases: FeedLeases, report: CycleReport) -> None:
        """`concurrency` pollers share a buffer of claimed feeds, refilled one claim at a time, so a worker
        holds only what it is about to poll and several workers share a backlog evenly."""
        claimed: list[Feed] = []
        total = 0
        claiming = asyncio.Lock()

        async def next_feed() -> Feed | None:
            nonlocal total
            async with claiming:
                if not claimed and total < self._batch_size:
                    chunk = await self._feeds.claim_due(self._clock(), min(self._concurrency, self._batch_size - total),
                                                        owner=leases.owner, lease_seconds=leases.seconds)
                    total += len(chunk)
                    claimed.extend(reversed(chunk))
                return claimed.pop() if claimed else None

        async def poller() -> None:
            while (feed := await next_feed()) is not None:
                await self._poll_one(feed, report)

        try:
            await asyncio.gather(*(poller() for _ in range(self._concurrency)))
        finally:
            # Each polled feed has its next poll time; what is claimed but not polled (a stop) is free again.
            await asyncio.shield(self._feeds.release(leases.owner))

    async def _poll_one(self, feed: Feed, report: CycleReport) -> None:
        outcome = await self._poll_safely(feed)
        report.polled += 1
        report.changed += outcome.status == "changed"
        report.failed += outcome.status in ("failed", "paused")
        report.events.extend(outcome.events)
        for event in outcome.events:
            await self._deliver(event)

    async def _step(self) -> float | None:
        await self.run_cycle()
        if self._leases is not None:
            next_due = await self._feeds.next_claimable_at(self._clock())
        else:
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
