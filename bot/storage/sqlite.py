"""The SQLite engine of `bot.storage.database.Database`: connection set-up and migrations on one file.

One aiosqlite connection serves the whole process (SQLite allows one writer at a time anyway); WAL lets
readers such as `db backup` or an export work while the bot writes. Migrations are the numbered files in
`migrations/`; each one's checksum is recorded when applied, and a changed applied file stops start-up,
because an edited migration means two databases with the same version and different schemas.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import aiosqlite

from bot.files import create_private, private_folder
from bot.storage.database import (
    Database,
    Migration,
    Params,
    ReadBarrier,
    Row,
    load_migrations,
    schema_problem,
    schema_refusal,
)
from bot.storage.dialect import SQLITE
from bot.storage.errors import (
    ConstraintViolation,
    DatabaseUnusable,
    MigrationError,
    StorageUnavailable,
    classify,
    describe_sqlite_error,
)
from bot.storage.wal import CHECKPOINT, WalWatch

__all__ = ["BUSY_TIMEOUT_MS", "SqliteDatabase"]

BUSY_TIMEOUT_MS = 5000
LOCK_RETRIES = 50
T = TypeVar("T")
log = logging.getLogger(__name__)


def _unusable(path: Path, exc: BaseException) -> BaseException:
    """The error to raise for an SQLite error met while opening or checking `path`."""
    kind = classify(exc)
    if kind == "environment":
        return StorageUnavailable(f"cannot use the database at {path}: {describe_sqlite_error(exc)}")
    if kind == "damage":
        return DatabaseUnusable(f"cannot use the database at {path}: {describe_sqlite_error(exc)}")
    return exc


class SqliteDatabase(Database):
    """A database in one SQLite file (or in memory). Open it with `await open_database(path)`."""

    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection, path: Path, migrations_dir: Path | None = None, *,
                 read_only: bool = False) -> None:
        self._conn = conn
        self.path = path
        self.location = str(path)
        self.read_only = read_only
        self._migrations_dir = migrations_dir
        # One connection: two tasks' run_batch must not interleave their BEGIN ... COMMIT.
        self._batch_lock = asyncio.Lock()
        self._read_barrier: ReadBarrier | None = None
        self._wal = WalWatch(str(path))
        self._watch_wal = not read_only and str(path) != ":memory:"
        self._failing = False  # the last write on this connection failed for a reason outside the data

    @classmethod
    async def connect(
        cls, path: str | Path, *, migrate: bool = True, migrations_dir: Path | None = None,
        read_only: bool = False,
    ) -> SqliteDatabase:
        """See `Database.open`. No thread is left behind on failure."""
        path = Path(path)
        memory = str(path) == ":memory:"
        if read_only:
            if memory or not path.is_file():
                raise DatabaseUnusable(f"no database at {path} (set DATABASE_PATH)")
            # mode=ro: a command that only reads can never change the file, whatever it runs.
            target, uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro", True
        else:
            if not memory:
                # Comments are personal data: owner-only file (SQLite gives -wal/-shm the same mode).
                private_folder(path.parent)
                create_private(path)
            target, uri = str(path), False
        try:
            conn = await aiosqlite.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, uri=uri)
        except sqlite3.Error as exc:
            raise _unusable(path, exc) from None
        try:
            conn.row_factory = aiosqlite.Row
            if not read_only:
                await conn.execute("PRAGMA journal_mode=WAL")
                # WAL + NORMAL is durable across application crashes (only power loss can drop the last commits).
                await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            db = cls(conn, path, migrations_dir, read_only=read_only)
            await db.check_schema(exact=read_only)
            if migrate and not read_only:
                await db.migrate()
        except BaseException as exc:
            await conn.close()  # its thread would otherwise keep the process alive
            if isinstance(exc, sqlite3.Error) and not isinstance(exc, StorageUnavailable):
                raise _unusable(path, exc) from None
            raise
        return db

    @property
    def conn(self) -> aiosqlite.Connection:
        return self._conn

    async def close(self) -> None:
        await self._conn.close()

    def set_read_barrier(self, barrier: ReadBarrier | None) -> None:
        """Run `barrier()` before every statement on this connection: the write-behind writer's `settle`, so
        that every read (and every write that reads) sees what was written before it, without callers
        flushing by hand."""
        self._read_barrier = barrier

    # --- queries -------------------------------------------------------------------------------------

    async def _retrying(self, call: Callable[[], Awaitable[T]], *, writing: bool = False) -> T:
        """Run one autocommit statement, retrying when another connection (another shard's process, or a
        test's second connection) got in between: in WAL mode a statement that read before it wrote can fail
        with "database is locked" at once, without waiting for the busy timeout. Errors of the disk or the
        file (full, read-only, I/O) become `StorageUnavailable`."""
        for attempt in range(LOCK_RETRIES):
            started = time.monotonic()
            try:
                return await call()
            except sqlite3.OperationalError as exc:
                quick = time.monotonic() - started < BUSY_TIMEOUT_MS / 2000  # not a whole busy timeout again
                if ("locked" in str(exc) and quick and not self._conn.in_transaction
                        and attempt < LOCK_RETRIES - 1):
                    await asyncio.sleep(0.005 * (attempt + 1))
                    continue
                self._raise_converted(exc, writing=writing)
            except sqlite3.DatabaseError as exc:
                self._raise_converted(exc, writing=writing)
        raise AssertionError("unreachable")

    def _raise_converted(self, exc: sqlite3.Error, *, writing: bool) -> NoReturn:
        if isinstance(exc, sqlite3.IntegrityError) and not isinstance(exc, ConstraintViolation):
            raise ConstraintViolation(str(exc), _constraint_kind(str(exc))) from exc
        converted = _unusable(self.path, exc)
        if converted is exc:
            raise exc
        if writing and isinstance(converted, StorageUnavailable) and not self._failing:
            self._failing = True  # said once per outage: commands tell their users, the log tells the admin
            log.error("%s; commands that save answer that the bot cannot save until it works again", converted)
        raise converted from exc

    async def _after_write(self) -> None:
        """See `bot.storage.wal`: while the -wal file is deleted, every commit is checkpointed at once."""
        if self._failing:
            self._failing = False
            log.warning("the database at %s accepts writes again", self.path)
        if self._watch_wal and self._wal.check():
            try:  # best effort: the write itself succeeded
                async with self._conn.execute(CHECKPOINT) as cursor:
                    await cursor.fetchall()
            except sqlite3.Error as exc:
                log.warning("checkpoint after a deleted -wal file failed (%s); retried after the next write", exc)

    async def execute(self, sql: str, params: Params = ()) -> None:
        await self.execute_rowcount(sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int:
        row = await self._write_returning(sql + " RETURNING id", params)
        assert row is not None, "an INSERT ... RETURNING returned no row"
        return int(row[0])

    async def _write_returning(self, sql: str, params: Params) -> sqlite3.Row | None:
        if self._read_barrier is not None:
            await self._read_barrier()

        async def run() -> sqlite3.Row | None:
            rows = await self._conn.execute_fetchall(sql, params)  # one job: see fetchone
            return next(iter(rows), None)

        row = await self._retrying(run, writing=True)
        await self._after_write()
        return row

    async def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        if self._read_barrier is not None:
            await self._read_barrier()

        async def run() -> int:
            cursor = await self._conn.execute(sql, params)
            count = cursor.rowcount
            await cursor.close()
            return count

        count = await self._retrying(run, writing=True)
        await self._after_write()
        return count

    async def run_batch(self, statements: Iterable[tuple[str, Sequence[Any]]], *, barrier: bool = True) -> None:
        """Run statements in order in one transaction: all of them or none. `barrier=False` is for the
        writer that is itself the barrier."""
        if barrier and self._read_barrier is not None:
            await self._read_barrier()
        async with self._batch_lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    for sql, params in statements:
                        await self._conn.execute(sql, params)
                    await self._conn.execute("COMMIT")  # inside: a COMMIT can fail too (deferred constraints, busy)
                except BaseException:
                    if self._conn.in_transaction:  # left open by a failed COMMIT, unless SQLite rolled back
                        await self._conn.execute("ROLLBACK")
                    raise
            except sqlite3.DatabaseError as exc:
                self._raise_converted(exc, writing=True)
            await self._after_write()

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        if self._read_barrier is not None:
            await self._read_barrier()

        async def run() -> sqlite3.Row | None:
            # One job on the connection's thread: a statement left half-read between two jobs would make
            # another task's COMMIT fail ("cannot commit transaction - SQL statements in progress").
            rows = await self._conn.execute_fetchall(sql, params)
            return next(iter(rows), None)

        return await self._retrying(run)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        if self._read_barrier is not None:
            await self._read_barrier()

        async def run() -> list[Row]:
            rows: list[Row] = list(await self._conn.execute_fetchall(sql, params))  # one job: see fetchone
            return rows

        return await self._retrying(run)

    # --- checks --------------------------------------------------------------------------------------

    async def _raw_value(self, sql: str) -> Any:
        async with self._conn.execute(sql) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]

    async def _applied_versions(self) -> list[int]:
        if not await self._raw_value("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"):
            return []
        async with self._conn.execute("SELECT version FROM schema_migrations") as cursor:
            return [int(r[0]) for r in await cursor.fetchall()]

    async def check_schema(self, *, exact: bool = False) -> int:
        """Refuse a schema newer than this code (`user_version` or the migrations table); with `exact`, also
        one that is older or missing (a command that only reads needs the schema it was written for).
        Returns the schema version."""
        known = max((m.version for m in load_migrations(self._migrations_dir)), default=0)
        applied = await self._applied_versions()
        version = max(applied, default=0)
        newest = max(version, int(await self._raw_value("PRAGMA user_version") or 0))
        problem = schema_refusal(self.path, version, newest, known, exact=exact)
        if problem is not None:
            raise DatabaseUnusable(problem)
        return version

    async def check_integrity(self) -> None:
        """`PRAGMA quick_check`: raise `DatabaseUnusable` saying what is damaged."""
        try:
            async with self._conn.execute("PRAGMA quick_check(5)") as cursor:
                problems = [str(r[0]) for r in await cursor.fetchall()]
        except sqlite3.DatabaseError as exc:
            raise _unusable(self.path, exc) from None
        if problems != ["ok"]:
            raise DatabaseUnusable(
                f"{self.path} is damaged ({'; '.join(problems)[:300]}): restore a backup (README: backup and restore)")

    # --- migrations ----------------------------------------------------------------------------------

    async def schema_version(self) -> int:
        return max(await self._applied_versions(), default=0)

    async def migrate(self) -> list[int]:
        """Apply pending migrations in order, each in its own transaction. Returns the versions applied.

        Each step takes the write lock (BEGIN IMMEDIATE) *before* reading which migrations are applied, so
        processes starting together apply each migration once. The file is `quick_check`ed before the
        first change.
        """
        if self.read_only:
            raise DatabaseUnusable(f"{self.path} is open read-only; cannot migrate")
        migrations = load_migrations(self._migrations_dir)
        done: list[int] = []
        async with self._batch_lock:
            while True:
                migration = await self._apply_next(migrations, check=not done)
                if migration is None:
                    return done
                done.append(migration)

    async def _apply_next(self, migrations: list[Migration], *, check: bool) -> int | None:
        try:
            await self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise _unusable(self.path, exc) from None
        try:
            await self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at REAL NOT NULL)"
            )
            async with self._conn.execute("SELECT version, checksum FROM schema_migrations") as cursor:
                applied = {int(r[0]): r[1] for r in await cursor.fetchall()}
            known = max((m.version for m in migrations), default=0)
            newest = max(max(applied, default=0), int(await self._raw_value("PRAGMA user_version") or 0))
            problem = schema_problem(self.path, newest, known)
            if problem is not None:
                raise DatabaseUnusable(problem)
            pending = None
            for migration in migrations:
                checksum = applied.get(migration.version)
                if checksum is None:
                    pending = pending or migration
                elif checksum != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} was edited after it was applied to "
                        f"{self.path}; add a new migration instead of changing an applied one"
                    )
            if pending is None:
                await self._conn.execute("COMMIT")
                return None
            if check:
                await self.check_integrity()
            # executescript would commit on its own; split statements so the version row and the schema
            # change land in one transaction.
            for statement in _split_sql(pending.sql):
                await self._conn.execute(statement)
            await self._conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                (pending.version, pending.name, pending.checksum, time.time()),
            )
            await self._conn.execute(f"PRAGMA user_version = {int(pending.version)}")
            await self._conn.execute("COMMIT")
            return pending.version
        except BaseException as exc:
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.DatabaseError) and classify(exc) != "data":
                raise _unusable(self.path, exc) from None
            raise


def _constraint_kind(message: str) -> str:
    for marker, kind in (("UNIQUE", "unique"), ("FOREIGN KEY", "foreign_key"), ("NOT NULL", "not_null"),
                         ("CHECK", "check")):
        if marker in message:
            return kind
    return "other"


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, using sqlite3's own notion of a complete statement."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            if statement and not all(
                part.strip().startswith("--") or not part.strip() for part in statement.splitlines()
            ):
                statements.append(statement)
            buffer = ""
    if buffer.strip() and not all(p.strip().startswith("--") or not p.strip() for p in buffer.splitlines()):
        raise MigrationError(f"incomplete SQL statement at the end of a migration: {buffer.strip()[:80]!r}")
    return statements
