"""Export a guild's (or one article's) discussion: threaded structure, revisions and reactions."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

from bot.storage.exports import ExportStore

__all__ = ["EXPORT_FORMATS", "CommentExporter"]

EXPORT_FORMATS = ("json", "csv")
CSV_COLUMNS = [
    "message_id", "article_id", "article_title", "thread_id", "parent_id", "author_id", "author_name",
    "content", "status", "created_at", "edited_at", "deleted_at", "removed_reason", "revisions", "reactions",
]


class CommentExporter:
    def __init__(self, store: ExportStore) -> None:
        self._store = store

    async def collect(self, guild_id: int, article_id: int | None = None) -> dict[str, Any]:
        comments, revisions, reactions = await self._store.discussion(guild_id, article_id)
        for c in comments:
            c["attachments"] = json.loads(c["attachments"])
            c["revisions"] = revisions.get(c["message_id"], [])
            c["reactions"] = reactions.get(c["message_id"], [])
        return {"guild_id": guild_id, "article_id": article_id, "comments": comments}

    async def export(self, guild_id: int, fmt: str, article_id: int | None = None) -> bytes:
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}")
        data = await self.collect(guild_id, article_id)
        # Encoding a large guild's discussion takes a while: off the event loop, so the bot keeps answering.
        return await asyncio.to_thread(_encode, data, fmt)


def _encode(data: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2).encode()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for c in data["comments"]:
        writer.writerow({**c, "revisions": json.dumps(c["revisions"], ensure_ascii=False),
                         "reactions": json.dumps(c["reactions"], ensure_ascii=False)})
    return out.getvalue().encode()
