"""`newsdesk db backup`: a consistent copy of the live database, never onto the database itself.

The copy uses SQLite's online backup API on its own read-only connection, so it reads one snapshot while
the bot keeps writing and can never change the source. The target is checked first: the database or one of
its -wal/-shm/-journal files (through links and relative paths) is refused, because copying onto them
corrupts the live database; an existing file is replaced only with `force`; a directory gets a dated file
inside it. The source is `quick_check`ed first, so a damaged database is reported instead of copied.
The copy is written to `<target>.partial` and renamed, so a failed copy never sits under the target name.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
import urllib.parse
from pathlib import Path

from bot.files import create_private, private_folder
from bot.storage.database import load_migrations, schema_problem
from bot.storage.errors import DatabaseUnusable, classify, describe_sqlite_error

__all__ = ["BackupRefused", "backup_database", "backup_postgres", "backup_target"]

_COMPANIONS = ("", "-wal", "-shm", "-journal")
_BUSY_TIMEOUT_S = 5.0


class BackupRefused(ValueError):
    """The target cannot be used for a backup; the message says why and what to do."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def backup_target(database: Path, target: Path, *, force: bool = False) -> Path:
    """The file a backup of `database` to `target` writes, or `BackupRefused` saying why not."""
    source = database.resolve()
    target = target.expanduser()
    if target.is_dir():
        target = target / f"{source.stem}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}{source.suffix or '.db'}"
    resolved = target.resolve()
    for suffix in _COMPANIONS:
        live = Path(str(source) + suffix)
        for candidate in (resolved, Path(str(resolved) + ".partial")):
            if candidate == live or _same_file(candidate, live):
                what = "the database itself" if not suffix else f"the database's {suffix} file"
                raise BackupRefused(f"{target} is {what} ({source}); back up to another file")
    if target.exists() and not force:
        raise BackupRefused(f"{target} already exists; choose a new file or pass --force to replace it")
    if target.exists() and not target.is_file():
        raise BackupRefused(f"{target} is not a regular file")
    return target


def backup_database(database: Path, target: Path, *, force: bool = False, migrations_dir: Path | None = None) -> Path:
    """Check `database` and copy it to `backup_target(database, target, force)`. Returns the file written.

    Blocking: run it in a thread. Raises `BackupRefused`, `DatabaseUnusable` (damaged, newer schema) or
    `StorageUnavailable`/`OSError` (cannot read the source or write the target).
    """
    if not database.is_file():
        raise DatabaseUnusable(f"no database at {database} (DATABASE_PATH); nothing to back up")
    destination = backup_target(database, target, force=force)
    private_folder(destination.parent)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)  # a leftover from a crash would keep its own mode
    create_private(partial)  # a backup holds people's comments: owner-only
    uri = "file:" + urllib.parse.quote(str(database.resolve())) + "?mode=ro"
    try:
        src = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_S)
        try:
            problems = [str(r[0]) for r in src.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                raise DatabaseUnusable(f"{database} is damaged ({'; '.join(problems)[:300]}); not backed up: "
                                       "restore an earlier backup (README: backup and restore)")
            version = max(src.execute("PRAGMA user_version").fetchone()[0], _migrated_version(src))
            known = max((m.version for m in load_migrations(migrations_dir)), default=0)
            problem = schema_problem(database, version, known)
            if problem is not None:
                raise DatabaseUnusable(problem)
            _copy(src, partial, destination)
        finally:
            src.close()
        partial.replace(destination)  # never leave a half-written backup under the requested name
    except sqlite3.Error as exc:
        if classify(exc) == "data":
            raise
        raise DatabaseUnusable(f"cannot back up {database}: {describe_sqlite_error(exc)}") from None
    finally:
        partial.unlink(missing_ok=True)
    return destination


def _copy(src: sqlite3.Connection, partial: Path, destination: Path) -> None:
    try:
        dst = sqlite3.connect(partial)
    except sqlite3.Error as exc:
        raise BackupRefused(f"cannot write {destination}: {describe_sqlite_error(exc)}") from None
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_READONLY")):
            raise BackupRefused(f"cannot write {destination}: {describe_sqlite_error(exc)}") from None
        raise
    finally:
        dst.close()


def _migrated_version(conn: sqlite3.Connection) -> int:
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone():
        return int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])
    return 0


def backup_postgres(url: str, target: Path, *, force: bool = False) -> Path:
    """`pg_dump` of the PostgreSQL database at `url` to `target` (custom format, for `pg_restore`).

    Blocking: run it in a thread. PostgreSQL's own dump is the right tool (a consistent snapshot, restorable
    into any newer server); without it installed, say how else to get a copy.
    """
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupRefused("pg_dump is not installed here: install the PostgreSQL client tools (Debian: "
                            "postgresql-client), use your host's backups, or copy the data into an SQLite file "
                            "with `newsdesk db copy DATABASE_URL sqlite:///backup.db`")
    target = target.expanduser()
    if target.is_dir():
        target = target / f"newsdesk-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.dump"
    if target.exists() and not force:
        raise BackupRefused(f"{target} already exists; choose a new file or pass --force to replace it")
    private_folder(target.parent)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    try:
        done = subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={url}"],
                              capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise BackupRefused(f"pg_dump failed: {reason}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target
