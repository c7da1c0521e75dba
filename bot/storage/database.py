"""The SQLite database: connection set-up, numbered migrations and online backup.

One aiosqlite connection serves the whole process (SQLite allows one writer at a time anyway); WAL lets
readers such as `db backup` or an export work while the bot writes. Migrations are the numbered files in
`migrations/`; each one's checksum is recorded when applied, and a changed applied file stops start-up,
because an edited migration means two databases with the same version and different schemas.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.files import create_private, private_folder

__all__ = ["UNUSED_MIGRATION_VERSIONS", "Database", "Migration", "MigrationError", "load_migrations", "migration_gaps"]

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Numbers with no migration, and why. Applied migrations are never renumbered (each database records the
# numbers it has), so a gap stays and is explained here; tests fail on a gap that is not.
UNUSED_MIGRATION_VERSIONS = {
    4: "the number was skipped when parallel branches were merged (no 0004 file ever existed), so no "
       "database has one, and renumbering the later ones would clash with the numbers databases recorded",
}
BUSY_TIMEOUT_MS = 5000
LOCK_RETRIES = 50
T = TypeVar("T")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path | None = None) -> list[Migration]:
    """The migrations in `directory` (default: the packaged ones), in version order."""
    if directory is None:
        entries = [(p.name, p.read_text(encoding="utf-8")) for p in resources.files(__package__).joinpath(
            "migrations").iterdir() if p.name.endswith(".sql")]
    else:
        entries = [(p.name, p.read_text(encoding="utf-8")) for p in directory.glob("*.sql")]
    migrations = []
    for filename, sql in entries:
        match = _MIGRATION_NAME.match(filename)
        if not match:
            raise MigrationError(f"migration file {filename!r} is not named NNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), match.group(2), sql))
    migrations.sort(key=lambda m: m.version)
    versions = [m.version for m in migrations]
    shared = sorted({v for v in versions if versions.count(v) > 1})
    if shared:
        raise MigrationError(f"two migrations share version {', '.join(f'{v:04d}' for v in shared)}")
    return migrations


def migration_gaps(versions: list[int]) -> list[int]:
    """The numbers below the highest of `versions` that have no migration."""
    return sorted(set(range(1, max(versions, default=0) + 1)) - set(versions))


class Database:
    """An open database. Use `await Database.open(path)`; close with `await db.close()`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, migrations_dir: Path | None = None) -> None:
        self._conn = conn
        self.path = path
        self._migrations_dir = migrations_dir
        # One connection: two tasks' run_batch must not interleave their BEGIN ... COMMIT.
        self._batch_lock = asyncio.Lock()

    @classmethod
    async def open(
        cls, path: str | Path, *, migrate: bool = True, migrations_dir: Path | None = None
    ) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            # Comments are personal data: owner-only file (SQLite gives -wal/-shm the same mode).
            private_folder(path.parent)
            create_private(path)
        conn = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # WAL + NORMAL is durable across application crashes (only power loss can drop the last commits).
        await conn.execute("PRAGMA synchronous=NORMAL")
        db = cls(conn, path, migrations_dir)
        if migrate:
            try:
                await db.migrate()
            except BaseException:
                await conn.close()
                raise
        return db

    @property
    def conn(self) -> aiosqlite.Connection:
        return self._conn

    async def close(self) -> None:
        await self._conn.close()

    # --- queries -------------------------------------------------------------------------------------

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run one autocommit statement, retrying when another connection (another shard's process, or a
        test's second connection) got in between: in WAL mode a statement that read before it wrote can fail
        with "database is locked" at once, without waiting for the busy timeout."""
        for attempt in range(LOCK_RETRIES):
            try:
                return await call()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or self._conn.in_transaction or attempt == LOCK_RETRIES - 1:
                    raise
                await asyncio.sleep(0.005 * (attempt + 1))
        raise AssertionError("unreachable")

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one statement in its own transaction; return the last row id (for INSERTs)."""
        async def run() -> int:
            cursor = await self._conn.execute(sql, params)
            rowid = cursor.lastrowid or 0
            await cursor.close()
            return rowid

        return await self._retrying(run)

    async def execute_rowcount(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        async def run() -> int:
            cursor = await self._conn.execute(sql, params)
            count = cursor.rowcount
            await cursor.close()
            return count

        return await self._retrying(run)

    async def run_batch(self, statements: Iterable[tuple[str, Sequence[Any]]]) -> None:
        """Run statements in order in one transaction: all of them or none."""
        async with self._batch_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    await self._conn.execute(sql, params)
                await self._conn.execute("COMMIT")  # inside: a COMMIT can fail too (deferred constraints, busy)
            except BaseException:
                if self._conn.in_transaction:  # left open by a failed COMMIT, unless SQLite rolled back
                    await self._conn.execute("ROLLBACK")
                raise

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        async def run() -> sqlite3.Row | None:
            async with self._conn.execute(sql, params) as cursor:
                return await cursor.fetchone()

        return await self._retrying(run)

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        async def run() -> list[sqlite3.Row]:
            async with self._conn.execute(sql, params) as cursor:
                return list(await cursor.fetchall())

        return await self._retrying(run)

    async def fetchval(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    # --- migrations ----------------------------------------------------------------------------------

    async def _ensure_migrations_table(self) -> None:
        await self._conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at REAL NOT NULL)"
        )

    async def schema_version(self) -> int:
        await self._ensure_migrations_table()
        return int(await self.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))

    async def migrate(self) -> list[int]:
        """Apply pending migrations in order, each in its own transaction. Returns the versions applied."""
        await self._ensure_migrations_table()
        applied = {row["version"]: row for row in await self.fetchall("SELECT * FROM schema_migrations")}
        done: list[int] = []
        for migration in load_migrations(self._migrations_dir):
            row = applied.get(migration.version)
            if row is not None:
                if row["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} was edited after it was applied to "
                        f"{self.path}; add a new migration instead of changing an applied one"
                    )
                continue
            await self._apply(migration)
            done.append(migration.version)
        known = {m.version for m in load_migrations(self._migrations_dir)}
        newer = sorted(set(applied) - known)
        if newer:
            raise MigrationError(
                f"{self.path} has schema version {max(newer)}, newer than this Newsdesk knows; upgrade Newsdesk"
            )
        return done

    async def _apply(self, migration: Migration) -> None:
        # executescript would commit on its own; split statements so the version row and the schema change
        # land in one transaction.
        await self._conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_sql(migration.sql):
                await self._conn.execute(statement)
            await self._conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                (migration.version, migration.name, migration.checksum, time.time()),
            )
        except BaseException:
            await self._conn.execute("ROLLBACK")
            raise
        await self._conn.execute("COMMIT")

    # --- backup --------------------------------------------------------------------------------------

    async def backup(self, destination: Path) -> None:
        """Copy the live database with SQLite's online backup API.

        The copy runs on its own connection in one step, so it reads one consistent snapshot while the
        bot's connection keeps writing (WAL lets readers and the writer proceed together).
        """
        destination = Path(destination)
        private_folder(destination.parent)
        await asyncio.to_thread(_backup_file, self.path, destination)


def _backup_file(source: Path, destination: Path) -> None:
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)  # a leftover from a crash would keep its own mode
    create_private(partial)
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(destination)  # never leave a half-written backup under the requested name


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
