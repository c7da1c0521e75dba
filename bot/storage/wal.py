"""Noticing that a running database's -wal file was deleted, before it costs committed writes.

A connection keeps writing into the -wal file it opened, even after someone deletes it: the commits succeed,
but the next connection (an export, a backup, the next start) opens a new, empty -wal and never sees them.
Each connection that writes checks, after committing, that the -wal file at the database's path is still
the one it opened. While it is not, the connection checkpoints after every commit
(`PRAGMA wal_checkpoint(TRUNCATE)`): the orphaned file is still readable through it, so what was committed
reaches the database file at once and no committed write is lost. The first time, it says so once with what
to do (restart, so that the process writes to a -wal file others can see again).
"""

from __future__ import annotations

import logging
import os

__all__ = ["CHECKPOINT", "WalWatch"]

log = logging.getLogger(__name__)

CHECKPOINT = "PRAGMA wal_checkpoint(TRUNCATE)"


class WalWatch:
    """One connection's view of `<database>-wal`: call `check()` after each commit."""

    def __init__(self, database_path: str) -> None:
        self._path = database_path + "-wal"
        self._inode: int | None = None
        self.orphaned = False

    def check(self) -> bool:
        """True when the -wal file this connection writes to is no longer the one at the path: checkpoint."""
        try:
            inode: int | None = os.stat(self._path).st_ino
        except FileNotFoundError:
            inode = None
        if self._inode is None:  # the -wal file appears with the first write
            self._inode = inode
            return False
        if inode == self._inode:
            return False
        if not self.orphaned:
            self.orphaned = True
            log.error("the database's -wal file %s was deleted or replaced while the bot was writing: every write "
                      "is now copied into the database file at once (slower); restart the bot soon, and never "
                      "delete the -wal/-shm files of a running database", self._path)
        return True
