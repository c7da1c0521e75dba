"""The `newsdesk` command line.

Core subcommands (`run`, `db`) live here; feature packages add theirs through a `register(subparsers)`
function listed in `_EXTENSIONS`, so this file does not grow with every feature.
Handlers return an exit code; expected failures raise `CliError`, which is printed as one line.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import __version__
from bot.config import Settings, SettingsError, load_settings
from bot.errors import CliError
from bot.logs import redact

__all__ = ["build_parser", "main"]

# Modules that contribute subcommands: each has `register(subparsers) -> None`.
_EXTENSIONS: tuple[str, ...] = (
    "bot.feeds.cli",
    "bot.summarize.cli",
    "newsdesk.sandbox_cli",
    "bot.permissions",
    "bot.comments.cli",
    "bot.stories.cli",
)


NO_TOKEN_MESSAGE = (
    "DISCORD_TOKEN is not set. Create an application and bot at https://discord.com/developers/applications, "
    "copy the bot token into DISCORD_TOKEN (in the environment or .env), or try everything locally with "
    "no token: `newsdesk sandbox`."
)


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.discord_token is None:
        raise CliError(NO_TOKEN_MESSAGE)
    from cogs.client import explain_startup_error
    from newsdesk.app import run_bot  # imported late: it pulls in discord.py

    try:
        await run_bot(settings)
    except Exception as exc:
        message = explain_startup_error(exc)
        if message is None:
            raise
        raise CliError(message) from None
    return 0


async def _db_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.database import Database

    db = await Database.open(settings.database_path, migrate=False)
    try:
        applied = await db.migrate()
        version = await db.schema_version()
    finally:
        await db.close()
    if applied:
        print(f"applied migrations {', '.join(map(str, applied))}; schema version {version} at {settings.database_path}")
    else:
        print(f"schema is up to date (version {version}) at {settings.database_path}")
    return 0


async def _db_backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.database import Database

    if not Path(settings.database_path).exists():
        raise CliError(f"no database at {settings.database_path} (DATABASE_PATH); nothing to back up")
    db = await Database.open(settings.database_path)
    try:
        await db.backup(Path(args.path))
    finally:
        await db.close()
    print(f"backed up {settings.database_path} to {args.path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description="Newsdesk: news feeds to Discord posts, summaries, threaded comments and moderation.",
    )
    parser.add_argument("--version", action="version", version=f"newsdesk {__version__}")
    parser.add_argument("--env-file", default=".env", help="settings file read before the environment (default .env)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="start the bot (needs DISCORD_TOKEN)")
    run.set_defaults(handler=_run)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    migrate = db_sub.add_parser("migrate", help="apply pending schema migrations at DATABASE_PATH")
    migrate.set_defaults(handler=_db_migrate)
    backup = db_sub.add_parser("backup", help="copy the database with SQLite's online backup API")
    backup.add_argument("path", help="destination file")
    backup.set_defaults(handler=_db_backup)
    db.set_defaults(handler=None, help_parser=db)

    for module_name in _EXTENSIONS:
        importlib.import_module(module_name).register(sub)
    return parser


def _configure_logging(settings: Settings) -> None:
    from bot.logs import configure_logging, register_secret

    configure_logging(settings.log_level)
    # Before any subcommand runs: whatever it does, its logs and errors never show these.
    for secret in (settings.discord_token, settings.llm_api_key):
        if secret:
            register_secret(secret.reveal())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Any = getattr(args, "handler", None)
    if handler is None:
        (getattr(args, "help_parser", None) or parser).print_help()
        return 2
    try:
        settings = load_settings(env_file=args.env_file)
        _configure_logging(settings)
        result = handler(args, settings)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except (CliError, SettingsError) as exc:
        print(f"newsdesk: {redact(str(exc))}", file=sys.stderr)
        return exc.code if isinstance(exc, CliError) else 2
    except KeyboardInterrupt:
        print("newsdesk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so in one line, keep the traceback for --debug logs
        logging.getLogger("newsdesk").debug("unexpected error", exc_info=True)
        # Exception texts can quote a server's reply, which can quote our credentials: scrub like the logs.
        print(f"newsdesk: unexpected error: {type(exc).__name__}: {redact(str(exc))}", file=sys.stderr)
        return 1
