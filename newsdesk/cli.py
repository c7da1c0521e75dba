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
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import __version__
from bot.config import Settings, SettingsError, load_settings
from bot.errors import CliError
from bot.logs import redact
from bot.storage.errors import DatabaseUnusable, MigrationError, StorageUnavailable

__all__ = ["build_parser", "main"]

# Modules that contribute subcommands: each has `register(subparsers) -> None`.
_EXTENSIONS: tuple[str, ...] = (
    "bot.feeds.cli",
    "bot.summarize.cli",
    "newsdesk.sandbox_cli",
    "newsdesk.web_cli",
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
    from newsdesk.app import FEEDS_ROLE, role_problem, run_bot  # imported late: it pulls in discord.py

    problem = role_problem(settings, args.role)
    if problem is not None:
        raise CliError(problem)
    if settings.discord_token is None and args.role != FEEDS_ROLE:
        raise CliError(NO_TOKEN_MESSAGE)
    from cogs.client import explain_startup_error

    try:
        await run_bot(settings, role=args.role)
    except Exception as exc:
        message = explain_startup_error(exc)
        if message is None:
            raise
        raise CliError(message) from None
    return 0


async def _db_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.database import UNUSED_MIGRATION_VERSIONS, load_migrations, migration_gaps
    from bot.storage.engines import open_database

    db = await open_database(settings.database, migrate=False)
    try:
        await db.check_integrity()
        applied = await db.migrate()
        version = await db.schema_version()
    finally:
        await db.close()
    if applied:
        gaps = [n for n in migration_gaps([m.version for m in load_migrations()]) if min(applied) < n < max(applied)]
        note = "".join(f" (there is no migration {n}: {UNUSED_MIGRATION_VERSIONS.get(n, 'unused number')})"
                       for n in gaps)
        print(f"applied migrations {', '.join(map(str, applied))}{note}; schema version {version} at "
              f"{db.location}")
    else:
        print(f"schema is up to date (version {version}) at {db.location}")
    return 0


async def _db_copy(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.copy import CopyFailed, copy_database
    from bot.storage.database import database_target, redact
    from bot.storage.engines import open_database

    dialect, location = database_target(args.source)
    if dialect == "sqlite" and not Path(location).is_file():
        raise CliError(f"no database at {location} to copy from")

    def progress(table: str, done: int, total: int) -> None:
        print(f"  {table}: {done:,}/{total:,} rows", file=sys.stderr)

    source = await open_database(args.source, read_only=True)
    try:
        destination = await open_database(args.destination)
        try:
            report = await copy_database(source, destination, replace=args.replace, progress=progress)
        except CopyFailed as exc:
            raise CliError(f"not copied: {exc}") from None
        finally:
            await destination.close()
    finally:
        await source.close()
    total = sum(report.rows.values())
    print(f"copied {total:,} rows in {len(report.rows)} tables from {source.location} to "
          f"{redact(args.destination)}; row counts and checksums match")
    return 0


async def _db_backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.backup import BackupRefused, backup_database, backup_postgres

    file = settings.database_file  # None: PostgreSQL, whose own dump tool makes the copy
    try:
        if file is None:
            written = await asyncio.to_thread(backup_postgres, settings.database, Path(args.path), force=args.force)
        else:
            written = await asyncio.to_thread(backup_database, file, Path(args.path), force=args.force)
    except BackupRefused as exc:
        raise CliError(f"not backed up: {exc}") from None
    except OSError as exc:
        raise CliError(f"cannot write the backup {args.path}: {exc.strerror or exc}") from None
    how = " (pg_dump custom format: restore with pg_restore)" if file is None else ""
    print(f"backed up {file if file is not None else settings.database_label} to {written}{how}")
    return 0


async def _health(args: argparse.Namespace, settings: Settings) -> int:
    from bot.health import feed_worker_key, heartbeat_key, judge, read_heartbeat
    from bot.storage.engines import open_database
    from bot.storage.meta import MetaStore

    file = settings.database_file
    if file is not None and not file.exists():
        raise CliError(f"unhealthy: no database at {file} (DATABASE_PATH)", code=1)
    try:
        db = await open_database(settings.database, read_only=True)  # a probe never changes the file
    except (DatabaseUnusable, StorageUnavailable) as exc:
        raise CliError(f"unhealthy: {exc}", code=1) from None
    try:
        worker = args.role == "feeds"
        key = feed_worker_key(socket.gethostname()) if worker else heartbeat_key(settings.shard_ids)
        beat = await read_heartbeat(MetaStore(db), key=key)
    finally:
        await db.close()
    healthy, line = judge(beat, max_age=args.max_age, feed_worker=worker)
    if not healthy:
        raise CliError(line, code=1)
    print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description="Newsdesk: news feeds to Discord posts, summaries, threaded comments and moderation.",
    )
    parser.add_argument("--version", action="version", version=f"newsdesk {__version__}")
    parser.add_argument("--env-file", help="settings file read before the environment (default: .env, if present)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="start the bot (needs DISCORD_TOKEN)")
    run.add_argument("--role", choices=("all", "feeds", "gateway"), default="all",
                     help="all (default): everything in one process; on a shared PostgreSQL database, feeds: only "
                          "fetch and store feeds (no Discord token needed), gateway: only the Discord side for "
                          "SHARD_IDS of SHARD_COUNT (commands, posting, comments)")
    run.set_defaults(handler=_run)

    health = sub.add_parser("health", help="exit 0 if `newsdesk run` is connected to Discord (for HEALTHCHECK)")
    health.add_argument("--max-age", type=float, default=120.0, metavar="SECONDS",
                        help="oldest acceptable heartbeat (default 120; the bot beats every 30 s)")
    health.add_argument("--role", choices=("all", "feeds", "gateway"), default="all",
                        help="the role of the process to judge: feeds reads the feed worker's beat on this host")
    health.set_defaults(handler=_health)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    migrate = db_sub.add_parser("migrate", help="apply pending schema migrations (DATABASE_URL or DATABASE_PATH)")
    migrate.set_defaults(handler=_db_migrate)
    backup = db_sub.add_parser("backup", help="a consistent copy: SQLite's online backup API, or pg_dump")
    backup.add_argument("path", help="destination file (or a folder: a dated file inside it)")
    backup.add_argument("--force", action="store_true", help="replace the destination file if it exists")
    backup.set_defaults(handler=_db_backup)
    copy = db_sub.add_parser("copy", help="copy a whole database to another (SQLite <-> PostgreSQL), verified")
    copy.add_argument("source", help="sqlite:///path, a file path, or postgresql://user@host:port/database")
    copy.add_argument("destination", help="the same forms; migrated to the current schema first")
    copy.add_argument("--replace", action="store_true", help="empty a destination that already holds rows")
    copy.set_defaults(handler=_db_copy)
    db.set_defaults(handler=None, help_parser=db)

    for module_name in _EXTENSIONS:
        importlib.import_module(module_name).register(sub)
    return parser


def _configure_logging(settings: Settings) -> None:
    from bot.logs import configure_logging, register_secret

    configure_logging(settings.log_level, settings.log_level_libraries)
    # Before any subcommand runs: whatever it does, its logs and errors never show these.
    for secret in (settings.discord_token, settings.llm_api_key, settings.discord_client_secret,
                   settings.web_secret_key):
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
        if args.env_file is not None and not Path(args.env_file).exists():
            raise CliError(f"--env-file {args.env_file}: no such file (without --env-file, .env is read if present)")
        if args.env_file is not None and Path(args.env_file).is_dir():
            raise CliError(f"--env-file {args.env_file} is a folder; give the settings file, such as .env")
        settings = load_settings(env_file=args.env_file or ".env")
        _configure_logging(settings)
        result = handler(args, settings)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
        sys.stdout.flush()  # here, so a closed pipe is seen now and not at interpreter exit
        return int(result or 0)
    except BrokenPipeError:
        # The reader went away (`newsdesk feed check URL | head`): stop quietly, as `yes | head` does. Point
        # stdout at /dev/null so the interpreter's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 128 + signal.SIGPIPE
    except (CliError, SettingsError) as exc:
        print(f"newsdesk: {redact(str(exc))}", file=sys.stderr)
        return exc.code if isinstance(exc, CliError) else 2
    except (DatabaseUnusable, MigrationError, StorageUnavailable) as exc:  # the database, not a bug: one line
        print(f"newsdesk: {redact(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("newsdesk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so in one line, keep the traceback for --debug logs
        logging.getLogger("newsdesk").debug("unexpected error", exc_info=True)
        # Exception texts can quote a server's reply, which can quote our credentials: scrub like the logs.
        print(f"newsdesk: unexpected error: {type(exc).__name__}: {redact(str(exc))}", file=sys.stderr)
        return 1
