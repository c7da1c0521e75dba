"""The database every store talks to, whichever engine is under it, and the numbered migrations.

`Database` is the interface the stores use: statements in SQLite's SQL with `?` placeholders, one transaction
per call (or per `run_batch`), rows readable by column name or position. Two engines implement it:
`bot.storage.sqlite.SqliteDatabase` (the embedded default: one file, no server) and
`bot.storage.postgres.PostgresDatabase` (asyncpg; several processes on several machines share one database).
`bot.storage.engines.open_database(target)` picks the engine from `target`: a path or `sqlite:///path`, or
a `postgresql://` URL.

Migrations are the numbered files in `migrations/`; each one's checksum is recorded when applied, and a
changed applied file stops start-up, because an edited migration means two databases with the same version
and different schemas. A migration whose SQL differs on PostgreSQL has a twin of the same name in
`migrations/postgresql/` (see `bot.storage.dialect`).
"""

from __future__ import annotations

import abc
import hashlib
import re
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from bot.storage.dialect import POSTGRESQL, SQLITE, postgres_ddl
from bot.storage.errors import DatabaseUnusable, MigrationError, StorageUnavailable

__all__ = ["UNUSED_MIGRATION_VERSIONS", "Database", "DatabaseUnusable", "Migration", "MigrationError", "Row",
           "StorageUnavailable", "database_target", "load_migrations", "migration_gaps", "schema_problem",
           "schema_refusal"]

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Numbers with no migration, and why. Applied migrations are never renumbered (each database records the
# numbers it has), so a gap stays and is explained here; tests fail on a gap that is not.
UNUSED_MIGRATION_VERSIONS = {
    4: "the number was skipped when parallel branches were merged (no 0004 file ever existed), so no "
       "database has one, and renumbering the later ones would clash with the numbers databases recorded",
}
ReadBarrier = Callable[[], Awaitable[None]]
Params = Sequence[Any] | dict[str, Any]


class Row(Protocol):
    """A result row: `sqlite3.Row` or `asyncpg.Record`, both readable by column name or position."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    postgres_sql: str | None = None  # hand-written twin for PostgreSQL; None: `sql` translated

    def sql_for(self, dialect: str) -> str:
        if dialect == POSTGRESQL:
            return self.postgres_sql if self.postgres_sql is not None else postgres_ddl(self.sql)
        return self.sql

    def checksum_for(self, dialect: str) -> str:
        return hashlib.sha256(self.sql_for(dialect).encode()).hexdigest()

    @property
    def checksum(self) -> str:
        return self.checksum_for(SQLITE)


def load_migrations(directory: Path | None = None) -> list[Migration]:
    """The migrations in `directory` (default: the packaged ones), in version order."""
    if directory is None:
        root = resources.files(__package__).joinpath("migrations")
        entries = [(p.name, p.read_text(encoding="utf-8")) for p in root.iterdir() if p.name.endswith(".sql")]
        twins_root = root.joinpath(POSTGRESQL)
        twins = {p.name: p.read_text(encoding="utf-8") for p in twins_root.iterdir() if p.name.endswith(".sql")}
    else:
        entries = [(p.name, p.read_text(encoding="utf-8")) for p in directory.glob("*.sql")]
        twins = {p.name: p.read_text(encoding="utf-8") for p in (directory / POSTGRESQL).glob("*.sql")}
    migrations = []
    for filename, sql in entries:
        match = _MIGRATION_NAME.match(filename)
        if not match:
            raise MigrationError(f"migration file {filename!r} is not named NNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), match.group(2), sql, twins.pop(filename, None)))
    if twins:
        raise MigrationError(f"PostgreSQL migration {sorted(twins)[0]!r} has no SQLite migration of that name")
    migrations.sort(key=lambda m: m.version)
    versions = [m.version for m in migrations]
    shared = sorted({v for v in versions if versions.count(v) > 1})
    if shared:
        raise MigrationError(f"two migrations share version {', '.join(f'{v:04d}' for v in shared)}")
    return migrations


def migration_gaps(versions: list[int]) -> list[int]:
    """The numbers below the highest of `versions` that have no migration."""
    return sorted(set(range(1, max(versions, default=0) + 1)) - set(versions))


def schema_problem(where: Path | str, newest: int, known: int) -> str | None:
    """Why a database at schema `newest` cannot be used by code that knows migrations up to `known`."""
    if newest > known:
        return (f"{where} has schema version {newest}, newer than this Newsdesk knows ({known}): upgrade "
                "Newsdesk, or point DATABASE_URL at a database made by this version")
    return None


def schema_refusal(where: Path | str, version: int, newest: int, known: int, *, exact: bool) -> str | None:
    """Why a database at migration `version` (or a newer `newest` marker) cannot be used by code that knows
    migrations up to `known`; with `exact` (a command that only reads), any schema but the current one."""
    problem = schema_problem(where, newest, known)
    if problem is None and exact and version != known:
        problem = (f"{where} is not a Newsdesk database (no schema)" if version == 0 else
                   f"{where} has schema version {version}, this Newsdesk needs {known}: run `newsdesk db migrate` first")
    return problem


def database_target(target: str | Path) -> tuple[str, str]:
    """(dialect, location) for a path, `sqlite:///path`, `sqlite:///:memory:` or `postgresql://...` URL."""
    text = str(target)
    scheme = text.split(":", 1)[0].lower() if "://" in text else ""
    if scheme in ("postgresql", "postgres"):
        return POSTGRESQL, text
    if scheme == "sqlite":
        path = urllib.parse.unquote(text.split("://", 1)[1])
        if path.startswith("/") and path[1:] == ":memory:":
            path = ":memory:"
        elif path.startswith("/"):
            path = path[1:]  # sqlite:///relative/path; sqlite:////absolute/path
        if not path:
            raise DatabaseUnusable(f"{text!r} names no file: use sqlite:///path/to/newsdesk.db")
        return SQLITE, path
    if scheme:
        raise DatabaseUnusable(f"unknown database URL scheme {scheme!r} in DATABASE_URL: use sqlite:///path "
                               "or postgresql://user@host:port/database")
    return SQLITE, text


def redact(url: str) -> str:
    """`url` without its password, for messages and logs."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class Database(abc.ABC):
    """An open database. Use `await open_database(target)` (`bot.storage.engines`); close with `await db.close()`."""

    dialect: str
    #: where the data is, for messages: the file's path, or the URL without its password
    location: str
    read_only: bool = False

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    def set_read_barrier(self, barrier: ReadBarrier | None) -> None:
        """Run `barrier()` before every statement: the write-behind writer's `settle`, so that every read (and
        every write that reads) sees what was written before it, without callers flushing by hand."""

    @abc.abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> None:
        """Run one statement in its own transaction."""

    @abc.abstractmethod
    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT into a table with an `id` column in its own transaction; return the new row's id."""

    @abc.abstractmethod
    async def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        """Run one statement in its own transaction; return how many rows it changed."""

    @abc.abstractmethod
    async def run_batch(self, statements: Iterable[tuple[str, Sequence[Any]]], *, barrier: bool = True) -> None:
        """Run statements in order in one transaction: all of them or none. `barrier=False` is for the
        writer that is itself the barrier."""

    @abc.abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    @abc.abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @abc.abstractmethod
    async def schema_version(self) -> int: ...

    @abc.abstractmethod
    async def check_schema(self, *, exact: bool = False) -> int:
        """Refuse a schema newer than this code; with `exact`, also one that is older or missing (a command that
        only reads needs the schema it was written for). Returns the schema version."""

    @abc.abstractmethod
    async def check_integrity(self) -> None:
        """Raise `DatabaseUnusable` saying what is damaged."""

    @abc.abstractmethod
    async def migrate(self) -> list[int]:
        """Apply pending migrations in order, each in its own transaction, safely when any number of processes
        start at once (each step takes the lock, then reads what is applied). Returns the versions applied."""
