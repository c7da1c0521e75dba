"""`ThreadedBatchWriter`: the write-behind writer the bot uses (see `bot.storage.writer` for the others).

A dedicated thread owns its own sqlite3 connection and commits what the event loop queued, in order, in few
transactions; this module also holds what it does when writing fails (keep, retry, refuse, recover).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.storage.database import Database
from bot.storage.errors import StorageUnavailable, classify, describe_sqlite_error
from bot.storage.sqlite import BUSY_TIMEOUT_MS
from bot.storage.wal import CHECKPOINT, WalWatch

__all__ = ["Statement", "ThreadedBatchWriter", "UnitCounts"]

Statement = tuple[str, Sequence[Any]]
_CLOSING_RETRY = 0.2  # seconds between retries of a failing writer that is closing
log = logging.getLogger(__name__)


class UnitCounts:
    """What a write-behind writer could not store, for its owner and the tests (both writers keep these)."""

    _dropped_units = 0
    _refused_units = 0

    @property
    def dropped_units(self) -> int:
        """Units dropped because they can never be stored (bad values; logged)."""
        return self._dropped_units

    @property
    def failed_units(self) -> int:
        """Same as `dropped_units`."""
        return self._dropped_units

    @property
    def refused_units(self) -> int:
        """Units refused (never acknowledged): by `write` while writing fails, by `submit` when the queue is full."""
        return self._refused_units


class ThreadedBatchWriter(UnitCounts):
    """Write-behind on a dedicated thread that owns its own sqlite3 connection.

    The event loop only appends to a list (`submit`, a few hundred nanoseconds); the thread wakes every
    `interval` seconds (or at once on `flush`/`close`), takes everything queued and commits it in one
    transaction, running consecutive statements with the same SQL as one `executemany`. SQLite does its
    work with the GIL released, so the loop keeps handling events while a batch commits.
    Units are committed in submission order, so an edit never lands before the comment it changes.

    What a failure does depends on its cause (`bot.storage.errors.classify`):
    - a unit that can never be stored (a bad value, a constraint) is dropped and counted (`dropped_units`);
      the batch is retried unit by unit so it cannot sink its neighbours;
    - a failure of the disk or the file (full, read-only, I/O error, the -wal file deleted) keeps every unit
      not yet committed, in order, and retries every `retry_interval` seconds. The writer is then *failing*:
      the failure is logged once with what to do, `flush()` and `write()` raise `StorageUnavailable` (so a
      command says the bot cannot save), and `submit()` keeps accepting up to `max_pending` units, then
      raises `StorageUnavailable` too (back-pressure). When a retry succeeds the recovery listeners run
      (`add_recovery_listener`), so whatever was refused meanwhile is caught up (the comment backfill).
    """

    def __init__(self, path: str | Path, *, interval: float = 0.02, max_units: int = 20000,
                 max_pending: int = 200_000, retry_interval: float = 1.0, close_grace: float = 5.0) -> None:
        self._path = str(path)
        self._interval = interval
        self._max_units = max_units
        self._max_pending = max_pending
        self._retry_interval = retry_interval
        self._close_grace = close_grace
        self._pending: list[Sequence[Statement]] = []
        self._cond = threading.Condition()
        self._submitted = 0
        self._committed = 0  # units committed or dropped, in submission order
        self._urgent = False
        self._closing = False
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._thread: threading.Thread | None = None
        self._dropped_units = 0
        self._refused_units = 0
        self._failure: str | None = None  # why writing fails right now (None: it works)
        self._failing_since = 0.0
        self._error: BaseException | None = None  # the thread itself died (a bug)
        self._listeners: list[tuple[asyncio.AbstractEventLoop, Callable[[], None]]] = []
        self._wal = WalWatch(self._path)
        self._last_error: BaseException | None = None

    @property
    def pending_units(self) -> int:
        return self._submitted - self._committed

    @property
    def failure(self) -> str | None:
        """Why writing fails right now, or None while it works."""
        return self._failure

    def add_recovery_listener(self, callback: Callable[[], None]) -> None:
        """Call `callback()` on the current event loop each time writing works again after failing."""
        self._listeners.append((asyncio.get_running_loop(), callback))

    def remove_recovery_listener(self, callback: Callable[[], None]) -> None:
        self._listeners = [(loop, cb) for loop, cb in self._listeners if cb != callback]

    def attach(self, db: Database) -> None:
        """Make every read of `db` see what was submitted here before it (read-your-writes)."""
        db.set_read_barrier(self.settle)

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
            if self._submitted - self._committed >= self._max_pending:
                self._refused_units += 1
                raise StorageUnavailable(self._unavailable(f"{self._max_pending:,} writes are waiting"))
            self._pending.append(statements)
            self._submitted += 1
            if len(self._pending) >= self._max_units:
                self._urgent = True
                self._cond.notify()

    async def write(self, statements: Sequence[Statement]) -> None:
        """Queue `statements`; refused with `StorageUnavailable` while writing fails, and waits for room
        when the queue is full."""
        if self._failure is not None:
            self._refused_units += 1
            raise StorageUnavailable(self._unavailable())
        if self._submitted - self._committed >= self._max_pending:
            await self.flush()
        self.submit(statements)

    async def settle(self) -> None:
        """Wait until what was submitted so far is committed; return at once while writing fails or after the
        thread died (a read then sees what is stored, not what is queued). The read barrier of `attach`."""
        if self._committed >= self._submitted or self._failure is not None or self._error is not None:
            return
        with contextlib.suppress(StorageUnavailable):
            await self.flush()

    async def flush(self) -> None:
        """Return once everything submitted before is committed; `StorageUnavailable` while writing fails."""
        with self._cond:
            if self._error is not None:  # checked under the lock the failing thread sets it under
                raise RuntimeError(f"the database writer failed: {self._error!r}")
            if self._failure is not None:
                raise StorageUnavailable(self._unavailable())
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
        """Commit what is queued and stop. While writing fails, retries for `close_grace` seconds, then logs
        how many writes are lost (the next start's backfill recovers comments and reactions)."""
        if self._thread is None:
            self._closing = True
            return
        with self._cond:
            self._closing = True
            self._urgent = True
            self._cond.notify()
        await asyncio.to_thread(self._thread.join)
        self._thread = None

    def _unavailable(self, detail: str | None = None) -> str:
        reason = self._failure or "writing is behind"
        return (f"the database cannot save right now ({detail + '; ' if detail else ''}{reason}); "
                "it is retried and caught up once writing works again")

    # --- the writer thread ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            conn.close()
            raise
        self._wal = WalWatch(self._path)  # a new connection starts with the -wal file as it is now
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
        conn: sqlite3.Connection | None = None
        close_deadline: float | None = None
        try:
            while True:
                with self._cond:
                    if self._failure is not None:  # retry on a clock, whatever arrives (sooner when closing)
                        deadline = time.monotonic() + self._retry_interval
                        while (remaining := deadline - time.monotonic()) > 0:
                            if self._closing:
                                deadline = min(deadline, time.monotonic() + _CLOSING_RETRY)
                            self._cond.wait(min(remaining, _CLOSING_RETRY) if self._closing else remaining)
                    else:
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
                if closing and close_deadline is None:
                    close_deadline = time.monotonic() + self._close_grace
                remainder: list[Sequence[Statement]] = []
                problem: BaseException | None = None
                if batch:
                    try:
                        if conn is None:
                            conn = self._connect()
                        remainder = self._commit(conn, batch)
                    except sqlite3.Error as exc:  # opening failed
                        remainder, problem = batch, exc
                    else:
                        problem = self._last_error
                    if remainder:
                        with contextlib.suppress(sqlite3.Error):
                            if conn is not None:
                                conn.close()
                        conn = None  # reconnect for the retry: the file may have been replaced or fixed
                        self._failed(remainder, problem)
                        if closing and close_deadline is not None and time.monotonic() >= close_deadline:
                            log.error("shutting down with %d writes not saved (%s); comments and reactions "
                                      "are recovered by the backfill at the next start", self.pending_units,
                                      self._failure)
                            return
                        continue
                if self._failure is not None and not remainder:
                    self._recovered()
                self._committed = upto
                self._wake_waiters(upto)
                if closing:
                    with self._cond:
                        if not self._pending:
                            return
        finally:
            if conn is not None:
                conn.close()

    def _failed(self, remainder: list[Sequence[Statement]], exc: BaseException | None) -> None:
        """Writing failed for a reason outside the data: keep `remainder` first in line and tell waiters."""
        reason = describe_sqlite_error(exc) if exc is not None else "unknown error"
        with self._cond:
            self._pending = remainder + self._pending
            first = self._failure is None
            self._failure = reason
            waiters, self._waiters = self._waiters, []
        if first:
            self._failing_since = time.monotonic()
            log.error("cannot write to the database at %s: %s. Comments, edits and reactions are kept in memory "
                      "(up to %s writes) and retried every %g s; commands that save answer that the bot "
                      "cannot save until then", self._path, reason, f"{self._max_pending:,}", self._retry_interval)
        else:
            log.debug("database write retry failed: %s", reason)
        message = self._unavailable()
        for _, loop, future in waiters:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_fail_unavailable, future, message)

    def _recovered(self) -> None:
        log.warning("the database at %s accepts writes again after %.0f s; queued writes saved, catching up on "
                    "what was refused meanwhile", self._path, time.monotonic() - self._failing_since)
        with self._cond:
            self._failure = None
        for loop, callback in list(self._listeners):
            with contextlib.suppress(RuntimeError):  # that loop is gone
                loop.call_soon_threadsafe(callback)

    def _wake_waiters(self, upto: int) -> None:
        with self._cond:
            ready = [w for w in self._waiters if w[0] <= upto]
            self._waiters = [w for w in self._waiters if w[0] > upto]
        for _, loop, future in ready:
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting any more
                loop.call_soon_threadsafe(_resolve, future)

    def _commit(self, conn: sqlite3.Connection, batch: list[Sequence[Statement]]) -> list[Sequence[Statement]]:
        """Commit `batch`; return the units not committed because of an outside failure (first one first).

        Exception, not only sqlite3.Error: binding a value can raise OverflowError (an int beyond 64 bits)
        or TypeError, and one bad record must not end the thread and every write after it.
        """
        self._last_error = None
        try:
            _run_grouped(conn, [stmt for unit in batch for stmt in unit])
            self._after_commit(conn)
            return []
        except Exception as exc:
            if classify(exc) != "data":
                self._last_error = exc
                return batch
            log.warning("batch of %d writes failed (%s); retrying one by one", len(batch), exc)
        for i, unit in enumerate(batch):
            try:
                _run_grouped(conn, unit)
            except Exception as exc:
                if classify(exc) != "data":
                    self._last_error = exc
                    return batch[i:]
                self._dropped_units += 1
                log.error("dropping a write that can never be stored (%s: %s): %s", type(exc).__name__, exc,
                          unit[0][0][:80] if unit else "")
        self._after_commit(conn)
        return []

    def _after_commit(self, conn: sqlite3.Connection) -> None:
        """Best effort, never an error: what was just committed must not be queued again."""
        if self._wal.check():
            try:
                conn.execute(CHECKPOINT).fetchall()  # busy (a reader holds a snapshot): the next commit retries
            except sqlite3.Error as exc:
                log.warning("checkpoint after a deleted -wal file failed (%s); retried after the next commit", exc)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _fail_unavailable(future: asyncio.Future[None], message: str) -> None:
    if not future.done():
        future.set_exception(StorageUnavailable(message))


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
