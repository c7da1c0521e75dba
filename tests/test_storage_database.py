"""Migrations on both engines (a real SQLite file, a real PostgreSQL database), and backup of SQLite files."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.backup import backup_database
from bot.storage.database import Database, MigrationError, load_migrations
from bot.storage.dialect import POSTGRESQL
from bot.storage.engines import open_database
from tests.postgres_server import create_database, drop_database

EXPECTED_TABLES = {
    "guild_settings", "feeds", "subscriptions", "articles", "posts", "threads", "thread_events", "comments",
    "comment_revisions", "reactions", "moderation_actions", "comment_mutes", "word_filters", "timers",
    "summaries", "privacy_requests", "schema_migrations",
}


@pytest.fixture
async def empty_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database with nothing in it (not even migrations): a new SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield str(tmp_path / "sub" / "news.db")
        return
    url = await create_database(migrated=False)
    try:
        yield url
    finally:
        await drop_database(url)


async def tables_of(db: Database) -> set[str]:
    if db.dialect == POSTGRESQL:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    return {r[0] for r in await db.fetchall(sql)}


async def test_migrate_empty_database_creates_whole_schema(empty_url: str) -> None:
    db = await open_database(empty_url)
    try:
        assert EXPECTED_TABLES <= await tables_of(db)
        assert await db.schema_version() == max(m.version for m in load_migrations())
        assert await db.migrate() == []  # idempotent
        if db.dialect != POSTGRESQL:
            assert (await db.fetchval("PRAGMA journal_mode")).lower() == "wal"
            assert await db.fetchval("PRAGMA foreign_keys") == 1
            assert await db.fetchval("PRAGMA busy_timeout") >= 1000
    finally:
        await db.close()


async def test_migrate_database_left_at_older_version(tmp_path: Path, empty_url: str) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    src = Path(__file__).resolve().parent.parent / "bot" / "storage" / "migrations"
    shutil.copy(src / "0001_initial.sql", migrations)
    db = await open_database(empty_url, migrations_dir=migrations)
    await db.execute("INSERT INTO feeds (url, created_at) VALUES ('https://example.com/feed', 0)")
    await db.close()

    (migrations / "0002_add_note.sql").write_text("ALTER TABLE feeds ADD COLUMN note TEXT;\n-- trailing comment\n")
    db = await open_database(empty_url, migrate=False, migrations_dir=migrations)
    try:
        assert await db.schema_version() == 1
        assert await db.migrate() == [2]
        assert await db.schema_version() == 2
        row = await db.fetchone("SELECT url, note FROM feeds")
        assert row is not None and row["url"] == "https://example.com/feed" and row["note"] is None
    finally:
        await db.close()


async def test_edited_applied_migration_is_refused(tmp_path: Path, empty_url: str) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER);\n")
    db = await open_database(empty_url, migrations_dir=migrations)
    await db.close()
    (migrations / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER, y TEXT);\n")
    with pytest.raises(MigrationError, match="edited after it was applied"):
        await open_database(empty_url, migrations_dir=migrations)


async def test_failed_migration_rolls_back(tmp_path: Path, empty_url: str) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_bad.sql").write_text("CREATE TABLE a (x INTEGER);\nINSERT INTO nope VALUES (1);\n")
    with pytest.raises(Exception, match="nope") as failed:  # each engine has its own error type
        await open_database(empty_url, migrations_dir=migrations)
    assert type(failed.value).__name__ in ("OperationalError", "UndefinedTableError")
    db = await open_database(empty_url, migrate=False, migrations_dir=migrations)
    try:
        assert "a" not in await tables_of(db) and await db.schema_version() == 0
    finally:
        await db.close()


def test_badly_named_migration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_x.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        load_migrations(tmp_path)


async def test_backup_while_writing_passes_integrity_check(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "live.db")
    stop = asyncio.Event()

    async def writer() -> int:
        n = 0
        while not stop.is_set():
            await db.execute(
                "INSERT INTO comments (message_id, guild_id, thread_id, author_id, author_name, content, created_at)"
                " VALUES (?, 1, 2, 3, 'reader', ?, 0)", (n + 1, "x" * 200),
            )
            n += 1
            if n % 50 == 0:
                await asyncio.sleep(0)
        return n

    task = asyncio.create_task(writer())
    await asyncio.sleep(0.05)
    try:
        await asyncio.to_thread(backup_database, Path(db.location), tmp_path / "backup.db")
    finally:
        stop.set()
        written = await task
        await db.close()
    assert written > 0
    conn = sqlite3.connect(tmp_path / "backup.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied = conn.execute("SELECT COUNT(*) FROM comments").fetchone()[0]
        assert 0 <= copied <= written
        assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] >= 1
    finally:
        conn.close()


async def test_article_update_drops_cached_summaries_and_stale_text(database_url: str) -> None:
    db = await open_database(database_url)
    try:
        aid = await db.insert(
            "INSERT INTO articles (canonical_url, content_hash, title, text, first_seen_at, updated_at)"
            " VALUES ('https://n.example/a', 'v1', 'T', 'old full text', 0, 0)")
        await db.execute("INSERT INTO summaries (article_id, method, length, style, result, created_at)"
                         " VALUES (?, 'extractive', 'medium', 'paragraph', '{}', 0)", (aid,))
        await db.execute("UPDATE articles SET title = 'T2' WHERE id = ?", (aid,))  # same version: kept
        assert await db.fetchval("SELECT COUNT(*) FROM summaries") == 1
        await db.execute("UPDATE articles SET content_hash = 'v2' WHERE id = ?", (aid,))
        assert await db.fetchval("SELECT COUNT(*) FROM summaries") == 0
        assert await db.fetchval("SELECT text FROM articles WHERE id = ?", (aid,)) is None
    finally:
        await db.close()
