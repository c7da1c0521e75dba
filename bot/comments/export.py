"""Export a guild's (or one article's) discussion: threaded structure, revisions and reactions.

Ids are written as strings (Discord ids exceed what JSON readers hold exactly) and times as ISO 8601 UTC,
in JSON and CSV alike; CSV cells that a spreadsheet would run as a formula are written as text.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

from bot.formats import csv_cell, id_text, iso_utc
from bot.storage.exports import ExportStore, GuildComments

__all__ = ["EXPORT_FORMATS", "CommentExporter", "GuildComments"]

EXPORT_FORMATS = ("json", "csv")
CSV_COLUMNS = [
    "message_id", "article_id", "article_title", "thread_id", "parent_id", "author_id", "author_name",
    "content", "status", "created_at", "edited_at", "deleted_at", "removed_reason", "revisions", "reactions",
]
_ID_FIELDS = frozenset({"guild_id", "article_id", "message_id", "thread_id", "parent_id", "author_id",
                        "removed_by", "user_id"})
_TIME_FIELDS = frozenset({"created_at", "edited_at", "deleted_at", "added_at", "removed_at"})


def _portable(row: dict[str, Any]) -> dict[str, Any]:
    """The row with ids as strings and unix times as ISO 8601 UTC."""
    return {key: id_text(value) if key in _ID_FIELDS else iso_utc(value) if key in _TIME_FIELDS else value
            for key, value in row.items()}


class CommentExporter:
    def __init__(self, store: ExportStore) -> None:
        self._store = store

    async def guilds(self) -> list[GuildComments]:
        """Every guild with recorded comments, most comments first."""
        return await self._store.guild_summaries()

    async def collect(self, guild_id: int, article_id: int | None = None) -> dict[str, Any]:
        comments, revisions, reactions = await self._store.discussion(guild_id, article_id)
        for c in comments:
            c["attachments"] = json.loads(c["attachments"])
            c["revisions"] = [_portable(r) for r in revisions.get(c["message_id"], [])]
            c["reactions"] = [_portable(r) for r in reactions.get(c["message_id"], [])]
        return {"guild_id": id_text(guild_id), "article_id": id_text(article_id),
                "comments": [_portable(c) for c in comments]}

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
        row = {**c, "revisions": json.dumps(c["revisions"], ensure_ascii=False),
               "reactions": json.dumps(c["reactions"], ensure_ascii=False)}
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return out.getvalue().encode()
