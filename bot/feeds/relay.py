"""Fan-out of feed events to whoever listens (the publisher, tests), decoupling the scheduler from them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.feeds.events import FeedEvent

__all__ = ["EventRelay"]

log = logging.getLogger(__name__)
Listener = Callable[[FeedEvent], Awaitable[None]]


class EventRelay:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def forget(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    async def __call__(self, event: FeedEvent) -> None:
        for listener in list(self._listeners):
            try:
                await listener(event)
            except Exception:
                log.exception("feed %s: event listener failed for %s", getattr(event, "feed_id", "-"),
                              type(event).__name__)
