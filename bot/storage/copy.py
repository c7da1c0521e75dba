"""`newsdesk db copy SRC DST`: a whole database from one engine to the other (SQLite ⇄ PostgreSQL), verified.

The destination gets the current schema (migrated), then every table is copied in foreign-key order, in key
order, a thousand rows per transaction. Tables that triggers fill (the announcement outbox, the comments per
hour) are emptied and copied last, so what the triggers wrote while comments and articles arrived is
replaced by the source's own rows, never counted twice or announced again. Afterwards each table's row count
and a checksum of its rows (read back in key order from both sides) must match. A destination that holds any
rows is refused unless `replace` is given (then it is emptied first).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database
from bot.storage.dialect import POSTGRESQL
from bot.storage.schema import Table, dependency_order, read_tables

__all__ = ["CopyFailed", "CopyReport", "copy_database"]

BATCH = 1000
_FILLED_BY_TRIGGERS = ("announcements", "comment_hours")
Progress = Callable[[str, int, int], None]


class CopyFailed(RuntimeError):
    """The copy cannot start or did not verify; the message says why and what to do."""


@dataclass(frozen=True)
class CopyReport:
    rows: dict[str, int]  # table -> rows copied (and verified)
    checksums: dict[str, str]


def _quoted(name: str) -> str:
    return f'"{name}"'


async def _rows(db: Database, table: Table) -> AsyncIterator[list[Any]]:
    """Every row of `table`, in key order, a page at a time (keyset paging on a one-column key)."""
    columns = ", ".join(map(_quoted, table.columns))
    order = table.primary_key or table.columns
    if len(table.primary_key) == 1:
        key = _quoted(table.primary_key[0])
        index = table.columns.index(table.primary_key[0])
        last: Any = None
        while True:
            where = "" if last is None else f" WHERE {key} > ?"
            page = await db.fetchall(f"SELECT {columns} FROM {_quoted(table.name)}{where} ORDER BY {key} LIMIT ?",
                                     (() if last is None else (last,)) + (BATCH,))
            if not page:
                return
            yield [tuple(r) for r in page]
            last = page[-1][index]
    else:
        offset = 0
        ordering = ", ".join(map(_quoted, order))
        while True:
            page = await db.fetchall(
                f"SELECT {columns} FROM {_quoted(table.name)} ORDER BY {ordering} LIMIT ? OFFSET ?", (BATCH, offset))
            if not page:
                return
            yield [tuple(r) for r in page]
            offset += len(page)


def _canonical(value: Any) -> str:
    """One spelling per value whichever engine read it: SQLite may keep 0 where PostgreSQL reads 0.0."""
    if value is None:
        return "N"
    if isinstance(value, bool):
        return f"n:{int(value)}"
    if isinstance(value, int):
        return f"n:{value}"
    if isinstance(value, float):
        return f"n:{int(value)}" if value.is_integer() else f"n:{value!r}"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "b:" + bytes(value).hex()
    return "s:" + str(value)


async def _checksum(db: Database, table: Table) -> tuple[int, str]:
    digest, count = hashlib.sha256(), 0
    async for page in _rows(db, table):
        for row in page:
            digest.update("\x1f".join(_canonical(v) for v in row).encode() + b"\x1e")
            count += 1
    return count, digest.hexdigest()


async def _count(db: Database, table: str) -> int:
    return int(await db.fetchval(f"SELECT COUNT(*) FROM {_quoted(table)}"))


async def copy_database(source: Database, destination: Database, *, replace: bool = False,
                        progress: Progress | None = None) -> CopyReport:
    """Copy every row of `source` into `destination` (both at the current schema) and verify it."""
    if source.location == destination.location and source.dialect == destination.dialect:
        raise CopyFailed("the source and the destination are the same database")
    tables = await read_tables(source)
    target_tables = await read_tables(destination)
    data = {n: t for n, t in tables.items() if n != "schema_migrations"}
    missing = sorted(set(data) - set(target_tables))
    if missing:
        raise CopyFailed(f"the destination has no table {missing[0]}: are both at the same Newsdesk version?")
    order = [n for n in dependency_order(data) if n not in _FILLED_BY_TRIGGERS]
    order += [n for n in _FILLED_BY_TRIGGERS if n in data]
    occupied = [n for n in order if await _count(destination, n)]
    if occupied and not replace:
        raise CopyFailed(f"the destination is not empty (table {occupied[0]} has rows): copy into a new database, "
                         "or pass --replace to empty it first")
    for name in reversed(order):
        await destination.execute(f"DELETE FROM {_quoted(name)}")
    for name in order:
        await _copy_table(source, destination, data[name], progress)
    if destination.dialect == POSTGRESQL:
        await _restart_identities(destination, data)
    return await _verify(source, destination, data, order)


async def _copy_table(source: Database, destination: Database, table: Table, progress: Progress | None) -> None:
    total = await _count(source, table.name)
    if table.name in _FILLED_BY_TRIGGERS:
        await destination.execute(f"DELETE FROM {_quoted(table.name)}")  # what triggers wrote during the copy
    columns = ", ".join(map(_quoted, table.columns))
    insert = (f"INSERT INTO {_quoted(table.name)} ({columns}) VALUES ({', '.join('?' for _ in table.columns)})")
    done = 0
    async for page in _rows(source, table):
        try:
            await destination.run_batch([(insert, row) for row in page])
        except Exception as exc:
            raise CopyFailed(f"copying {table.name} failed near row {done + 1} of {total}: {exc}") from exc
        done += len(page)
        if progress is not None:
            progress(table.name, done, total)
    if progress is not None and total == 0:
        progress(table.name, 0, 0)


async def _restart_identities(db: Database, tables: dict[str, Table]) -> None:
    """Rows came with their ids, which an identity column does not count: start it after the largest."""
    for name, table in tables.items():
        if "id" in table.primary_key:
            await db.fetchval(
                f"SELECT setval(pg_get_serial_sequence(?, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) "
                f"FROM {_quoted(name)} WHERE pg_get_serial_sequence(?, 'id') IS NOT NULL", (name, name))


async def _verify(source: Database, destination: Database, tables: dict[str, Table], order: list[str]) -> CopyReport:
    rows, sums = {}, {}
    for name in order:
        (n_src, sum_src), (n_dst, sum_dst) = await _checksum(source, tables[name]), await _checksum(destination,
                                                                                                 tables[name])
        if (n_src, sum_src) != (n_dst, sum_dst):
            what = f"{n_src} rows in the source, {n_dst} in the destination" if n_src != n_dst else "checksums differ"
            raise CopyFailed(f"table {name} did not copy faithfully ({what}); the destination is incomplete: "
                             "copy again with --replace")
        rows[name], sums[name] = n_src, sum_src
    return CopyReport(rows, sums)
