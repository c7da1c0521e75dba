"""Serving the web dashboard on the composition root's services: in its own process (`newsdesk web`), inside
`newsdesk run` (WEB_PORT) and in `newsdesk sandbox --web`."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from aiohttp import web as aioweb

from bot.config import Secret, Settings
from bot.errors import CliError
from bot.services import Services
from cogs.moderation.modlog import ModLogChannel
from cogs.support.channels import GuildChannels
from cogs.support.rest import DiscordRest, rest_only_client
from web.app import WebConfig, build_app
from web.ports import DiscordPort

__all__ = ["demo_dashboard", "discord_for_dashboard", "serve_dashboard", "until_interrupted", "web_config"]


def web_config(settings: Settings, port: int, *, secret_key: str | None = None) -> WebConfig:
    """The dashboard's settings, or a CliError naming what is missing and where to find it."""
    missing = [name for name, value in (("DISCORD_CLIENT_ID", settings.discord_client_id),
                                        ("DISCORD_CLIENT_SECRET", settings.discord_client_secret)) if not value]
    if missing:
        raise CliError(f"the dashboard needs {' and '.join(missing)}: copy them from your application's OAuth2 page "
                       "(https://discord.com/developers/applications) and add "
                       f"{(settings.web_base_url or f'http://{settings.web_host}:{port}')}/callback as a redirect")
    key = secret_key or (settings.web_secret_key.reveal() if settings.web_secret_key else None)
    if not key:
        raise CliError("the dashboard needs WEB_SECRET_KEY (it signs session cookies; use the same value in every "
                       "process), for example the output of: python -c \"import secrets; print(secrets.token_urlsafe(32))\"")
    assert settings.discord_client_secret is not None
    return WebConfig(base_url=settings.web_base_url or f"http://{settings.web_host}:{port}",
                     client_id=str(settings.discord_client_id), client_secret=settings.discord_client_secret.reveal(),
                     secret_key=key, discord_api_base=settings.discord_api_base)


@contextlib.asynccontextmanager
async def serve_dashboard(services: Services, settings: Settings, port: int, *, secret_key: str | None = None,
                          discord: DiscordPort | None = None) -> AsyncIterator[str]:
    """Serve the dashboard on WEB_HOST:`port` (0: any free port) until the block ends; yields its URL."""
    # Bind first: with port 0 the login redirect must name the port the system picked.
    sock = socket.socket(socket.AF_INET6 if ":" in settings.web_host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.web_host, port))
    except OSError as exc:
        sock.close()
        raise CliError(f"cannot listen on {settings.web_host}:{port}: {exc.strerror or exc}") from None
    try:
        config = web_config(settings, sock.getsockname()[1], secret_key=secret_key)
    except CliError:
        sock.close()
        raise
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http:
        runner = aioweb.AppRunner(build_app(services, config, http, discord), access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await aioweb.SockSite(runner, sock).start()
            yield config.base_url.rstrip("/")
        finally:
            await runner.cleanup()




@contextlib.asynccontextmanager
async def discord_for_dashboard(services: Services, settings: Settings) -> AsyncIterator[DiscordPort | None]:
    """Discord for a dashboard in its own process: a REST-only client with the bot token (no gateway), and the
    mod-log echo of the actions taken here (the bot's own process echoes only what it records itself).
    None without DISCORD_TOKEN: the pages still read, but nothing that needs Discord can be done."""
    if settings.discord_token is None:
        yield None
        return
    async with rest_only_client(settings) as client:
        modlog = ModLogChannel(client, GuildChannels(client, services.guild_settings))
        modlog.start()
        services.moderation.on_record(modlog.post)
        try:
            yield DiscordRest(client)
        finally:
            services.moderation.forget_sink(modlog.post)
            await modlog.stop()


async def until_interrupted() -> None:
    """Wait for Ctrl-C or SIGTERM (then return normally: the caller shuts down cleanly)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
    try:
        await stopping.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)


def demo_dashboard(port: int = 0, *, wait: Callable[[], Awaitable[None]] = until_interrupted
                   ) -> Callable[[Any, Any], Awaitable[None]]:
    """`newsdesk sandbox --web`: serve the dashboard on the sandbox's services, logging in through the
    emulator's consent page, until `wait` returns. (The stage and transcript are the demo's; typed loosely
    because the application does not import the demo at module level.)"""

    async def linger(stage: Any, transcript: Any) -> None:
        emu = stage.emu
        settings = stage.settings().replace(
            discord_client_id=emu.world.application_id, discord_client_secret=Secret(emu.oauth.client_secret),
            web_host="127.0.0.1", web_base_url=None)
        async with serve_dashboard(stage.services, settings, port, secret_key=secrets.token_urlsafe(32),
                                   discord=DiscordRest(stage.bot)) as url:
            transcript.heading("Web dashboard")
            transcript.line(f"Dashboard: {url}/")
            transcript.line("  Log in with Discord, then click \"Authorize as mod\" (the demo moderator). Ctrl-C stops.")
            await wait()

    return linger
