"""`newsdesk export --guild ID --format json|csv [--article ID] [--output FILE]`.

The same export as `/comments export` (threaded structure with parent ids, revisions and reactions),
from the database at DATABASE_PATH, for operators and archiving. Reads only: safe while the bot runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.comments.export import EXPORT_FORMATS, CommentExporter
from bot.config import Settings
from bot.errors import CliError

__all__ = ["register", "run_export"]


async def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.database import Database

    if not Path(settings.database_path).exists():
        raise CliError(f"no database at {settings.database_path} (set DATABASE_PATH)")
    db = await Database.open(settings.database_path)
    try:
        if not await db.fetchval("SELECT 1 FROM comments WHERE guild_id = ? LIMIT 1", (args.guild,)):
            known = [r[0] for r in await db.fetchall("SELECT DISTINCT guild_id FROM comments ORDER BY 1")]
            raise CliError(f"no comments recorded for guild {args.guild}"
                           + (f"; guilds with comments: {', '.join(map(str, known))}" if known else ""))
        if args.article is not None and not await db.fetchval(
                "SELECT 1 FROM comments WHERE guild_id = ? AND article_id = ? LIMIT 1", (args.guild, args.article)):
            raise CliError(f"no comments recorded for article {args.article} in guild {args.guild}")
        data = await CommentExporter(db).export(args.guild, args.format, article_id=args.article)
    finally:
        await db.close()
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            Path(args.output).write_bytes(data)
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"wrote {len(data):,} bytes to {args.output}", file=sys.stderr)
    return 0


def _snowflake(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not an id (digits only)")
    return int(text)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export", help="export a guild's recorded comments (tree, revisions, reactions) as JSON or CSV")
    parser.add_argument("--guild", type=_snowflake, required=True, help="the Discord server (guild) id")
    parser.add_argument("--format", choices=EXPORT_FORMATS, default="json")
    parser.add_argument("--article", type=_snowflake, help="only this article's comments (article id)")
    parser.add_argument("--output", "-o", help="write to this file instead of standard output")
    parser.set_defaults(handler=run_export)
