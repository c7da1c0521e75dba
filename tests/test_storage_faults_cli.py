"""Fault injection for the database commands: every refusal is one line and a non-zero exit, nothing is
changed, and no thread is left running (a leaked connection thread used to hang the process).

In-process through `newsdesk.cli.main` (fast); one subprocess checks that a failing open really exits.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.storage.database import load_migrations
from bot.storage.engines import open_database
from newsdesk.cli import main

ROOT = Path(__file__).resolve().parent.parent
LATEST = max(m.version for m in load_migrations())


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db: Path,
        *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_PATH", str(db))
    before = set(threading.enumerate())
    code = main(["--env-file", os.devnull, *args])
    out = capsys.readouterr()
    for thread in set(threading.enumerate()) - before:  # a closed connection's thread ends right after
        thread.join(timeout=5)
        assert not thread.is_alive(), f"thread {thread.name} was left running"
    return code, out.out, out.err


def one_line_refusal(code: int, err: str, *words: str) -> None:
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsdesk: "), err
    assert "unexpected error" not in err and "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def make_db(path: Path, *, upto: int | None = None, comments: int = 3) -> Path:
    """A database at schema `upto` (default: current) with a few comments, closed cleanly."""
    async def build() -> None:
        src = ROOT / "bot" / "storage" / "migrations"
        if upto is None:
            db = await open_database(path)
        else:
            migrations = path.parent / f"migrations-{upto}"
            migrations.mkdir(exist_ok=True)
            for f in src.glob("*.sql"):
                if int(f.name[:4]) <= upto:
                    shutil.copy(f, migrations)
            db = await open_database(path, migrations_dir=migrations)
        for i in range(comments):
            await db.execute("INSERT INTO comments (message_id, guild_id, thread_id, author_id, author_name,"
                             " content, created_at) VALUES (?, 1, 2, 3, 'ana', 'hi', 0)", (i + 1,))
        await db.close()
    asyncio.run(build())
    return path


@pytest.fixture
def garbage(tmp_path: Path) -> dict[str, Path]:
    text = tmp_path / "notadb.db"
    text.write_text("this is not a database\n" * 100)
    noise = tmp_path / "random.db"
    noise.write_bytes(os.urandom(8192))
    damaged = make_db(tmp_path / "damaged.db", comments=400)
    data = bytearray(damaged.read_bytes())
    data[4096 * 3: 4096 * 3 + 512] = os.urandom(512)  # a b-tree page in the middle
    damaged.write_bytes(bytes(data))
    return {"text": text, "random": noise, "damaged": damaged}


@pytest.mark.parametrize("kind", ["text", "random", "damaged"])
@pytest.mark.parametrize("command", [["db", "migrate"], ["db", "backup", "copy.db"], ["export", "--guild", "1"]])
def test_unusable_file_is_refused_in_one_line_and_left_alone(
        kind: str, command: list[str], garbage: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = garbage[kind]
    before = md5(path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, monkeypatch, path, *command)
    if kind == "damaged" and command[0] == "export":
        # A read can succeed on a damaged file when it does not touch the damage; it must not change it.
        assert code == 0 or "damaged" in err or "not a" in err, err
    else:
        one_line_refusal(code, err, str(path))
        assert "up to date" not in out
    assert md5(path) == before
    assert not (tmp_path / "copy.db").exists() and not (tmp_path / "copy.db.partial").exists()


@pytest.mark.parametrize("kind", ["text", "random"])
def test_run_on_an_unusable_file_is_one_line(kind: str, garbage: dict[str, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "x" * 60)  # never used: the database is refused before connecting
    monkeypatch.setenv("DISCORD_API_BASE", "http://127.0.0.1:9/api/v10")
    code, _, err = run(capsys, monkeypatch, garbage[kind], "run")
    one_line_refusal(code, err, str(garbage[kind]), "not a SQLite database")


def test_failing_open_exits_instead_of_hanging(garbage: dict[str, Path], tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(garbage["text"])}
    out = subprocess.run([sys.executable, "-m", "bot", "--env-file", os.devnull, "db", "migrate"],
                         capture_output=True, text=True, timeout=30, env=env, cwd=tmp_path)
    one_line_refusal(out.returncode, out.stderr, "not a SQLite database")


@pytest.mark.parametrize("future", ["user_version", "table"])
@pytest.mark.parametrize("command", [["db", "migrate"], ["db", "backup", "copy.db"], ["export", "--guild", "1"]])
def test_future_schema_is_refused_by_every_command(
        future: str, command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_db(tmp_path / "future.db")
    conn = sqlite3.connect(path)
    if future == "user_version":
        conn.execute("PRAGMA user_version = 999")
    else:
        conn.execute("INSERT INTO schema_migrations VALUES (?, 'from_the_future', 'x', 0)", (LATEST + 1,))
    conn.commit()
    conn.close()
    before = md5(path)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, monkeypatch, path, *command)
    one_line_refusal(code, err, "newer than this Newsdesk knows", "upgrade Newsdesk")
    assert md5(path) == before


def test_run_refuses_a_future_schema_before_connecting(tmp_path: Path) -> None:
    async def opening() -> None:
        await open_database(path)
    path = make_db(tmp_path / "future.db")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    with pytest.raises(Exception, match="newer than this Newsdesk knows") as info:
        asyncio.run(opening())
    assert type(info.value).__name__ == "DatabaseUnusable"


def test_export_and_backup_do_not_migrate_an_old_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_db(tmp_path / "old.db", upto=3)
    before = md5(path)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, monkeypatch, path, "export", "--guild", "1")
    one_line_refusal(code, err, f"schema version 3, this Newsdesk needs {LATEST}", "newsdesk db migrate")
    code, _, err = run(capsys, monkeypatch, path, "db", "backup", "old-copy.db")
    assert code == 0, err
    assert md5(path) == before
    copy = sqlite3.connect(tmp_path / "old-copy.db")
    assert copy.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] == 3
    assert copy.execute("SELECT COUNT(*) FROM comments").fetchone()[0] == 3
    copy.close()


def test_migrate_sets_user_version(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_db(tmp_path / "old.db", upto=3)
    code, out, err = run(capsys, monkeypatch, path, "db", "migrate")
    assert code == 0 and "applied migrations" in out, err
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    conn.close()


# --- backup targets ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["same", "relative", "symlink", "hardlink", "wal", "shm"])
def test_backup_onto_the_database_is_refused(
        target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    path = make_db(tmp_path / "data" / "live.db")
    keeper = sqlite3.connect(path)  # an open connection, as while the bot runs: -wal and -shm exist
    keeper.execute("PRAGMA journal_mode=WAL")
    keeper.execute("INSERT INTO comments (message_id, guild_id, thread_id, author_id, author_name, content,"
                   " created_at) VALUES (99, 1, 2, 3, 'ana', 'live', 0)")
    keeper.commit()
    monkeypatch.chdir(tmp_path)
    arg = {"same": str(path), "relative": "data/../data/live.db", "wal": str(path) + "-wal",
           "shm": str(path) + "-shm", "symlink": "link.db", "hardlink": "hard.db"}[target]
    if target == "symlink":
        (tmp_path / "link.db").symlink_to(path)
    if target == "hardlink":
        os.link(path, tmp_path / "hard.db")
    try:
        code, _, err = run(capsys, monkeypatch, path, "db", "backup", arg, "--force")
        one_line_refusal(code, err, "not backed up", "another file")
        assert keeper.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert keeper.execute("SELECT COUNT(*) FROM comments").fetchone()[0] == 4
        assert not list(tmp_path.rglob("*.partial"))
    finally:
        keeper.close()


def test_backup_existing_target_needs_force_and_folder_gets_a_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_db(tmp_path / "live.db")
    existing = tmp_path / "old-backup.db"
    existing.write_bytes(b"precious")
    code, _, err = run(capsys, monkeypatch, path, "db", "backup", str(existing))
    one_line_refusal(code, err, "already exists", "--force")
    assert existing.read_bytes() == b"precious"
    code, _, err = run(capsys, monkeypatch, path, "db", "backup", str(existing), "--force")
    assert code == 0, err
    assert sqlite3.connect(existing).execute("SELECT COUNT(*) FROM comments").fetchone()[0] == 3

    folder = tmp_path / "backups"
    folder.mkdir()
    code, out, err = run(capsys, monkeypatch, path, "db", "backup", str(folder))
    assert code == 0, err
    made = list(folder.iterdir())
    assert len(made) == 1 and made[0].name.startswith("live-") and made[0].suffix == ".db"
    assert str(made[0]) in out
    assert sqlite3.connect(made[0]).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not list(tmp_path.rglob("*.partial"))


def test_backup_into_a_read_only_folder_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_db(tmp_path / "live.db")
    folder = tmp_path / "ro"
    folder.mkdir()
    # root ignores modes, not immutability
    lock, unlock = ((["chmod", "0500"], ["chmod", "0700"]) if os.geteuid() != 0 else (["chattr", "+i"], ["chattr", "-i"]))
    if subprocess.run([*lock, str(folder)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a folder read-only here")
    try:
        code, _, err = run(capsys, monkeypatch, path, "db", "backup", str(folder / "x.db"))
    finally:
        subprocess.run([*unlock, str(folder)], check=True)
    one_line_refusal(code, err, "x.db")
    assert not list(tmp_path.rglob("*.partial"))


# --- migrations from several processes -------------------------------------------------------------------

def test_processes_migrating_together_apply_each_migration_once(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(path)}
    procs = [subprocess.Popen([sys.executable, "-m", "bot", "--env-file", os.devnull, "db", "migrate"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
             for _ in range(4)]
    results = [(*p.communicate(timeout=60), p.returncode) for p in procs]
    assert all(code == 0 for _, _, code in results), results
    assert sum("applied migrations" in out for out, _, _ in results) >= 1
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")] == \
        [m.version for m in load_migrations()]
    conn.close()
