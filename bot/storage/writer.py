"""How high-rate stores (comments, reactions, thread state) get their rows to disk.

Callers hand a store a record; the store turns it into ordered SQL statements and gives them to a
`Writer`. `DirectWriter` commits each write at once; `BatchWriter` (write-behind on the event loop, what the
bot uses on PostgreSQL) and `ThreadedBatchWriter` (`writer_thread.py`: write-behind on a dedicated thread with
its own sqlite3 connection, what the bot uses on a SQLite file) queue them and commit many in one transaction
every few tens of milliseconds or N statements, and on `flush()`/`close()`. Both keep and retry what a failure
outside the data stops. Any of them can sit behind the same store, so callers never change when the strategy
does.

`submit()` is the hot path: it queues without awaiting anything. `write()` is the same as an awaitable.
`flush()` returns once everything submitted before it is committed. Callers need not flush to read their
writes: `writer.attach(db)` makes every statement on `db` wait for what was queued before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.storage.database import Database
from bot.storage.errors import StorageUnavailable
from bot.storage.writer_thread import Statement, ThreadedBatchWriter, UnitCounts

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


class BatchWriter(UnitCounts):
    """Write-behind on the event loop: statements are buffered and committed together through `db.run_batch`
    (on PostgreSQL one transaction per batch, consecutive identical statements as one `executemany`).

    A batch is committed when `max_statements` are waiting or `interval` seconds after the first one
    arrived, whichever comes first. What a failure does depends on its cause, as in `ThreadedBatchWriter`:
    - a unit that can never be stored (a bad value, a constraint) is dropped and counted (`dropped_units`);
      the batch is retried unit by unit so one bad record cannot take its neighbours down with it;
    - a failure outside the data (`StorageUnavailable`: the server restarted or cut the connection, refuses
      connections, the disk is full) keeps every unit not yet committed, in order, first in line, and retries
      every `retry_interval` seconds on a new connection from the pool. Meanwhile `flush()` and `write()` raise
      `StorageUnavailable`, `submit()` accepts up to `max_pending` units and then raises it too, and reads do
      not wait for the queue; once a retry commits, the recovery listeners run.
    A connection lost while its COMMIT was under way leaves unknown whether that batch landed; it is sent
    again, which the statements the stores queue here tolerate (inserts `ON CONFLICT DO NOTHING`, edits
    guarded by the stored text, reaction adds and removals that check the live row).
    `close()` retries for `close_grace` seconds, then logs how many writes are lost.
    """

    def __init__(self, db: Database, *, interval: float = 0.03, max_statements: int = 2000,
                 max_pending: int = 200_000, retry_interval: float = 1.0, close_grace: float = 5.0) -> None:
        self._db = db
        self._interval = interval
        self._max = max_statements
        self._max_pending = max_pending
        self._retry_interval = retry_interval
        self._close_grace = close_grace
        self._pending: list[Sequence[Statement]] = []
        self._count = 0
        self._committing = 0  # units taken by the batch under way
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._failure: str | None = None  # why writing fails right now (None: it works)
        self._failing_since = 0.0
        self._dropped_units = 0
        self._refused_units = 0
        self._listeners: list[Callable[[], None]] = []

    @property
    def pending_units(self) -> int:
        return len(self._pending) + self._committing

    @property
    def failure(self) -> str | None:
        """Why writing fails right now, or None while it works."""
        return self._failure

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="newsdesk-batch-writer")

    async def write(self, statements: Sequence[Statement]) -> None:
        if self._failure is not None:
            self._refused_units += 1
            raise StorageUnavailable(self._unavailable())
        self.submit(statements)

    def submit(self, statements: Sequence[Statement]) -> None:
        if self._closed:
            raise RuntimeError("BatchWriter is closed")
        if self.pending_units >= self._max_pending:
            self._refused_units += 1
            raise StorageUnavailable(self._unavailable(f"{self._max_pending:,} writes are waiting"))
        self.start()
        self._pending.append(statements)
        self._count += len(statements)
        self._idle.clear()
        if self._failure is not None:
            return  # the retry clock runs; a new unit does not hurry it
        if self._count >= self._max:
            self._wakeup.set()
        elif len(self._pending) == 1:
            # First unit of a batch starts the clock.
            asyncio.get_running_loop().call_later(self._interval, self._wakeup.set)

    async def flush(self) -> None:
        """Return once everything submitted before is committed; `StorageUnavailable` while writing fails."""
        if self._failure is not None:
            raise StorageUnavailable(self._unavailable())
        if self._pending:
            self._wakeup.set()
        await self._idle.wait()
        if self._failure is not None:
            raise StorageUnavailable(self._unavailable())

    async def settle(self) -> None:
        """The read barrier of `attach`: wait for what is queued; return at once while writing fails (a read
        then sees what is stored, not what is queued)."""
        if not self._idle.is_set() and self._failure is None:
            with contextlib.suppress(StorageUnavailable):
                await self.flush()

    def attach(self, db: Database) -> None:
        """Make every read of `db` see what was submitted here before it (read-your-writes)."""
        db.set_read_barrier(self.settle)

    def add_recovery_listener(self, callback: Callable[[], None]) -> None:
        """Call `callback()` each time writing works again after failing."""
        self._listeners.append(callback)

    def remove_recovery_listener(self, callback: Callable[[], None]) -> None:
        self._listeners = [cb for cb in self._listeners if cb != callback]

    async def close(self) -> None:
        self._closed = True
        if self._task is None:
            return
        deadline = asyncio.get_running_loop().time() + self._close_grace
        while self._pending or self._committing:
            if self._failure is not None and asyncio.get_running_loop().time() >= deadline:
                log.error("shutting down with %d writes not saved (%s); comments and reactions are recovered by "
                          "the backfill at the next start", self.pending_units, self._failure)
                break
            self._wakeup.set()
            idle = asyncio.create_task(self._idle.wait())
            try:
                await asyncio.wait({idle}, timeout=min(self._retry_interval, 0.2))
            finally:
                idle.cancel()
            if self._idle.is_set() and self._failure is None:
                break
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def _unavailable(self, detail: str | None = None) -> str:
        reason = self._failure or "writing is behind"
        return (f"the database cannot save right now ({detail + '; ' if detail else ''}{reason}); "
                "it is retried and caught up once writing works again")

    async def _run(self) -> None:
        while True:
            if self._failure is None:
                await self._wakeup.wait()
            else:  # retry on a clock, whatever arrives meanwhile (`close` wakes it sooner)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._retry_interval)
            self._wakeup.clear()
            batch, self._pending, self._count = self._pending, [], 0
            self._committing = len(batch)
            remainder: list[Sequence[Statement]] = []
            if batch:
                remainder = await self._commit(batch)
            self._committing = 0
            if remainder:
                self._pending = remainder + self._pending
                self._count = sum(len(unit) for unit in self._pending)
                self._idle.set()  # wake flush() waiters: they raise StorageUnavailable
                self._idle.clear()
                continue
            if self._failure is not None:
                self._recovered()
                if self._pending:  # queued during the outage, when no clock was started for them
                    self._wakeup.set()
            if not self._pending:
                self._idle.set()

    async def _commit(self, batch: list[Sequence[Statement]]) -> list[Sequence[Statement]]:
        """Commit `batch`; return the units not committed because of a failure outside the data."""
        try:
            await self._db.run_batch((stmt for unit in batch for stmt in unit), barrier=False)
            return []
        except StorageUnavailable as exc:
            self._failed(exc)
            return batch
        except Exception as exc:
            log.warning("batch of %d writes failed (%s); retrying one by one", len(batch), exc)
        for i, unit in enumerate(batch):
            try:
                await self._db.run_batch(unit, barrier=False)
            except StorageUnavailable as exc:
                self._failed(exc)
                return batch[i:]
            except Exception:
                self._dropped_units += 1
                log.error("dropping a write that cannot be stored: %s", unit[0][0][:80], exc_info=True)
        return []

    def _failed(self, exc: StorageUnavailable) -> None:
        first = self._failure is None
        self._failure = str(exc) or type(exc).__name__
        if first:
            self._failing_since = time.monotonic()
            log.error("cannot write to the database at %s: %s. Comments, edits and reactions are kept in memory "
                      "(up to %s writes) and retried every %g s; commands that save answer that the bot cannot "
                      "save until then", self._db.location, self._failure, f"{self._max_pending:,}",
                      self._retry_interval)
        else:
            log.debug("database write retry failed: %s", self._failure)

    def _recovered(self) -> None:
        log.warning("the database at %s accepts writes again after %.0f s; queued writes saved, catching up on "
                    "what was refused meanwhile", self._db.location, time.monotonic() - self._failing_since)
        self._failure = None
        for callback in list(self._listeners):
            callback()
