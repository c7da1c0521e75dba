"""The comment fast path's one reliance on discord.py internals: its MESSAGE_CREATE parser, tapped.

discord.py turns every MESSAGE_CREATE into Message, Member and User objects, caches the message and starts
a task for on_message: most of the cost of an event. `MessageCreateTap` lets a handler see the raw payload
first and take it (skipping all of that) or pass it on to discord.py's own parser unchanged.

It relies on `Client._connection` (a `discord.state.ConnectionState`) and its `parsers` dict, which maps
"MESSAGE_CREATE" to the bound `ConnectionState.parse_message_create(data)`. These are private: when a
discord.py release changes them, `parsers_of` raises `DiscordInternalsChanged` saying what is gone, the bot
logs it and records comments through the slower on_message path, and tests/test_gateway_tap.py fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import discord

__all__ = ["DiscordInternalsChanged", "MessageCreateTap", "parsers_of"]

log = logging.getLogger(__name__)
EVENT = "MESSAGE_CREATE"
Parser = Callable[[dict[str, Any]], None]


class DiscordInternalsChanged(RuntimeError):
    """discord.py no longer has the internals the comment fast path relies on."""


def parsers_of(client: discord.Client) -> dict[str, Parser]:
    """discord.py's table of gateway event parsers for `client`. Raises DiscordInternalsChanged."""
    state = getattr(client, "_connection", None)
    parsers = getattr(state, "parsers", None)
    if not isinstance(parsers, dict) or not callable(parsers.get(EVENT)):
        raise DiscordInternalsChanged(
            f"discord.py {discord.__version__} has no Client._connection.parsers[{EVENT!r}] (the bound "
            "ConnectionState.parse_message_create) that cogs/support/gateway_tap.py replaces; adapt that module "
            "to this discord.py, or pin the version it was written for")
    return parsers


class MessageCreateTap:
    """Offers every MESSAGE_CREATE payload to `take` before discord.py parses it. `take` returns True when
    it handled the message (discord.py then never sees it: no on_message, not in the message cache)."""

    def __init__(self, client: discord.Client, take: Callable[[dict[str, Any]], bool]) -> None:
        self._client = client
        self._take = take
        self._parsers: dict[str, Parser] | None = None
        self._original: Parser | None = None

    @property
    def installed(self) -> bool:
        return self._parsers is not None

    def install(self) -> bool:
        """Put the tap in place. Returns False (and logs why) when discord.py's internals changed."""
        if self._parsers is not None:
            return True
        try:
            parsers = parsers_of(self._client)
        except DiscordInternalsChanged as exc:
            log.warning("comment fast path off, comments go through on_message: %s", exc)
            return False
        original = parsers[EVENT]
        take = self._take

        def parse_message_create(data: dict[str, Any]) -> None:
            try:
                if take(data):
                    return
            except (KeyError, TypeError, ValueError):
                log.warning("unexpected %s payload; using discord.py's parser", EVENT, exc_info=True)
            original(data)

        parsers[EVENT] = parse_message_create
        self._parsers, self._original = parsers, original
        return True

    def remove(self) -> None:
        """Give discord.py its parser back."""
        if self._parsers is not None and self._original is not None:
            self._parsers[EVENT] = self._original
        self._parsers = self._original = None
