"""Key-value facts about this installation, such as the last synced command set."""

from __future__ import annotations

from bot.storage.database import Database

__all__ = ["MetaStore"]


class MetaStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        return await self._db.fetchval("SELECT value FROM meta WHERE key = ?", (key,))

    async def set(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
