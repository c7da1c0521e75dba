"""Files holding users' comments are the owner's alone; `db migrate` explains its numbering; `export`
reads any database (--db) and lists its guilds. In process, on real SQLite files."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import OPTIONS
from bot.storage.backup import backup_database
from bot.storage.database import UNUSED_MIGRATION_VERSIONS, load_migrations, migration_gaps
from bot.storage.engines import open_database
from newsdesk.cli import main
from tests.test_comments_cli import GUILD, filled


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for option in OPTIONS:
        monkeypatch.delenv(option.env, raising=False)
    monkeypatch.chdir(tmp_path)
    previous = os.umask(0o022)  # the common default, under which files came out 0644
    yield
    os.umask(previous)


async def test_database_backup_and_folders_are_private(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    path = shared / "new" / "data" / "newsdesk.db"
    db = await open_database(path)
    await db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    assert mode(path) == 0o600 and mode(path.with_name("newsdesk.db-wal")) == 0o600
    assert mode(path.with_name("newsdesk.db-shm")) == 0o600
    assert mode(shared / "new") == 0o700 and mode(shared / "new" / "data") == 0o700
    assert mode(shared) == 0o755  # a folder Newsdesk did not create keeps its mode
    await asyncio.to_thread(backup_database, db.path, tmp_path / "backups" / "b.db")
    await db.close()
    assert mode(tmp_path / "backups" / "b.db") == 0o600 and mode(tmp_path / "backups") == 0o700


def test_cli_backup_and_export_files_are_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "n.db"
    asyncio.run(filled(db))
    monkeypatch.setenv("DATABASE_PATH", str(db))
    assert main(["db", "backup", str(tmp_path / "copy.db")]) == 0
    assert main(["export", "--guild", str(GUILD), "-o", str(tmp_path / "out.json")]) == 0
    assert mode(tmp_path / "copy.db") == 0o600 and mode(tmp_path / "out.json") == 0o600


def test_export_reads_db_and_lists_guilds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    db = tmp_path / "elsewhere.db"
    asyncio.run(filled(db))
    assert main(["export", "--db", str(db), "--list-guilds"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{GUILD}\t2 comments in 1 thread\tlast 2001-09-09T01:46:")
    assert main(["export", "--db", str(db)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"newsdesk: give --guild ID (the server whose comments to export); guilds with comments in {db}: {GUILD}")
    assert main(["export", "--db", str(db), "--guild", str(GUILD)]) == 0
    assert json.loads(capsys.readouterr().out)["guild_id"] == str(GUILD)
    assert main(["export", "--db", str(tmp_path / "none.db"), "--guild", "1"]) == 2
    assert "no database at" in capsys.readouterr().err and not (tmp_path / "none.db").exists()
    with pytest.raises(SystemExit) as info:
        main(["export", "--db", str(db), "--guild", "99999999999999999999999"])
    assert info.value.code == 2 and "is not a Discord id (a whole number from 1 to" in capsys.readouterr().err


def test_every_gap_in_migration_numbers_is_explained() -> None:
    versions = [m.version for m in load_migrations()]
    assert migration_gaps(versions) == sorted(UNUSED_MIGRATION_VERSIONS)
    assert migration_gaps([1, 2, 5]) == [3, 4] and migration_gaps([]) == []


def test_db_migrate_says_why_a_number_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "m.db"))
    assert main(["db", "migrate"]) == 0
    out = capsys.readouterr().out
    versions = [m.version for m in load_migrations()]
    assert out.startswith(f"applied migrations {', '.join(map(str, versions))} (there is no migration 4: the "
                          "number was skipped when parallel branches were merged")
    assert main(["db", "migrate"]) == 0
    assert capsys.readouterr().out.startswith(f"schema is up to date (version {versions[-1]})")


def test_a_shared_migration_number_is_named(tmp_path: Path) -> None:
    from bot.storage.database import MigrationError

    for name in ("0001_a.sql", "0001_b.sql", "0002_c.sql"):
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError) as info:
        load_migrations(tmp_path)
    assert str(info.value) == "two migrations share version 0001"
