"""How high-rate stores (comments, reactions, thread state) get their rows to disk.

Callers hand a store a record; the store turns it into ordered SQL statements and gives them to a
`Writer`. `DirectWriter` commits each write at once; `BatchWriter` (write-behind on the event loop) and
`ThreadedBatchWriter` (write-behind on a dedicated thread with its own sqlite3 connection: what the bot
uses) queue them and commit many in one transaction every few tens of milliseconds or N statements, and
on `flush()`/`close()`. Any of them can sit behind the same store, so callers never change when the
strategy does.

`submit()` is the hot path: it queues without awaiting anything. `write()` is the same as an awaitable.
`flush()` returns once everything submitted before it is committed (read-your-writes for commands).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from bot.storage.database import BUSY_TIMEOUT_MS, Database

__all__ = ["BatchWriter", "DirectWriter", "Statement", "ThreadedBatchWriter", "Writer"]

Statement = tuple[str, Sequence[Any]]
log = logging.getLogger(__name__)


class Writer(Protocol):
    def submit(self, statements: Sequence[Statement]) -> None:
        """Queue `statements`, in order, as one unit, without waiting."""

    async def write(self, statements: Sequence[Statement]) -> None:
        """Queue or run `statements`, in order, as one unit."""

    async def flush(self) -> None:
        """Return once everything written so far is committed."""


class DirectWriter:
    """Commits each write in its own transaction before returning."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._inflight: set[asyncio.Task[None]] = set()

    def submit(self, statements: Sequence[Statement]) -> None:
        task = asyncio.get_running_loop().create_task(self.write(statements))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def write(self, statements: Sequence[Statement]) -> None:
        await self._db.run_batch(statements)

    async def flush(self) -> None:
        while self._inflight:
            await asyncio.gather(*list(self._inflight))


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
            await self._db.run_batch(stmt for unit in batch for stmt in unit)
            return
        except Exception:
            log.warning("batch of %d writes failed; retrying one by one", len(batch), exc_info=True)
        for unit in batch:
            try:
                await self._db.run_batch(unit)
            except Exception:
                log.error("dropping a write that cannot be stored: %s", unit[0][0][:80], exc_info=True)


class ThreadedBatchWriter:
    """Write-behind on a dedicated thread that owns its own sqlite3 connection.

    The event loop only appends to a list (`submit`, a few hundred nanoseconds); the thread wakes every
    `interval` seconds (or at once on `flush`/`close`), takes everything queued and commits it in one
    transaction, running consecutive statements with the same SQL as one `executemany`. SQLite does its
    work with the GIL released, so the loop keeps handling events while a batch commits.
    If a batch fails as a whole, its units are retried one by one so one bad record cannot sink the rest.
    Units are committed in submission order, so an edit never lands before the comment it changes.
    """

    def __init__(self, path: str | Path, *, interval: float = 0.02, max_units: int = 20000) -> None:
        self._path = str(path)
        self._interval = interval
        self._max_units = max_units
        self._pending: list[Sequence[Statement]] = []
        self._cond = threading.Condition()
        self._submitted = 0
        self._committed = 0
        self._urgent = False
        self._closing = False
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._thread: threading.Thread | None = None
        self._failed_units = 0
        self._error: BaseException | None = None

    @property
    def failed_units(self) -> int:
        """Units dropped because they could not be stored even on their own (logged)."""
        return self._failed_units

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="newsdesk-db-writer", daemon=True)
            self._thread.start()

    def submit(self, statements: Sequence[Statement]) -> None:
        if self._closing or self._error is not None:
            raise RuntimeError("ThreadedBatchWriter is closed" if self._error is None else
                               f"the database writer failed: {self._error!r}")
        if self._thread is None:
            self.start()
        with self._cond:
            self._pending.append(statements)
            self._submitted += 1
            if len(self._pending) >= self._max_units:
                self._urgent = True
                self._cond.notify()

    async def write(self, statements: Sequence[Statement]) -> None:
        self.submit(statements)

    async def flush(self) -> None:
        with self._cond:
            if self._error is not None:  # checked under the lock the failing thread sets it under
                raise RuntimeError(f"the database writer failed: {self._error!r}")
            target = self._submitted
            if self._committed >= target:
                return
            loop = asyncio.get_running_loop()
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append((target, loop, future))
            self._urgent = True
            self._cond.notify()
        await future

    async def close(self) -> None:
        if self._thread is None:
            self._closing = True
            return
        if self._error is None:
            await self.flush()
        with self._cond:
            self._closing = True
            self._cond.notify()
        await asyncio.to_thread(self._thread.join)
        self._thread = None

    # --- the writer thread ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # the thread is gone: say so to every waiter and to later submits
            log.critical("the database writer thread failed; comments can no longer be stored", exc_info=True)
            with self._cond:
                self._error = exc
                waiters, self._waiters = self._waiters, []
            for _, loop, future in waiters:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_fail, future, exc)

    def _loop(self) -> None:
        conn = self._connect()
        try:
            while True:
                with self._cond:
                    deadline = time.monotonic() + self._interval
                    while not (self._urgent or self._closing):
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            break
                        self._cond.wait(remaining)
                    batch, self._pending = self._pending, []
                    upto = self._submitted
                    self._urgent = False
                    closing = self._closing
                if batch:
                    self._commit(conn, batch)
                self._committed = upto
                self._wake_waiters(upto)
                if closing:
                    with self._cond:
                        if not self._pending:
                            return
        finally:
            conn.close()

    def _wake_waiters(self, upto: int) -> None:
        with self._cond:
            ready = [w for w in self._waiters if w[0] <= upto]
            self._waiters = [w for w in self._waiters if w[0] > upto]
        for _, loop, future in ready:
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting any more
                loop.call_soon_threadsafe(_resolve, future)

    def _commit(self, conn: sqlite3.Connection, batch: list[Sequence[Statement]]) -> None:
        # Exception, not only sqlite3.Error: binding a value can raise OverflowError (an int beyond 64 bits)
        # or TypeError, and one bad record must not end the thread and every write after it.
        try:
            _run_grouped(conn, [stmt for unit in batch for stmt in unit])
            return
        except Exception:
            log.warning("batch of %d writes failed; retrying one by one", len(batch), exc_info=True)
        for unit in batch:
            try:
                _run_grouped(conn, unit)
            except Exception:
                self._failed_units += 1
                log.error("dropping a write that cannot be stored: %s", unit[0][0][:80] if unit else "", exc_info=True)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _fail(future: asyncio.Future[None], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(RuntimeError(f"the database writer failed: {exc!r}"))


def _run_grouped(conn: sqlite3.Connection, statements: Sequence[Statement]) -> None:
    """Run `statements` in order in one transaction, consecutive equal SQL as one executemany."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        i, n = 0, len(statements)
        while i < n:
            sql = statements[i][0]
            j = i + 1
            while j < n and statements[j][0] == sql:  # equal strings are usually the same object: cheap
                j += 1
            if j - i == 1:
                conn.execute(sql, statements[i][1])
            else:
                conn.executemany(sql, [p for _, p in statements[i:j]])
            i = j
        conn.execute("COMMIT")  # inside: a COMMIT can fail too (deferred constraints, busy, I/O)
    except BaseException:
        if conn.in_transaction:  # a failed COMMIT may leave it open, or SQLite may have rolled back already
            conn.execute("ROLLBACK")
        raise
