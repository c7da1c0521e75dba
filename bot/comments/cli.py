"""`newsdesk export --guild ID --format json|csv [--article ID] [--output FILE] [--db FILE]`, `export --list-guilds`.

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
from bot.files import write_private
from bot.formats import iso_utc, join_words, plural

__all__ = ["register", "run_export"]


async def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.engines import open_database
    from bot.storage.exports import ExportStore

    file = Path(args.db) if args.db else settings.database_file
    if file is not None and not file.exists():
        raise CliError(f"no database at {file} ({'--db' if args.db else 'set DATABASE_PATH, or give --db FILE'})")
    path = args.db or settings.database
    # Read-only: the export never changes the file (no migration, no WAL set-up), and refuses a schema it
    # was not written for.
    db = await open_database(path, read_only=True)
    try:
        store = ExportStore(db)
        if args.list_guilds or args.guild is None:
            return await _list_guilds(CommentExporter(store), listing=args.list_guilds, path=Path(path))
        if not await store.has_comments(args.guild):
            known = [str(g) for g in await store.guilds_with_comments()]
            raise CliError(f"no comments recorded for guild {args.guild}"
                           + (f"; guilds with comments: {join_words(known)}" if known else ""))
        if args.article is not None and not await store.has_comments(args.guild, args.article):
            raise CliError(f"no comments recorded for article {args.article} in guild {args.guild}")
        data = await CommentExporter(store).export(args.guild, args.format, article_id=args.article)
    finally:
        await db.close()
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            write_private(Path(args.output), data)
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"wrote {len(data):,} bytes to {args.output}", file=sys.stderr)
    return 0


async def _list_guilds(exporter: CommentExporter, *, listing: bool, path: Path) -> int:
    guilds = await exporter.guilds()
    if not listing:  # no --guild: say which ones there are
        known = join_words(str(g.guild_id) for g in guilds)
        raise CliError("give --guild ID (the server whose comments to export)"
                       + (f"; guilds with comments in {path}: {known}" if guilds else f"; {path} holds no comments"))
    if not guilds:
        print(f"no comments recorded in {path}", file=sys.stderr)
        return 1
    for g in guilds:
        print(f"{g.guild_id}\t{plural(g.comments, 'comment')} in {plural(g.threads, 'thread')}\t"
              f"last {iso_utc(g.last_at)}")
    return 0


# Discord ids (snowflakes) are positive and fit SQLite's signed 64-bit INTEGER; a larger number cannot be bound
# to a query at all (OverflowError), so it is refused here, with the other malformed ids.
MAX_ID = 2**63 - 1


def _snowflake(text: str) -> int:
    shown = text if len(text) <= 30 else f"{text[:24]}…({len(text)} characters)"
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or not 0 < int(text) <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{shown!r} is not a Discord id (a whole number from 1 to {MAX_ID}; "
                                         "copy it with Developer Mode on)")
    return int(text)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export", help="export a guild's recorded comments (tree, revisions, reactions) as JSON or CSV")
    parser.add_argument("--guild", type=_snowflake, help="the Discord server (guild) id (see --list-guilds)")
    parser.add_argument("--list-guilds", action="store_true",
                        help="list the guilds with recorded comments (id, comments, threads, last comment)")
    parser.add_argument("--db", metavar="FILE", help="the database to read (default: DATABASE_PATH)")
    parser.add_argument("--format", choices=EXPORT_FORMATS, default="json")
    parser.add_argument("--article", type=_snowflake, help="only this article's comments (article id)")
    parser.add_argument("--output", "-o", help="write to this file instead of standard output")
    parser.set_defaults(handler=run_export)
