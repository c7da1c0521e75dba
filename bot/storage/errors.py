"""What can go wrong with the database, as errors every layer may catch (this module imports no project code).

- `DatabaseUnusable`: the file cannot be used at all (not a database, damaged, a schema from a newer or an
  unknown version). Every command refuses it with one line; nothing retries.
- `StorageUnavailable`: writing fails right now (full disk, read-only file, I/O error, busy for too long).
  Writes are retried; commands tell the user the bot cannot save. A subclass of `sqlite3.OperationalError`,
  so code that already catches SQLite's errors keeps working.
- `ConstraintViolation`: a write broke a constraint (a duplicate, a missing parent row); `kind` says which, the
  same on both engines.
- `MigrationError`: the migrations themselves are wrong (an edited applied migration, a bad file name).
"""

from __future__ import annotations

import sqlite3

__all__ = ["ConstraintViolation", "DatabaseUnusable", "MigrationError", "StorageUnavailable", "classify", "describe_sqlite_error"]


class MigrationError(RuntimeError):
    pass


class DatabaseUnusable(RuntimeError):
    """The database file cannot be used; the message says what is wrong and what to do (one line)."""


class ConstraintViolation(sqlite3.IntegrityError):
    """A write broke a constraint. `kind`: 'unique', 'foreign_key', 'not_null', 'check' or 'other'."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class StorageUnavailable(sqlite3.OperationalError):
    """Writing to the database fails for a reason outside the data (disk, permissions, I/O); retry later."""


# SQLite's primary result codes (https://sqlite.org/rescode.html) by what they mean for us.
_ENVIRONMENT = {3: "permission denied", 5: "the database is busy", 6: "the database is locked",
                8: "the database file is read-only", 10: "disk I/O error", 13: "the disk is full",
                14: "the database file cannot be opened"}
_DAMAGE = {11: "the database file is damaged", 26: "the file is not a SQLite database"}

ADVICE = {
    3: "check the file's permissions",
    5: "another process holds the database; it is retried",
    6: "another process holds the database; it is retried",
    8: "make the database file and its folder writable by the bot",
    10: "check the disk and that nothing deletes the database's -wal/-shm files",
    13: "free disk space",
    14: "check that the folder exists and is writable",
}


def classify(exc: BaseException) -> str:
    """'environment' (retry later), 'damage' (the file is unusable) or 'data' (this write can never succeed)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        primary = code & 0xFF
        if primary in _ENVIRONMENT:
            return "environment"
        if primary in _DAMAGE:
            return "damage"
    if isinstance(exc, sqlite3.OperationalError) and not isinstance(exc, StorageUnavailable):
        text = str(exc)
        if any(word in text for word in ("disk", "readonly", "read-only", "locked", "unable to open")):
            return "environment"
    if isinstance(exc, StorageUnavailable):
        return "environment"
    return "data"


def describe_sqlite_error(exc: BaseException) -> str:
    """A short reason plus what to do, for an environment or damage error."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in _ENVIRONMENT:
        return f"{_said(_ENVIRONMENT[primary], exc)}: {ADVICE[primary]}"
    if primary in _DAMAGE:
        return f"{_said(_DAMAGE[primary], exc)}: restore a backup (README: backup and restore)"
    return str(exc)


def _said(reason: str, exc: BaseException) -> str:
    return reason if str(exc) in (reason, "") else f"{reason} ({exc})"
