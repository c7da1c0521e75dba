"""The one way a service owns a long-running loop: the publisher, the feed scheduler, the timers, the
digest and the retention sweep all run through `BackgroundTask`.

The owner supplies one `step` and says how often it runs. The task repeats it until stopped; `step` returns
how long to wait before the next run (None: the usual interval), `wake()` cuts the wait short, and an
exception in a step is logged and retried at the next interval instead of ending the loop for good. The
wake-up is cleared before each step, so a wake-up that arrives while a step runs gets the next step at
once.

The write-behind writer (bot/storage/writer.py) is the one loop that stays a thread: it commits on its own
SQLite connection, and sqlite3 blocks while it writes, so on the event loop every commit would stall
the gateway and the commands for its duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

__all__ = ["BackgroundTask", "Step"]

log = logging.getLogger(__name__)
# One run of the loop's work; returns the seconds to wait before the next run, or None for the interval.
Step = Callable[[], Awaitable[float | None]]


class BackgroundTask:
    def __init__(self, name: str, step: Step, *, every: float) -> None:
        self.name = name
        self._step = step
        self._every = every
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, *, after: Callable[[], Awaitable[object]] | None = None) -> None:
        """Start the loop unless it already runs (calling twice is harmless). With `after`, the first step
        waits for it (the bot's loops wait until Discord is ready)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(after), name=self.name)

    async def stop(self) -> None:
        """Cancel it and wait until it has finished, so nothing outlives its owner."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        """Run the next step now instead of after the wait (new work arrived)."""
        self._wake.set()

    async def _run(self, after: Callable[[], Awaitable[object]] | None) -> None:
        if after is not None:
            await after()
        while True:
            self._wake.clear()
            try:
                delay = await self._step()
            except Exception:
                log.exception("%s failed; trying again in %.0f s", self.name, self._every)
                delay = None
            delay = self._every if delay is None else min(delay, self._every)
            if delay <= 0:
                await asyncio.sleep(0)  # more is due already: go on, but let the rest of the bot run first
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
