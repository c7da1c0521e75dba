"""Point discord.py at a Discord-compatible server (the real one, or the local emulator).

discord.py keeps its REST base (`discord.http.Route.BASE`) and gateway URL
(`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`) in process-wide class attributes. This is the one place
that sets them — from `Settings.discord_api_base` / `Settings.discord_gateway_url` — and restores them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import discord.gateway
import discord.http
import yarl

from bot.config import Settings

__all__ = [
    "Endpoints",
    "apply_endpoints",
    "current_endpoints",
    "discord_endpoints",
    "restore_endpoints",
    "settings_endpoints",
]


@dataclass(frozen=True)
class Endpoints:
    api_base: str
    gateway_url: str


def current_endpoints() -> Endpoints:
    return Endpoints(discord.http.Route.BASE, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY))


def apply_endpoints(api_base: str, gateway_url: str) -> Endpoints:
    """Set both endpoints; returns the previous ones for `restore_endpoints`."""
    previous = current_endpoints()
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    return previous


def restore_endpoints(previous: Endpoints) -> None:
    discord.http.Route.BASE = previous.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(previous.gateway_url)


@contextmanager
def discord_endpoints(api_base: str, gateway_url: str) -> Iterator[Endpoints]:
    """`with discord_endpoints(settings.discord_api_base, settings.discord_gateway_url): ...` — restored on exit."""
    previous = apply_endpoints(api_base, gateway_url)
    try:
        yield Endpoints(api_base.rstrip("/"), gateway_url)
    finally:
        restore_endpoints(previous)


def settings_endpoints(settings: Settings) -> AbstractContextManager[Endpoints]:
    """The endpoints named by `DISCORD_API_BASE` / `DISCORD_GATEWAY_URL` for the duration of a `with`."""
    return discord_endpoints(settings.discord_api_base, settings.discord_gateway_url)
