"""COMMENT_RETENTION_DAYS, enforced: the text of deleted comments is blanked once it is older than that.

A deleted (or moderator-removed) comment keeps its text for moderators for a while; after the retention
window its text, attachments and edit history are erased and only the row (ids, times, status) stays, so
reply trees keep their shape. Runs at start-up and then every few hours; the purge is idempotent.
The same sweep drops bookkeeping records older than RECORD_DAYS: why a feed item was or was not posted
(deliveries) and which story an article joined (well past any story window).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from bot.background import BackgroundTask
from bot.storage.comments import CommentStore
from bot.storage.deliveries import KEEP_DAYS

__all__ = ["RetentionSweeper"]

log = logging.getLogger(__name__)
SWEEP_EVERY_SECONDS = 6 * 3600.0
RECORD_DAYS = KEEP_DAYS
# Deletes a kind of record older than the time it is given; returns how many went.
Prune = Callable[[float], Awaitable[int]]


class RetentionSweeper:
    def __init__(self, comments: CommentStore, retention_days: int, *, records: Sequence[Prune] = (),
                 clock: Callable[[], float] = time.time, every: float = SWEEP_EVERY_SECONDS) -> None:
        self._comments = comments
        self._records = tuple(records)
        self._retention = retention_days * 86400.0
        self._clock = clock
        self._background = BackgroundTask("newsdesk-retention", self._step, every=every)

    async def sweep(self, now: float | None = None) -> int:
        """Blank deleted comments older than the window (as of `now`). Returns how many were blanked."""
        now = self._clock() if now is None else now
        blanked = await self._comments.purge_deleted_text(now - self._retention)
        if blanked:
            log.info("retention: blanked the text of %d deleted comments", blanked)
        for prune in self._records:
            await prune(now - RECORD_DAYS * 86400)
        return blanked

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()

    async def _step(self) -> None:
        await self.sweep()
