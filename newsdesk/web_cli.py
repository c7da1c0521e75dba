"""`newsdesk web`: the dashboard in its own process (any number of them, on one database)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.config import Settings

__all__ = ["register"]

DEFAULT_PORT = 8080


async def _web(args: argparse.Namespace, settings: Settings) -> int:
    from newsdesk.app import open_services
    from newsdesk.dashboard import discord_for_dashboard, serve_dashboard, until_interrupted, web_config

    port = args.port if args.port is not None else settings.web_port or DEFAULT_PORT
    web_config(settings, port)  # fail before opening anything
    async with open_services(settings) as services, discord_for_dashboard(services, settings) as discord, \
            serve_dashboard(services, settings, port, discord=discord) as url:
        print(f"Dashboard: {url}/", flush=True)
        await until_interrupted()
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("web", help="serve the web dashboard (Login with Discord) on WEB_HOST:WEB_PORT")
    parser.add_argument("--port", type=int, default=None, help=f"TCP port (default WEB_PORT, else {DEFAULT_PORT}; 0 picks a free one)")
    parser.set_defaults(handler=_web)
