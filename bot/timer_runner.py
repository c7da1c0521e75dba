"""Fires persisted timers at their due time, also the ones that fell due while the bot was down.

Timers live in the `timers` table (see `TimerStore`); handlers are registered by event name. A due timer
is claimed before its handler runs (its due time moves a minute ahead, atomically, so of several processes
sharing the database only one runs it) and deleted only after the handler succeeded, so a failure or a
crash mid-handler means it fires again a minute later: handlers must be idempotent (unmuting twice,
closing a closed thread are harmless).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.background import BackgroundTask
from bot.storage.timers import Timer, TimerStore

__all__ = ["TimerRunner"]

log = logging.getLogger(__name__)
Handler = Callable[[Timer], Awaitable[Any]]
RETRY_AFTER_FAILURE = 60.0
MAX_SLEEP = 30.0  # re-check now and then even without a wake-up, in case another process added a timer


class TimerRunner:
    def __init__(self, timers: TimerStore, clock: Callable[[], float] = time.time) -> None:
        self._timers = timers
        self._handlers: dict[str, Handler] = {}
        self._clock = clock
        self._background = BackgroundTask("newsdesk-timers", self._step, every=MAX_SLEEP)

    def on(self, event: str, handler: Handler) -> None:
        self._handlers[event] = handler

    def wake(self) -> None:
        """Call after scheduling a timer so an earlier due time is noticed at once."""
        self._background.wake()

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()

    async def run_due(self) -> int:
        """Fire every timer due now. Returns how many succeeded."""
        fired = 0
        for timer in await self._timers.due(self._clock()):
            handler = self._handlers.get(timer.event)
            if handler is None:
                log.error("timer %d (%s) has no handler for event %r; dropping it", timer.id, timer.payload,
                          timer.event)
                await self._timers.cancel(timer.id)
                continue
            # Claimed first (an atomic update of its due time): another process sharing the database
            # (SHARD_IDS) may be looking at the same due timer, and only one of them may run it. The new
            # due time is the retry if the handler fails or this process dies mid-handler.
            claimed = await self._timers.claim(timer, self._clock() + RETRY_AFTER_FAILURE)
            if claimed is None:
                continue
            try:
                await handler(claimed)
            except Exception:
                log.exception("timer %d (%s, %s) failed; retrying in %.0fs", timer.id, timer.event, timer.payload,
                              RETRY_AFTER_FAILURE)
                continue
            await self._timers.complete(claimed)
            fired += 1
        return fired

    async def _step(self) -> float | None:
        await self.run_due()
        next_due = await self._timers.next_due_at()
        return None if next_due is None else max(0.0, next_due - self._clock())
