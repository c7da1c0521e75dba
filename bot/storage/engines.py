"""Opening a database: the engine is chosen by what DATABASE_URL (or DATABASE_PATH) names."""

from __future__ import annotations

from pathlib import Path

from bot.storage.database import Database, database_target
from bot.storage.dialect import POSTGRESQL

__all__ = ["open_database"]


async def open_database(target: str | Path, *, migrate: bool = True, migrations_dir: Path | None = None,
                        read_only: bool = False, asynchronous_commit: bool = False,
                        connections: int = 8) -> Database:
    """Open (and, unless `migrate=False` or `read_only`, migrate) the database at `target`: a file path,
    `sqlite:///path`, or a `postgresql://` URL.

    Raises `DatabaseUnusable` for a database that is damaged, not Newsdesk's, or has a schema newer than this
    code (or, `read_only`, any schema other than the current one), and `StorageUnavailable` when it cannot be
    reached or written for a reason outside it.

    `asynchronous_commit` (PostgreSQL only): commits return before their flush to disk; a server crash may
    lose the last fraction of a second of them, in order, never half of one. For a feed worker, whose every
    write is derived from the feeds it polls again (a lost poll is redone), not for comments or moderation.
    `connections` (PostgreSQL only): the most this process opens; a feed worker wants one per concurrent poll.
    """
    dialect, location = database_target(target)
    if dialect == POSTGRESQL:
        from bot.storage.postgres import PostgresDatabase  # asyncpg is only imported when it is used

        return await PostgresDatabase.connect(location, migrate=migrate, migrations_dir=migrations_dir,
                                              read_only=read_only, asynchronous_commit=asynchronous_commit,
                                              pool_size=connections)
    from bot.storage.sqlite import SqliteDatabase

    return await SqliteDatabase.connect(location, migrate=migrate, migrations_dir=migrations_dir,
                                        read_only=read_only)
