"""Cached summaries: one JSON result per (article, method, length, style) in the `summaries` table."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.storage.database import Database

__all__ = ["SummaryStore"]


class SummaryStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, article_id: int, method: str, length: str, style: str) -> dict[str, Any] | None:
        """The cached result's JSON object, or None (also when the stored JSON is unreadable)."""
        raw = await self._db.fetchval(
            "SELECT result FROM summaries WHERE article_id = ? AND method = ? AND length = ? AND style = ?",
            (article_id, method, length, style),
        )
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    async def put(self, article_id: int, method: str, length: str, style: str, result: dict[str, Any]) -> None:
        """Store (or replace) the result for this key."""
        await self._db.execute(
            "INSERT INTO summaries (article_id, method, length, style, result, created_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (article_id, method, length, style) DO UPDATE SET"
            " result = excluded.result, created_at = excluded.created_at",
            (article_id, method, length, style, json.dumps(result, ensure_ascii=False), time.time()),
        )

    async def delete_article(self, article_id: int) -> int:
        """Forget every cached summary of an article (e.g. after its text changed). Returns rows deleted."""
        return await self._db.execute_rowcount("DELETE FROM summaries WHERE article_id = ?", (article_id,))
