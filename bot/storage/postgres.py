"""The PostgreSQL engine of `bot.storage.database.Database` (asyncpg), for several processes on one database.

Stores keep writing SQLite's SQL with `?` placeholders (`bot.storage.dialect` numbers them); the few
statements that differ ask `db.dialect`. A pool of connections serves the process; each call is its own
transaction, `run_batch` one transaction with consecutive identical statements sent as one `executemany`.
Migrations take a transaction-scoped advisory lock before reading what is applied, so any number of processes
may start at once. `listen`/`notify` carry LISTEN/NOTIFY wake-ups between processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from bot.storage.database import (
    Database,
    Migration,
    Params,
    ReadBarrier,
    Row,
    load_migrations,
    redact,
    schema_problem,
    schema_refusal,
)
from bot.storage.dialect import POSTGRESQL, placeholders
from bot.storage.errors import ConstraintViolation, DatabaseUnusable, MigrationError, StorageUnavailable

__all__ = ["PostgresDatabase"]

_MIGRATION_LOCK = 7_340_117  # advisory lock key: "migrations of this database" (any fixed number)
_COPY_FROM = 50  # rows of one INSERT in a batch from which COPY beats executemany
_CONSTRAINTS = {"23505": "unique", "23503": "foreign_key", "23502": "not_null", "23514": "check"}
log = logging.getLogger(__name__)


def _numeric(text: str) -> int | float:
    """SUM/AVG over integers are NUMERIC in PostgreSQL; give Python what SQLite gives: an int or a float."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


async def _prepare_connection(conn: Any) -> None:
    await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")


