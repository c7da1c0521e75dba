"""One set of migrations, two schemas: a fresh SQLite file and a fresh PostgreSQL database, both migrated, have the
same tables, columns (name, nullability, a default or not, type), primary keys, unique constraints, foreign keys
and indexes (name, columns, uniqueness, partial condition). The deliberate differences are listed here, so a new
one fails until someone decides it is one."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage.engines import open_database
from tests.postgres_server import create_database, drop_database

# Full-text search over comments: an FTS5 table (and its shadow tables) on SQLite, a GIN expression index on
# PostgreSQL (migrations/postgresql/0009_comment_search.sql). Nothing else may differ.
SQLITE_ONLY_TABLES = {"comments_fts", "comments_fts_data", "comments_fts_idx", "comments_fts_docsize",
                      "comments_fts_config"}
POSTGRESQL_ONLY_INDEXES = {"comments_search"}

# SQLite's declared types and the PostgreSQL types the migrations translate them to (bot.storage.dialect).
TYPE_CLASS = {"INTEGER": "integer", "BIGINT": "integer", "REAL": "real", "DOUBLE PRECISION": "real",
              "TEXT": "text", "BLOB": "bytes", "BYTEA": "bytes"}
ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}

Schema = dict[str, Any]


def _expression(text: str) -> str:
    """An index column or condition in a comparable form: PostgreSQL prints casts, parentheses and case its way."""
    text = re.sub(r"::[a-z ]+", "", text.lower())
    return re.sub(r"[\s()]", "", text)


def sqlite_schema(path: Path) -> Schema:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                             " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        schema: Schema = {"tables": set(tables), "columns": {}, "primary": {}, "unique": {}, "foreign": {},
                          "indexes": {}}
        for table in tables:
            info = conn.execute(f"PRAGMA table_info({table})").fetchall()
            schema["columns"][table] = {
                name: (TYPE_CLASS.get(kind.upper(), kind), bool(notnull or pk), default is not None)
                for _, name, kind, notnull, default, pk in info}
            schema["primary"][table] = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
            unique = set()
            for _, name, is_unique, origin, partial in conn.execute(f"PRAGMA index_list({table})").fetchall():
                columns = tuple(c[2] for c in conn.execute(f"PRAGMA index_info({name})"))
                if origin == "u":
                    unique.add(columns)
                elif origin == "c":
                    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
                    body = re.search(r"\bON\s+\w+\s*\((.*)\)\s*(?:WHERE\s+(.*))?$", sql, re.S | re.I)
                    assert body is not None, sql
                    parts = [_expression(p) for p in _split_top_level(body.group(1))]
                    where = _expression(body.group(2)) if partial and body.group(2) else None
                    schema["indexes"][name] = (table, tuple(parts), bool(is_unique), where)
            schema["unique"][table] = unique
            foreign = set()
            for row in conn.execute(f"PRAGMA foreign_key_list({table})").fetchall():
                target = row[4] or schema_primary_of(conn, row[2])
                foreign.add((row[3], row[2], target, row[6]))
            schema["foreign"][table] = foreign
        return schema
    finally:
        conn.close()


def schema_primary_of(conn: sqlite3.Connection, table: str) -> str:
    return next(r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[5] == 1)


def _split_top_level(text: str) -> list[str]:
    """Split an index's column list at commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    return [*parts, current]


async def postgres_schema(url: str) -> Schema:
    conn = await asyncpg.connect(url)
    try:
        tables = [r[0] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")]
        schema: Schema = {"tables": set(tables), "columns": {}, "primary": {}, "unique": {}, "foreign": {},
                          "indexes": {}}
        for table in tables:
            rows = await conn.fetch(
                "SELECT column_name, upper(data_type), is_nullable = 'NO', column_default IS NOT NULL"
                " FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
                table)
            schema["columns"][table] = {r[0]: (TYPE_CLASS.get(r[1], r[1]), r[2], r[3]) for r in rows}
            constraints = await conn.fetch(
                "SELECT contype::text AS contype, ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)"
                "  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,"
                " f.relname AS target, ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)"
                "  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS target_cols,"
                " c.confdeltype::text AS confdeltype FROM pg_constraint c LEFT JOIN pg_class f ON f.oid = c.confrelid"
                " WHERE c.conrelid = $1::regclass", table)
            schema["primary"][table] = next((tuple(c["cols"]) for c in constraints if c["contype"] == "p"), ())
            schema["unique"][table] = {tuple(c["cols"]) for c in constraints if c["contype"] == "u"}
            schema["foreign"][table] = {
                (c["cols"][0], c["target"], c["target_cols"][0], ON_DELETE[c["confdeltype"]])
                for c in constraints if c["contype"] == "f"}
            indexes = await conn.fetch(
                "SELECT i.relname, x.indisunique, x.indnatts, pg_get_expr(x.indpred, x.indrelid) AS predicate,"
                " x.indexrelid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                " WHERE x.indrelid = $1::regclass AND NOT EXISTS"
                " (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)", table)
            for index in indexes:
                parts = [_expression(await conn.fetchval("SELECT pg_get_indexdef($1, $2, true)",
                                                         index["indexrelid"], k))
                         for k in range(1, index["indnatts"] + 1)]
                where = _expression(index["predicate"]) if index["predicate"] else None
                schema["indexes"][index["relname"]] = (table, tuple(parts), index["indisunique"], where)
        return schema
    finally:
        await conn.close()


async def test_sqlite_and_postgresql_schemas_are_the_same(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "schema.db")
    await db.close()
    lite = sqlite_schema(tmp_path / "schema.db")
    url = await create_database(migrated=False)
    try:
        db = await open_database(url)
        await db.close()
        pg = await postgres_schema(url)
    finally:
        await drop_database(url)

    assert lite["tables"] - pg["tables"] == SQLITE_ONLY_TABLES
    assert pg["tables"] - lite["tables"] == set()
    assert set(pg["indexes"]) - set(lite["indexes"]) == POSTGRESQL_ONLY_INDEXES
    assert set(lite["indexes"]) - set(pg["indexes"]) == set()
    for table in sorted(pg["tables"]):
        for part in ("columns", "primary", "unique", "foreign"):
            assert lite[part][table] == pg[part][table], (table, part)
    for name in sorted(lite["indexes"]):
        assert lite["indexes"][name] == pg["indexes"][name], name
    # The comparison itself compares something: every kind of thing it checks exists in the schema.
    assert len(pg["tables"]) >= 25 and sum(map(len, pg["foreign"].values())) >= 10
    assert any(where for *_, where in pg["indexes"].values()) and any(u for _, _, u, _ in pg["indexes"].values())
    assert {kind for columns in pg["columns"].values() for kind, *_ in columns.values()} >= {
        "integer", "real", "text"}
