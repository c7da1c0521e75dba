"""`newsdesk feed import FILE --guild ID [--channel ID] [--db FILE]` and `newsdesk feed export FILE --guild ID
[--channel ID] [--db FILE]`: OPML in and out of the database without Discord.

Import follows each feed the way `/feed add` does (through the same fetcher and SSRF guard, quietly: what a feed
carries now is marked seen); a file that cannot be read, or a feed without a channel, changes nothing.
Without --channel, each feed goes to the channel its outline names (Newsdesk's own export names them).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.errors import CliError
from bot.files import write_private
from bot.formats import plural

if TYPE_CHECKING:
    from bot.feeds.subscriptions import FeedSubscriptions

__all__ = ["register"]

_MAX_READ = 1_000_001  # one byte over the OPML limit, so a bigger file is refused by the parser's own sentence


def register(feed_sub: Any) -> None:
    for name, handler, help_text, file_help in (
            ("import", _import, "follow the feeds an OPML file lists in a guild", "the .opml file to read"),
            ("export", _export, "write a guild's followed feeds as an OPML file", "where to write it (- for stdout)")):
        parser = feed_sub.add_parser(name, help=help_text)
        parser.add_argument("file", metavar="FILE", help=file_help)
        parser.add_argument("--guild", type=int, required=True, metavar="ID", help="the Discord server's id")
        parser.add_argument("--channel", type=int, metavar="ID",
                            help="the channel the feeds go to (import) or come from (export)")
        parser.add_argument("--db", metavar="FILE", help="the database (default: DATABASE_PATH)")
        parser.set_defaults(handler=handler)


async def _import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.feeds.opml import OpmlProblem, parse_opml
    from bot.feeds.subscriptions import FeedProblem

    try:
        document = parse_opml(_read(args.file))
    except OpmlProblem as exc:
        raise CliError(f"{args.file}: {exc} Nothing was imported.") from None
    async with _subscriptions(args, settings) as feeds:
        try:
            new, already = await feeds.import_plan(args.guild, document, args.channel)
        except FeedProblem as exc:
            raise CliError(f"{args.file}: {exc} (--channel ID). Nothing was imported.") from None
        followed, problems = await feeds.import_feeds(args.guild, new)
    for line in (*document.skipped, *problems):
        print(f"not followed: {line}", file=sys.stderr)
    print(f"followed {plural(followed, 'feed')}; {len(already)} already followed; "
          f"{plural(len(problems) + len(document.skipped), 'problem')}")
    return 1 if problems and not followed else 0


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    async with _subscriptions(args, settings) as feeds:
        data, count = await feeds.export_opml(args.guild, args.channel)
    if args.file == "-":
        sys.stdout.buffer.write(data)
        return 0
    try:
        write_private(Path(args.file), data)
    except OSError as exc:
        raise CliError(f"cannot write {args.file}: {exc.strerror or exc}") from None
    print(f"wrote {plural(count, 'feed')} to {args.file}", file=sys.stderr)
    return 0


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(_MAX_READ)
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None


@contextlib.asynccontextmanager
async def _subscriptions(args: argparse.Namespace, settings: Settings) -> AsyncIterator[FeedSubscriptions]:
    """FeedSubscriptions on the database (migrated), with the bot's fetcher and guard; closed on exit."""
    from bot.feeds.fetcher import FeedFetcher
    from bot.feeds.subscriptions import FeedSubscriptions
    from bot.storage.articles import ArticleStore
    from bot.storage.deliveries import DeliveryStore
    from bot.storage.engines import open_database
    from bot.storage.feeds import FeedStore, SubscriptionStore
    from bot.storage.posts import PostStore

    file = Path(args.db) if args.db else settings.database_file
    if file is not None and not file.parent.is_dir():
        raise CliError(f"no folder for the database {file}; give --db FILE or set DATABASE_PATH")
    db = await open_database(args.db or settings.database)
    fetcher = FeedFetcher(settings)
    try:
        yield FeedSubscriptions(fetcher=fetcher, feeds=FeedStore(db), subscriptions=SubscriptionStore(db),
                                articles=ArticleStore(db), posts=PostStore(db), deliveries=DeliveryStore(db),
                                poll_interval=settings.poll_interval_seconds)
    finally:
        await fetcher.aclose()
        await db.close()
