"""The one way tests run an HTTP server: an aiohttp app on 127.0.0.1, on a free port."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import web

__all__ = ["serve"]


@asynccontextmanager
async def serve(setup: Callable[[web.Application], None] | web.Application, *,
                ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """Run `setup` (an app, or a function that adds routes to a new one); yields 'http(s)://127.0.0.1:PORT'."""
    app = setup if isinstance(setup, web.Application) else web.Application()
    if not isinstance(setup, web.Application):
        setup(app)
    # A short shutdown timeout: stalled test handlers are cut off instead of awaited.
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    server = site._server
    assert server is not None and server.sockets  # type: ignore[attr-defined]
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