class PostgresDatabase(Database):
    """A database on a PostgreSQL server. Open it with `await open_database("postgresql://...")`."""

    dialect = POSTGRESQL

    def __init__(self, pool: Any, url: str, migrations_dir: Path | None, *, read_only: bool) -> None:
        self._pool = pool
        self.url = url
        self.location = redact(url)
        self.read_only = read_only
        self._migrations_dir = migrations_dir
        self._read_barrier: ReadBarrier | None = None
        self._listeners: list[tuple[Any, str, Callable[..., None]]] = []
        self._relistening: set[asyncio.Task[None]] = set()
        self._closing = False

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True, migrations_dir: Path | None = None,
                      read_only: bool = False, pool_size: int = 8,
                      asynchronous_commit: bool = False) -> PostgresDatabase:
        try:
            import asyncpg
        except ImportError:
            raise DatabaseUnusable("DATABASE_URL is a PostgreSQL URL but asyncpg is not installed: "
                                   "pip install 'newsdesk[postgresql]'") from None
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=pool_size, init=_prepare_connection, command_timeout=60,
                server_settings={"synchronous_commit": "off"} if asynchronous_commit else None)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageUnavailable(f"cannot reach PostgreSQL at {redact(url)}: {exc or type(exc).__name__} "
                                     "(check DATABASE_URL and that the server is running)") from None
        db = cls(pool, url, migrations_dir, read_only=read_only)
        try:
            await db.check_schema(exact=read_only)
            if migrate and not read_only:
                await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        self._closing = True
        for task in list(self._relistening):
            task.cancel()
        for conn, channel, callback in self._listeners:
            try:
                await conn.remove_listener(channel, callback)
            finally:
                await self._pool.release(conn)
        self._listeners.clear()
        await self._pool.close()

    def set_read_barrier(self, barrier: ReadBarrier | None) -> None:
        self._read_barrier = barrier

    # --- statements ----------------------------------------------------------------------------------

    @asynccontextmanager
    async def _connection(self, *, barrier: bool = True) -> AsyncIterator[Any]:
        if barrier and self._read_barrier is not None:
            await self._read_barrier()
        try:
            async with self._pool.acquire() as conn:
                yield conn
        except Exception as exc:
            self._raise_converted(exc)

    def _raise_converted(self, exc: Exception) -> NoReturn:
        import asyncpg

        state = getattr(exc, "sqlstate", None)
        if isinstance(exc, asyncpg.IntegrityConstraintViolationError) and isinstance(state, str):
            raise ConstraintViolation(str(exc), _CONSTRAINTS.get(state, "other")) from exc
        if isinstance(exc, (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError,
                            asyncpg.exceptions.InsufficientResourcesError,
                            asyncpg.exceptions.OperatorInterventionError, asyncpg.exceptions.CannotConnectNowError)):
            raise StorageUnavailable(f"PostgreSQL at {self.location}: {exc}") from exc
        raise exc

    async def execute(self, sql: str, params: Params = ()) -> None:
        await self.execute_rowcount(sql, params)

    async def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        query, args = _bind(sql, params)
        async with self._connection() as conn:
            status = await conn.execute(query, *args)
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def insert(self, sql: str, params: Params = ()) -> int:
        query, args = _bind(sql + " RETURNING id", params)
        async with self._connection() as conn:
            return int(await conn.fetchval(query, *args))

    async def run_batch(self, statements: Iterable[tuple[str, Sequence[Any]]], *, barrier: bool = True) -> None:
        groups: list[tuple[str, list[Sequence[Any]]]] = []
        for sql, params in statements:
            if groups and groups[-1][0] == sql:
                groups[-1][1].append(params)
            else:
                groups.append((sql, [params]))
        async with self._connection(barrier=barrier) as conn, conn.transaction():
            for sql, rows in groups:
                bulk = _bulk_insert(sql) if len(rows) >= _COPY_FROM else None
                if bulk is not None:
                    await _copy_insert(conn, bulk, rows)
                elif len(rows) == 1:
                    await conn.execute(placeholders(sql)[0], *rows[0])
                else:
                    await conn.executemany(placeholders(sql)[0], rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        query, args = _bind(sql, params)
        async with self._connection() as conn:
            row: Row | None = await conn.fetchrow(query, *args)
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        query, args = _bind(sql, params)
        async with self._connection() as conn:
            rows: list[Row] = await conn.fetch(query, *args)
            return rows

    # --- notifications -------------------------------------------------------------------------------

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Call `callback(payload)` for every NOTIFY on `channel`, from any process, until `close()`.

        The listening connection is held for good; when it is lost (the server restarted, a proxy or an admin
        closed it) it is replaced, retried with a growing pause, so wake-ups resume without a restart.
        Notifications sent while no connection listened are lost: listeners must also look on their own
        schedule (the publisher's pass, the scheduler's cycle)."""
        conn = await self._pool.acquire()

        def deliver(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            callback(payload)

        def lost(_conn: Any) -> None:
            self._listeners = [entry for entry in self._listeners if entry[0] is not conn]
            if not self._closing:
                task = asyncio.get_running_loop().create_task(self._relisten(channel, callback, conn),
                                                              name=f"newsdesk-relisten-{channel}")
                self._relistening.add(task)
                task.add_done_callback(self._relistening.discard)

        await conn.add_listener(channel, deliver)
        conn.add_termination_listener(lost)
        self._listeners.append((conn, channel, deliver))

    async def _relisten(self, channel: str, callback: Callable[[str], None], lost: Any) -> None:
        with contextlib.suppress(Exception):  # the pool replaces a closed connection it gets back
            await self._pool.release(lost)
        pause = 0.5
        while not self._closing:
            try:
                await self.listen(channel, callback)
                log.warning("listening for %s again after the connection was lost", channel)
                return
            except Exception as exc:  # the server may be down for a while: keep trying
                log.warning("cannot listen for %s yet (%s); retrying in %.0f s", channel, exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)

    async def notify(self, channel: str, payload: str = "") -> None:
        async with self._connection(barrier=False) as conn:
            await conn.execute("SELECT pg_notify($1, $2)", channel, payload)

    # --- schema --------------------------------------------------------------------------------------

    async def _applied(self, conn: Any) -> dict[int, str]:
        if not await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
            return {}
        return {int(r[0]): r[1] for r in await conn.fetch("SELECT version, checksum FROM schema_migrations")}

    async def schema_version(self) -> int:
        async with self._connection(barrier=False) as conn:
            return max(await self._applied(conn), default=0)

    async def check_schema(self, *, exact: bool = False) -> int:
        known = max((m.version for m in load_migrations(self._migrations_dir)), default=0)
        version = await self.schema_version()
        problem = schema_refusal(self.location, version, version, known, exact=exact)
        if problem is not None:
            raise DatabaseUnusable(problem)
        return version

    async def check_integrity(self) -> None:
        """PostgreSQL checks its own pages; this only proves the server answers."""
        async with self._connection(barrier=False) as conn:
            await conn.fetchval("SELECT 1")

    async def migrate(self) -> list[int]:
        if self.read_only:
            raise DatabaseUnusable(f"{self.location} is open read-only; cannot migrate")
        migrations = load_migrations(self._migrations_dir)
        done: list[int] = []
        async with self._connection(barrier=False) as conn:
            while True:
                async with conn.transaction():
                    applied = await self._lock_and_read(conn, migrations)
                    pending = _next_pending(migrations, applied, self.location)
                    if pending is None:
                        return done
                    await conn.execute(pending.sql_for(POSTGRESQL))
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1,$2,$3,$4)",
                        pending.version, pending.name, pending.checksum_for(POSTGRESQL), time.time())
                done.append(pending.version)

    async def _lock_and_read(self, conn: Any, migrations: list[Migration]) -> dict[int, str]:
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL,"
            " checksum TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)")
        applied = await self._applied(conn)
        problem = schema_problem(self.location, max(applied, default=0),
                                 max((m.version for m in migrations), default=0))
        if problem is not None:
            raise DatabaseUnusable(problem)
        return applied


def _next_pending(migrations: list[Migration], applied: dict[int, str], where: str) -> Migration | None:
    pending = None
    for migration in migrations:
        checksum = applied.get(migration.version)
        if checksum is None:
            pending = pending or migration
        elif checksum != migration.checksum_for(POSTGRESQL):
            raise MigrationError(f"migration {migration.version:04d}_{migration.name} was edited after it was "
                                 f"applied to {where}; add a new migration instead of changing an applied one")
    return pending


@dataclass(frozen=True)
class _BulkInsert:
    table: str
    columns: tuple[str, ...]
    tail: str  # ON CONFLICT ... or empty


_INSERT_VALUES = re.compile(r"^INSERT INTO (\w+) \(([\w, ]+)\) VALUES \(([?, ]+)\)(.*)$", re.S)


@lru_cache(maxsize=256)
def _bulk_insert(sql: str) -> _BulkInsert | None:
    """An `INSERT INTO t (cols) VALUES (?, ...) [ON CONFLICT ...]` that can take many rows by COPY, or None."""
    match = _INSERT_VALUES.match(sql.strip())
    # DO UPDATE would fail on two rows of one key in one statement ("cannot affect row a second time"), where
    # row-by-row statements each update in turn: those stay on executemany.
    if match is None or any(word in match.group(4).upper() for word in ("RETURNING", "DO UPDATE")):
        return None
    columns = tuple(c.strip() for c in match.group(2).split(","))
    if match.group(3).count("?") != len(columns):
        return None
    return _BulkInsert(match.group(1), columns, match.group(4).strip())


async def _copy_insert(conn: Any, bulk: _BulkInsert, rows: list[Sequence[Any]]) -> None:
    """Many rows of one INSERT: COPY them into a session-private staging table (binary, one round trip), then
    one INSERT ... SELECT with the statement's own ON CONFLICT. Row triggers still fire for each row; what is
    saved is a statement per row."""
    columns = ", ".join(bulk.columns)
    # Only the statement's columns, without the table's constraints: the real INSERT checks those.
    stage = f"newsdesk_stage_{bulk.table}_{zlib.crc32(columns.encode()):08x}"
    await conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
                       f"SELECT {columns} FROM {bulk.table} WITH NO DATA")
    await conn.copy_records_to_table(stage, records=rows, columns=list(bulk.columns))
    await conn.execute(f"INSERT INTO {bulk.table} ({columns}) SELECT {columns} FROM {stage} {bulk.tail}")


def _bind(sql: str, params: Params) -> tuple[str, Sequence[Any]]:
    query, names = placeholders(sql)
    if isinstance(params, dict):
        return query, [params[name] for name in names]
    return query, params
