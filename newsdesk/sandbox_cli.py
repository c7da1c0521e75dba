"""`newsdesk sandbox` and `newsdesk emulator`: the tools beside the product, reached only from here.

The emulator (`emulator/`) and the demo (`demo/`) are imported inside the handlers, so no other subcommand
(`--version`, `run`, `export`, ...) pays for loading them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.errors import CliError

__all__ = ["register"]


async def _emulator(args: argparse.Namespace, settings: Settings) -> int:
    from emulator.standalone import serve_forever

    if not 0 <= args.port <= 65535:
        raise CliError(f"--port {args.port} is not a TCP port (0-65535; 0 picks a free one)")
    try:
        await serve_forever(args.host, args.port)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return 0


async def _sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from demo.walkthrough import WalkthroughError, run_sandbox, start_fresh
    from newsdesk.app import launch_bot
    from newsdesk.dashboard import demo_dashboard

    if args.db is not None:
        db_path = Path(args.db).expanduser().resolve()
        if db_path.is_dir():
            raise CliError(f"--db {args.db} is a directory; give a file path such as {db_path / 'sandbox.db'}")
        try:
            if start_fresh(db_path):
                print(f"--db {args.db}: replaced the previous sandbox run's database (every run starts fresh)")
        except ValueError as exc:
            raise CliError(f"--db {args.db} exists and {exc}; the sandbox starts from an empty database: "
                           "give a new file name") from None
    else:
        # Kept after the run so the database can be inspected; the system cleans its temp folder eventually.
        db_path = Path(tempfile.mkdtemp(prefix="newsdesk-sandbox-")) / "newsdesk.db"
    try:
        return await run_sandbox(settings, db_path, sys.stdout, launch_bot, interactive=args.interactive,
                                 linger=demo_dashboard(args.web_port) if args.web else None)
    except WalkthroughError as exc:
        raise CliError(f"the walkthrough failed at {exc}", code=1) from None
    except TimeoutError as exc:
        raise CliError(f"the sandbox timed out: {exc}", code=1) from None


def register(subparsers: Any) -> None:
    sandbox = subparsers.add_parser(
        "sandbox", help="try the whole bot locally: a scripted walkthrough against a local Discord emulator",
        description="Start a local Discord emulator with a demo server, a demo news feed and the real bot, and "
                    "play a scripted walkthrough. No Discord account or token is needed.")
    sandbox.add_argument("--db", help="database file to use (default: a new one in a temporary folder)")
    sandbox.add_argument("--interactive", action="store_true",
                         help="after the walkthrough, act as a reader or the moderator from the terminal")
    sandbox.add_argument("--web", action="store_true",
                         help="after the walkthrough, keep everything running and serve the web dashboard "
                              "(log in as the demo moderator with one click) until Ctrl-C")
    sandbox.add_argument("--web-port", type=int, default=0, help="port for --web (default: any free port)")
    sandbox.set_defaults(handler=_sandbox)

    emulator = subparsers.add_parser("emulator", help="run a local Discord emulator (no token, no internet)")
    emulator.add_argument("--port", type=int, default=0, help="TCP port (default: any free port)")
    emulator.add_argument("--host", default="127.0.0.1",
                          help="address to listen on (default 127.0.0.1; the /_emulator control API has no auth)")
    emulator.set_defaults(handler=_emulator)
