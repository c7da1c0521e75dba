"""Shared helpers for the feeds-net tests: settings, a fake 'internet' backend.

The fake backend only rewrites which IP a socket is opened to (a public-looking IP -> 127.0.0.1), so the
SSRF guard can be tested with the guard ON against real servers on loopback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpcore

from bot.config import Settings, load_settings
from tests.loopback import serve

__all__ = ["FakeInternet", "make_settings", "serve"]  # serve: tests.loopback, re-exported


def make_settings(**overrides: Any) -> Settings:
    env = {
        "NEWSDESK_ALLOW_PRIVATE_NETWORKS": "true",
        "HTTP_CONNECT_TIMEOUT": "2",
        "HTTP_READ_TIMEOUT": "2",
        "HTTP_TOTAL_TIMEOUT": "5",
        "CONTACT_URL": "https://example.org/newsdesk-contact",
    }
    return load_settings(environ=env, env_file=None).replace(**overrides)


class FakeInternet(httpcore.AsyncNetworkBackend):
    """Opens sockets to 127.0.0.1 for the 'public' IPs in `routes`; records every IP it was asked for."""

    def __init__(self, routes: dict[str, str]) -> None:
        self.routes = routes
        self.connected: list[str] = []
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,  # noqa: ASYNC109
                          local_address: str | None = None, socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        self.connected.append(host)
        return await self._inner.connect_tcp(self.routes.get(host, host), port, timeout=timeout,
                                             local_address=local_address, socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def static_resolver(table: dict[str, list[str]]) -> Callable[[str, int], Awaitable[list[str]]]:
    async def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


__all__ += ["static_resolver"]
