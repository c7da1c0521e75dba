"""`newsdesk emulator [--port P]`: run the local Discord emulator with a demo guild and print the settings
that point a bot at it."""

from __future__ import annotations

import argparse
from typing import Any

from bot.config import Settings

__all__ = ["register"]


async def _emulator(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import CliError
    from bot.sandbox.standalone import serve_forever

    if not 0 <= args.port <= 65535:
        raise CliError(f"--port {args.port} is not a TCP port (0-65535; 0 picks a free one)")
    try:
        await serve_forever(args.host, args.port)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("emulator", help="run a local Discord emulator (no token, no internet)")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free port)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; the /_emulator control API has no auth)")
    parser.set_defaults(handler=_emulator)
