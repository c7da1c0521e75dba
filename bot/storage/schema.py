"""What tables a database holds, their columns, keys and foreign keys, on either engine.

For `newsdesk db copy` (which tables, in which order, read in key order) and the schema-equivalence test.
SQLite's full-text index (`comments_fts` and its shadow tables) is the search engine's own storage, not data:
it is left out, and rebuilt by its triggers as comments are copied in.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.dialect import POSTGRESQL

__all__ = ["Table", "dependency_order", "read_tables"]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    parents: frozenset[str]  # tables its foreign keys point to (itself excluded)


async def read_tables(db: Database) -> dict[str, Table]:
    if db.dialect == POSTGRESQL:
        return await _postgres_tables(db)
    return await _sqlite_tables(db)


async def _sqlite_tables(db: Database) -> dict[str, Table]:
    names = [r[0] for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'comments_fts%' ORDER BY name")]
    tables = {}
    for name in names:
        info = await db.fetchall(f'SELECT name, pk FROM pragma_table_info("{name}") ORDER BY cid')
        keys = sorted((r[1], r[0]) for r in info if r[1])
        parents = {r[0] for r in await db.fetchall(f'SELECT "table" FROM pragma_foreign_key_list("{name}")')}
        tables[name] = Table(name, tuple(r[0] for r in info), tuple(k for _, k in keys),
                             frozenset(parents - {name}))
    return tables


async def _postgres_tables(db: Database) -> dict[str, Table]:
    names = [r[0] for r in await db.fetchall(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name")]
    tables = {}
    for name in names:
        columns = [r[0] for r in await db.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position", (name,))]
        keys = [r[0] for r in await db.fetchall(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(? AS regclass) AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)", (name,))]
        parents = {r[0] for r in await db.fetchall(
            "SELECT DISTINCT CAST(confrelid AS regclass)::text FROM pg_constraint "
            "WHERE conrelid = CAST(? AS regclass) AND contype = 'f'", (name,))}
        tables[name] = Table(name, tuple(columns), tuple(keys), frozenset(parents - {name}))
    return tables


def dependency_order(tables: dict[str, Table]) -> list[str]:
    """Table names with every table after the tables its foreign keys point to (ties by name)."""
    done: list[str] = []
    waiting = dict(sorted(tables.items()))
    while waiting:
        ready = [n for n, t in waiting.items() if not (t.parents & waiting.keys())]
        if not ready:  # a cycle between tables: none in our schema; keep going rather than loop forever
            ready = [next(iter(waiting))]
        for name in ready:
            done.append(name)
            del waiting[name]
    return done
