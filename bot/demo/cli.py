"""`newsdesk sandbox [--db PATH] [--interactive]`: the guided local run of the whole bot."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.config import Settings

__all__ = ["register"]


async def _sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import CliError
    from bot.demo.walkthrough import WalkthroughError, run_sandbox

    if args.db is not None:
        db_path = Path(args.db).expanduser().resolve()
        if db_path.is_dir():
            raise CliError(f"--db {args.db} is a directory; give a file path such as {db_path / 'sandbox.db'}")
    else:
        # Kept after the run so the database can be inspected; the system cleans its temp folder eventually.
        db_path = Path(tempfile.mkdtemp(prefix="newsdesk-sandbox-")) / "newsdesk.db"
    try:
        return await run_sandbox(settings, db_path, sys.stdout, interactive=args.interactive)
    except WalkthroughError as exc:
        raise CliError(f"the walkthrough failed at {exc}", code=1) from None
    except TimeoutError as exc:
        raise CliError(f"the sandbox timed out: {exc}", code=1) from None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sandbox", help="try the whole bot locally: a scripted walkthrough against a local Discord emulator",
        description="Start a local Discord emulator with a demo server, a demo news feed and the real bot, and "
                    "play a scripted walkthrough. No Discord account or token is needed.")
    parser.add_argument("--db", help="database file to use (default: a new one in a temporary folder)")
    parser.add_argument("--interactive", action="store_true",
                        help="after the walkthrough, act as a reader or the moderator from the terminal")
    parser.set_defaults(handler=_sandbox)
