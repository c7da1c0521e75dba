"""Helpers shared by the comments and moderation end-to-end tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from emulator import Channel, Message
from tests.newsdesk_harness import Newsroom

__all__ = ["db_rows", "eventually", "integer_columns", "story_thread"]

T = TypeVar("T")


async def story_thread(room: Newsroom, slug: str = "transit", title: str = "Council approves transit plan",
                       subscribe: bool = True) -> tuple[Channel, Message]:
    """Follow the loopback feed in #news (unless already), publish one story; returns its thread and post."""
    if subscribe:
        rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
        assert "Following" in rec.content, rec.content
    room.feeds.add(slug, title, "The city council approved a new transit plan on Tuesday.")
    assert (await room.publish_pass())[0] == 1
    post = next(m for m in room.emu.bot_messages(room.news) if m.thread_id is not None
                and m.embeds and m.embeds[0]["url"].endswith(slug))
    thread = next(t for t in room.emu.threads(room.news) if t.id == post.thread_id)
    return thread, post


async def eventually(room: Newsroom, check: Callable[[], Awaitable[T]], within: float = 5.0,
                     what: str = "condition") -> T:
    """Flush the bot's write-behind buffer and poll `check` until it returns something truthy."""
    deadline = time.monotonic() + within
    while True:
        assert room.services is not None
        await room.svc.stores.writer.flush()
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value {value!r}")
        await asyncio.sleep(0.02)


async def integer_columns(room: Newsroom) -> list[tuple[str, str]]:
    """(table, column) of every integer column of the bot's database, on either engine."""
    if room.svc.stores.db.dialect == "postgresql":
        return [(c["table_name"], c["column_name"]) for c in await db_rows(
            room, "SELECT table_name, column_name FROM information_schema.columns"
                  " WHERE table_schema = current_schema() AND data_type = 'bigint' ORDER BY 1, 2")]
    return [(t["name"], col["name"])
            for t in await db_rows(room, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
            for col in await db_rows(room, f"PRAGMA table_info({t['name']})")
            if "INT" in (col["type"] or "").upper()]


async def db_rows(room: Newsroom, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    assert room.services is not None
    await room.svc.stores.writer.flush()
    return [dict(r) for r in await room.svc.stores.db.fetchall(sql, params)]
