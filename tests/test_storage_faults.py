"""Fault injection for the write path: a full disk, a read-only file, a database that cannot be opened,
a -wal file deleted while writing. In every case no acknowledged write is lost: what the writer accepted is
kept and saved once writing works again, what it could not keep it refused at once (back-pressure), and
commands are told the bot cannot save. Reads see queued writes without anyone flushing.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage.backup import backup_database
from bot.storage.comments import CommentStore
from bot.storage.engines import open_database
from bot.storage.errors import DatabaseUnusable, StorageUnavailable
from bot.storage.writer import ThreadedBatchWriter

ROOT = Path(__file__).resolve().parent.parent
COUNT = 4000


def fresh_database(path: Path) -> Path:
    async def make() -> None:
        db = await open_database(path)
        await db.close()
    asyncio.run(make())
    return path


def stored_ids(path: Path) -> set[int]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {r[0] for r in conn.execute("SELECT message_id FROM comments")}
    finally:
        conn.close()


def check_child(out: str, err: str, path: Path) -> dict[str, object]:
    report = json.loads(out.strip().splitlines()[-1])
    acked = set(report["acked"])
    assert report["failed"], "the fault never made the writer fail"
    assert acked and report["refused"] > 0, "the stream should outgrow the bound while failing"
    assert acked <= stored_ids(path), f"{len(acked - stored_ids(path))} acknowledged rows lost"
    assert report["stored"] == len(acked)  # read right after recovery, through the read barrier
    assert report["dropped"] == 0
    for name in ("write", "flush"):  # what a command that saves is told
        assert "cannot save right now" in str(report["seen"][name])  # type: ignore[index]
    assert err.count("cannot write to the database") == 1, err  # logged once, with what to do
    assert "accepts writes again" in err
    return report


def test_full_disk_loses_no_acknowledged_row(tmp_path: Path) -> None:
    path = fresh_database(tmp_path / "full.db")
    out = subprocess.run([sys.executable, "-m", "tests.storage_fault_child", str(path), "fsize", str(COUNT)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    check_child(out.stdout, out.stderr, path)


def _make_read_only(path: Path) -> tuple[list[str], list[str]] | None:
    """Commands that make `path` unwritable for us and back, or None where that cannot be done here."""
    if os.geteuid() != 0:
        return ["chmod", "0444", str(path)], ["chmod", "0644", str(path)]
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0:
        subprocess.run(["chattr", "-i", str(path)], check=True)
        return ["chattr", "+i", str(path)], ["chattr", "-i", str(path)]  # root ignores modes, not immutability
    return None


def test_read_only_file_loses_no_acknowledged_row(tmp_path: Path) -> None:
    path = fresh_database(tmp_path / "ro.db")
    commands = _make_read_only(path)
    if commands is None:
        pytest.skip("cannot make a file read-only for root here (no chattr)")
    lock, unlock = commands
    subprocess.run(lock, check=True)
    child = subprocess.Popen([sys.executable, "-m", "tests.storage_fault_child", str(path), "readonly", str(COUNT)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=ROOT)
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "FIX"
        subprocess.run(unlock, check=True)
        child.stdin.write("go\n")
        child.stdin.flush()
        out, err = child.communicate(timeout=120)
    finally:
        subprocess.run(unlock, capture_output=True)
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    check_child(out, err, path)


async def test_writer_that_cannot_open_its_database_keeps_writes_until_it_can(tmp_path: Path) -> None:
    path = tmp_path / "missing-dir" / "x.db"
    writer = ThreadedBatchWriter(path, interval=0.01, retry_interval=0.02)
    recovered = asyncio.Event()
    writer.add_recovery_listener(recovered.set)
    writer.submit([("CREATE TABLE IF NOT EXISTS t (x INTEGER)", ())])
    writer.submit([("INSERT INTO t VALUES (1)", ())])
    with pytest.raises(StorageUnavailable, match="cannot save right now"):
        await writer.flush()
    assert writer.failure is not None and "cannot be opened" in writer.failure
    with pytest.raises(StorageUnavailable):
        await writer.write([("INSERT INTO t VALUES (2)", ())])  # a command is told, not queued
    path.parent.mkdir()
    await asyncio.wait_for(recovered.wait(), 10)
    await writer.flush()
    await writer.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]
    conn.close()


async def test_writer_gives_up_at_close_after_its_grace_instead_of_hanging(tmp_path: Path) -> None:
    writer = ThreadedBatchWriter(tmp_path / "nowhere" / "x.db", interval=0.01, retry_interval=0.02,
                                 close_grace=0.1)
    writer.submit([("SELECT 1", ())])
    await asyncio.wait_for(writer.close(), 10)
    assert writer.pending_units == 1


async def test_reads_see_queued_writes_without_a_flush(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "r.db")
    writer = ThreadedBatchWriter(db.path, interval=30)  # would commit only much later on its own
    writer.attach(db)
    store = CommentStore(db, writer)
    try:
        store.submit(1, 1, 10, None, 7, "Reader", "queued", None, (), 1000.0, None)
        store.submit_edit(1, "edited", 1001.0)
        comment = await store.get(1)
        assert comment is not None and comment.content == "edited"
        # a write on the bot's own connection that depends on a queued row sees it too
        assert await db.execute_rowcount("UPDATE comments SET status = 'flagged' WHERE message_id = 1") == 1
    finally:
        await writer.close()
        await db.close()


class Streamer:
    """The child in `stream` mode: comments through the writer, a row through the bot's connection, flushed."""

    def __init__(self, path: Path) -> None:
        self.child = subprocess.Popen([sys.executable, "-m", "tests.storage_fault_child", str(path), "stream", "0"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)

    def flushed(self, chunks: int) -> int:
        """Wait for `chunks` more committed chunks; the last id the child knows is committed."""
        assert self.child.stdout is not None
        last = 0
        for _ in range(chunks):
            line = self.child.stdout.readline()
            assert line.startswith("FLUSHED"), line + (self.child.stderr.read() if self.child.stderr else "")
            last = int(line.split()[1])
        return last

    def crash(self) -> str:
        self.child.kill()  # nothing is closed or checkpointed on the way out
        return self.child.communicate(timeout=30)[1]


def export_and_backup(path: Path, tmp_path: Path) -> None:
    """Both end in one line (a success, or what is wrong), never a hang or a traceback."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(path)}
    exported = subprocess.run([sys.executable, "-m", "bot", "--env-file", os.devnull, "export", "--guild", "1",
                               "-o", str(tmp_path / "export.json")], capture_output=True, text=True, timeout=60,
                              env=env, cwd=tmp_path)
    assert exported.returncode == 0 or len(exported.stderr.strip().splitlines()) == 1, exported.stderr
    assert "Traceback" not in exported.stderr
    try:
        backup_database(path, tmp_path / "copy.db", force=True)
    except DatabaseUnusable as exc:
        assert "cannot back up" in str(exc)


def test_deleted_wal_then_a_crash_loses_no_committed_row(tmp_path: Path) -> None:
    # Deleting the -wal file leaves the bot writing into an unlinked file: its commits succeed, but nobody
    # else can see them and a crash loses them all (the probe: 3,800 rows lost, 0 failures reported).
    path = fresh_database(tmp_path / "wal.db")
    streamer = Streamer(path)
    try:
        streamer.flushed(5)
        os.remove(str(path) + "-wal")
        last = streamer.flushed(10)
    finally:
        err = streamer.crash()
    assert "-wal file" in err and err.count("was deleted or replaced") <= 2  # once per connection
    missing = set(range(1, last + 1)) - stored_ids(path)
    assert not missing, f"{len(missing)} committed rows lost"
    conn = sqlite3.connect(path)
    assert int(conn.execute("SELECT value FROM meta WHERE key = 'last'").fetchone()[0]) >= last
    conn.close()
    export_and_backup(path, tmp_path)
    assert stored_ids(tmp_path / "copy.db") == stored_ids(path)


def test_deleted_wal_with_export_and_backup_meanwhile_loses_nothing(tmp_path: Path) -> None:
    path = fresh_database(tmp_path / "wal.db")
    streamer = Streamer(path)
    try:
        streamer.flushed(5)
        os.remove(str(path) + "-wal")
        streamer.flushed(2)
        export_and_backup(path, tmp_path)
        last = streamer.flushed(5)
    finally:
        streamer.crash()
    missing = set(range(1, last + 1)) - stored_ids(path)
    assert not missing, f"{len(missing)} committed rows lost"


async def test_a_refused_write_on_the_bots_connection_is_storage_unavailable_said_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # What /feed and the other commands that write directly meet on a read-only or full database.
    db = await open_database(tmp_path / "q.db")
    try:
        await db.execute("PRAGMA query_only = ON")  # SQLite refuses every write: SQLITE_READONLY
        for _ in range(3):
            with pytest.raises(StorageUnavailable, match="read-only"):
                await db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
        with pytest.raises(StorageUnavailable):
            await db.run_batch([("INSERT INTO meta (key, value) VALUES ('k', 'v')", ())])
        assert [r.levelname for r in caplog.records if "cannot save" in r.getMessage()] == ["ERROR"]
        await db.execute("PRAGMA query_only = OFF")
        await db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
        assert await db.fetchval("SELECT value FROM meta WHERE key = 'k'") == "v"
        assert any("accepts writes again" in r.getMessage() for r in caplog.records)
    finally:
        await db.close()
