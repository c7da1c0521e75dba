"""How high-rate stores (comments, reactions, thread state) get their rows to disk.

Callers hand a store a record; the store turns it into ordered SQL statements and gives them to a
`Writer`. `DirectWriter` commits each write at once; `BatchWriter` (write-behind on the event loop) and
`ThreadedBatchWriter` (`writer_thread.py`: write-behind on a dedicated thread with its own sqlite3
connection, what the bot uses) queue them and commit many in one transaction every few tens of milliseconds or N statements, and
on `flush()`/`close()`. Any of them can sit behind the same store, so callers never change when the
strategy does.

`submit()` is the hot path: it queues without awaiting anything. `write()` is the same as an awaitable.
`flush()` returns once everything submitted before it is committed. Callers need not flush to read their
writes: `writer.attach(db)` makes every statement on `db` wait for what was queued before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.storage.database import Database
from bot.storage.writer_thread import Statement, ThreadedBatchWriter

__all__ = ["BatchWriter", "DirectWriter", "Statement", "ThreadedBatchWriter", "Writer"]

log = logging.getLogger(__name__)


class Writer(Protocol):
    def submit(self, statements: Sequence[Statement]) -> None:
        """Queue `statements`, in order, as one unit, without waiting."""

    async def write(self, statements: Sequence[Statement]) -> None:
        """Queue or run `statements`, in order, as one unit."""

    async def flush(self) -> None:
        """Return once everything written so far is committed."""

    def add_recovery_listener(self, callback: Callable[[], None]) -> None:
        """Call `callback()` (on the current event loop) whenever writing works again after failing."""

    def remove_recovery_listener(self, callback: Callable[[], None]) -> None:
        """Stop calling `callback`."""


class DirectWriter:
    """Commits each write in its own transaction before returning. Writes are committed one at a time in the
    order they were submitted: on PostgreSQL each would otherwise take its own pooled connection, and an edit
    could land before the comment it changes."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._inflight: set[asyncio.Task[None]] = set()
        self._order = asyncio.Lock()  # fair: waiters get it in the order they asked

    def submit(self, statements: Sequence[Statement]) -> None:
        task = asyncio.get_running_loop().create_task(self.write(statements))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def write(self, statements: Sequence[Statement]) -> None:
        async with self._order:
            await self._db.run_batch(statements, barrier=False)

    async def flush(self) -> None:
        while self._inflight:
            await asyncio.gather(*list(self._inflight))

    def add_recovery_listener(self, callback: Callable[[], None]) -> None:
        """Never called: a failed write raises to its caller, nothing is kept to recover."""

    def remove_recovery_listener(self, callback: Callable[[], None]) -> None:
        pass


class BatchWriter:
    """Write-behind: statements are buffered and committed together.

    A batch is committed when `max_statements` are waiting or `interval` seconds after the first one
    arrived, whichever comes first. If a batch fails as a whole (one bad row), its units are retried one
    by one so a single bad record cannot take its neighbours down with it.
    """

    def __init__(self, db: Database, *, interval: float = 0.03, max_statements: int = 2000) -> None:
        self._db = db
        self._interval = interval
        self._max = max_statements
        self._pending: list[Sequence[Statement]] = []
        self._count = 0
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="newsdesk-batch-writer")

    async def write(self, statements: Sequence[Statement]) -> None:
        self.submit(statements)

    def submit(self, statements: Sequence[Statement]) -> None:
        if self._closed:
            raise RuntimeError("BatchWriter is closed")
        self.start()
        self._pending.append(statements)
        self._count += len(statements)
        self._idle.clear()
        if self._count >= self._max:
            self._wakeup.set()
        elif len(self._pending) == 1:
            # First unit of a batch starts the clock.
            asyncio.get_running_loop().call_later(self._interval, self._wakeup.set)

    async def flush(self) -> None:
        if self._pending:
            self._wakeup.set()
        await self._idle.wait()

    async def settle(self) -> None:
        """The read barrier of `attach`: wait for what is queued."""
        if not self._idle.is_set():
            await self.flush()

    def attach(self, db: Database) -> None:
        """Make every read of `db` see what was submitted here before it (read-your-writes)."""
        db.set_read_barrier(self.settle)

    def add_recovery_listener(self, callback: Callable[[], None]) -> None:
        """Never called: this writer drops what fails (an in-memory database has no disk to fail)."""

    def remove_recovery_listener(self, callback: Callable[[], None]) -> None:
        pass

    async def close(self) -> None:
        self._closed = True
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, self._pending, self._count = self._pending, [], 0
            if batch:
                await self._commit(batch)
            if not self._pending:
                self._idle.set()

    async def _commit(self, batch: list[Sequence[Statement]]) -> None:
        try:
            await self._db.run_batch((stmt for unit in batch for stmt in unit), barrier=False)
            return
        except Exception:
            log.warning("batch of %d writes failed; retrying one by one", len(batch), exc_info=True)
        for unit in batch:
            try:
                await self._db.run_batch(unit, barrier=False)
            except Exception:
                log.error("dropping a write that cannot be stored: %s", unit[0][0][:80], exc_info=True)
