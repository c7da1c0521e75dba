"""The `newsdesk` command line, run as a real subprocess (`python -m bot` is the same program)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from bot import __version__
from newsdesk.cli import main

ROOT = Path(__file__).resolve().parent.parent


def newsdesk(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60,
        env={**base, **(env or {})}, cwd=cwd or ROOT,
    )


def test_version_and_help() -> None:
    out = newsdesk("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"newsdesk {__version__}"
    out = newsdesk("--help")
    assert out.returncode == 0
    for command in ("run", "db"):
        assert command in out.stdout


def test_no_command_prints_help_and_fails(capsys) -> None:
    assert main([]) == 2
    assert "usage: newsdesk" in capsys.readouterr().out


def test_run_without_token_is_one_clear_line(tmp_path: Path) -> None:
    out = newsdesk("run", env={"DATABASE_PATH": str(tmp_path / "x.db")}, cwd=tmp_path)
    assert out.returncode != 0
    assert "DISCORD_TOKEN" in out.stderr and "newsdesk sandbox" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_roles_on_sqlite_are_refused_in_one_line(tmp_path: Path) -> None:
    for role in ("feeds", "gateway"):
        out = newsdesk("run", "--role", role, env={"DISCORD_TOKEN": "x.y.z"}, cwd=tmp_path)
        err = out.stderr
        assert out.returncode == 2 and err.strip() == (
            f"newsdesk: --role {role} needs a database several processes share: set DATABASE_URL to a "
            "postgresql:// URL (SQLite serves one all-in-one process: run `newsdesk run` without --role)"), err
    assert not (tmp_path / "data").exists()


def test_bad_setting_is_one_clear_line(tmp_path: Path) -> None:
    out = newsdesk("db", "migrate", env={"POLL_INTERVAL_SECONDS": "often"}, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "newsdesk: POLL_INTERVAL_SECONDS='often' is not valid: expected an integer from 60 to 86400"
    )


def test_a_sqlite_database_url_wins_over_database_path(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'url.db'}", "DATABASE_PATH": str(tmp_path / "path.db")}
    assert newsdesk("db", "migrate", env=env, cwd=tmp_path).returncode == 0
    out = newsdesk("db", "backup", str(tmp_path / "copy.db"), env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"backed up {tmp_path / 'url.db'} to ")
    assert not (tmp_path / "path.db").exists() and (tmp_path / "copy.db").is_file()
    bad = newsdesk("db", "migrate", env={"DATABASE_URL": "data/newsdesk.db"}, cwd=tmp_path)
    assert bad.returncode == 2 and "DATABASE_URL=" in bad.stderr


def test_db_migrate_and_backup(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "news.db"
    env = {"DATABASE_PATH": str(db_path)}
    out = newsdesk("db", "migrate", env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "applied migrations 1" in out.stdout
    out = newsdesk("db", "migrate", env=env, cwd=tmp_path)
    assert "up to date" in out.stdout
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'comments'").fetchone()[0] == 1
    conn.close()

    out = newsdesk("db", "backup", str(tmp_path / "copy.db"), env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    conn = sqlite3.connect(tmp_path / "copy.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_backup_without_database_fails_clearly(tmp_path: Path) -> None:
    out = newsdesk("db", "backup", "x.db", env={"DATABASE_PATH": str(tmp_path / "none.db")}, cwd=tmp_path)
    assert out.returncode == 2 and "no database" in out.stderr and "Traceback" not in out.stderr


def test_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DATABASE_PATH={tmp_path / 'from-env-file.db'}\n")
    out = newsdesk("db", "migrate", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "from-env-file.db").exists()
