"""Files that hold users' data (the database, its backups, exports) are created readable by their owner only.

Only what Newsdesk creates gets these modes: an existing file or folder keeps the ones its owner chose.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["FILE_MODE", "FOLDER_MODE", "create_private", "private_folder", "write_private"]

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> None:
    """Create `path` and any missing parents as 0700 folders (existing ones are left as they are)."""
    missing = []
    current = Path(path)
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made meanwhile by another process
            pass


def create_private(path: Path) -> None:
    """Create `path` empty as a 0600 file unless it exists (then it is left untouched)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path`, a new file being created 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
