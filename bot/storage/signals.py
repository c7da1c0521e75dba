"""Wake-ups between processes sharing one database: PostgreSQL's LISTEN/NOTIFY behind two small calls.

A feed worker that stored new stories says so on `STORIES`; every gateway process listens and runs a
publishing pass at once instead of at its next interval. A gateway where someone added or resumed a feed
says so on `FEEDS`; feed workers listen and run a cycle. A notification carries no data: the rows are the
truth, a wake-up only says "look now", so a lost one costs at most one interval. On SQLite (one process)
both calls do nothing: the in-process wake-ups (`EventRelay`, `FeedScheduler.wake`) already cover it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.storage.database import Database
from bot.storage.postgres import PostgresDatabase

__all__ = ["FEEDS", "NOTICES", "STORIES", "ClusterSignals"]

log = logging.getLogger(__name__)
STORIES = "newsdesk_stories"  # stories were stored: publishers, look at the outbox
FEEDS = "newsdesk_feeds"      # a feed was added or resumed: feed workers, run a cycle
NOTICES = "newsdesk_notices"  # a feed worker's feed-health event (JSON) for the gateways' admin notices


class ClusterSignals:
    def __init__(self, db: Database) -> None:
        self._db = db if isinstance(db, PostgresDatabase) else None  # None: SQLite, one process
        self._sending: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._texts: set[asyncio.Task[None]] = set()

    @property
    def shared(self) -> bool:
        """Whether other processes can hear (PostgreSQL)."""
        return self._db is not None

    async def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """Call `callback()` whenever any process signals `channel` (nothing on SQLite)."""
        if self._db is not None:
            await self._db.listen(channel, lambda _payload: callback())

    async def listen_text(self, channel: str, callback: Callable[[str], None]) -> None:
        """Call `callback(payload)` for every message sent on `channel` (nothing on SQLite)."""
        if self._db is not None:
            await self._db.listen(channel, callback)

    def send(self, channel: str, payload: str) -> None:
        """Send `payload` to the listeners of `channel` in every process, soon, not coalesced. Never raises;
        nothing on SQLite."""
        if self._db is not None:
            task = asyncio.create_task(self._send_text(channel, payload), name=f"newsdesk-notify-{channel}")
            self._texts.add(task)
            task.add_done_callback(self._texts.discard)

    async def _send_text(self, channel: str, payload: str) -> None:
        try:
            assert self._db is not None
            await self._db.notify(channel, payload)
        except Exception as exc:
            log.warning("could not send a %s message: %s", channel, exc)

    def signal(self, channel: str) -> None:
        """Tell the listeners of `channel` in every process, soon (coalesced: a burst of signals while one
        is being sent becomes one more). Never raises; nothing on SQLite."""
        if self._db is None:
            return
        task = self._sending.get(channel)
        if task is not None and not task.done():
            self._again.add(channel)
            return
        self._sending[channel] = asyncio.create_task(self._send(channel), name=f"newsdesk-notify-{channel}")

    async def _send(self, channel: str) -> None:
        while True:
            self._again.discard(channel)
            try:
                assert self._db is not None
                await self._db.notify(channel)
            except Exception as exc:  # the receivers' next interval covers a lost wake-up
                log.warning("could not send the %s wake-up: %s", channel, exc)
            if channel not in self._again:
                return

    async def aclose(self) -> None:
        """Let the signals being sent finish (call before closing the database)."""
        for task in [*self._sending.values(), *self._texts]:
            with contextlib.suppress(Exception):
                await task
        self._sending.clear()
