"""`newsdesk feed check URL [--json] [--full-text]` and `newsdesk feed discover URL` (import|export: opml_cli.py).

Both go through the same fetcher and SSRF guard as the bot, so what `check` reads is what the bot would
read; errors are printed as the one-line messages the bot would show.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

from bot.articles.records import FeedItem
from bot.config import Settings
from bot.errors import CliError
from bot.feeds import opml_cli
from bot.feeds.errors import FetchError, shown_url
from bot.feeds.fetcher import PAGE_ACCEPT, FeedFetcher
from bot.feeds.models import FeedParseError
from bot.formats import iso_utc, plural

if TYPE_CHECKING:
    from bot.feeds.extract_pool import ArticleExtractor

__all__ = ["register"]


def register(subparsers: Any) -> None:
    feed = subparsers.add_parser("feed", help="check or discover news feeds, import or export OPML (no Discord needed)")
    feed_sub = feed.add_subparsers(dest="feed_command", metavar="ACTION")
    check = feed_sub.add_parser("check", help="fetch and parse a feed through every guard, print its items")
    check.add_argument("url", help="the feed's address")
    check.add_argument("--json", action="store_true", help="one JSON object a line per item, then problems")
    check.add_argument("--full-text", action="store_true",
                       help="also fetch teaser items' article pages and extract their text")
    check.set_defaults(handler=_check)
    discover = feed_sub.add_parser("discover", help="find the feeds a web site offers")
    discover.add_argument("url", help="the site's address (or a page of it)")
    discover.set_defaults(handler=_discover)
    opml_cli.register(feed_sub)
    feed.set_defaults(handler=None, help_parser=feed)


async def _check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.feeds.extract_pool import ArticleExtractor
    from bot.feeds.reader import FeedReader

    async with FeedFetcher(settings) as fetcher, ArticleExtractor() as workers:
        try:
            result = await fetcher.fetch(args.url)
        except FetchError as exc:
            raise CliError(str(exc), code=1) from None
        try:
            parsed = await FeedReader(workers).parse(result.body, url=result.url, content_type=result.content_type)
        except FeedParseError as exc:
            raise CliError(f"{shown_url(result.url)} is not a feed: {exc}; if it is a web site, "
                           f"`newsdesk feed discover {shown_url(args.url)}` finds the feeds it offers", code=1) from None
        texts: dict[str, str | None] = {}
        problems = list(parsed.problems)
        if args.full_text:
            texts = await _full_texts(fetcher, workers, parsed.items, problems)
    if args.json:
        for item in parsed.items:
            print(json.dumps(_item_json(item, texts if args.full_text else None), ensure_ascii=False))
        for problem in problems:
            print(json.dumps({"problem": problem}, ensure_ascii=False))
    else:
        title = parsed.title or "(untitled feed)"
        print(f"{title} — {plural(len(parsed.items), 'item')} from {shown_url(result.url)}")
        for item in parsed.items:
            when = item.published.strftime("%Y-%m-%d %H:%M") if item.published else "no date         "
            print(f"  {when}  {item.title or '(no title)'}")
            print(f"                    {item.url}" + (f"  by {item.author}" if item.author else ""))
            if args.full_text:
                text = texts.get(item.url)
                print(f"                    full text: {len(text):,} characters" if text else
                      "                    full text: (none)")
        for problem in problems:
            print(f"problem: {problem}")
    if not parsed.items:
        print(f"newsdesk: {shown_url(result.url)} was read but has no items", file=sys.stderr)
        return 1
    return 0


async def _full_texts(fetcher: FeedFetcher, extractor: ArticleExtractor, items: list[FeedItem],
                      problems: list[str]) -> dict[str, str | None]:
    from bot.feeds.extract import needs_full_text
    from bot.feeds.extract_pool import ExtractionFailed

    async def one(item: FeedItem) -> tuple[str, str | None]:
        if not needs_full_text(item):
            return item.url, item.content_text or item.excerpt
        try:
            async with extractor.pages:
                page = await fetcher.fetch(item.url, accept=PAGE_ACCEPT)
                article = await extractor.extract(page.body, page.url, content_type=page.content_type)
        except (FetchError, ExtractionFailed) as exc:
            problems.append(f"full text of {shown_url(item.url)}: {exc}")
            return item.url, None
        if article is None:
            problems.append(f"full text of {shown_url(item.url)}: no article text found on the page")
        return item.url, article.text if article else None

    return dict(await asyncio.gather(*(one(item) for item in items)))


def _item_json(item: FeedItem, texts: dict[str, str | None] | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "guid": item.guid,
        "url": item.url,
        "title": item.title,
        "published": iso_utc(item.published.timestamp()) if item.published else None,
        "author": item.author,
        "image": item.image,
        "excerpt_length": len(item.excerpt or ""),
    }
    if texts is not None:
        data["text_length"] = len(texts.get(item.url) or "")
    return data


async def _discover(args: argparse.Namespace, settings: Settings) -> int:
    from bot.feeds.finder import find_feeds

    async with FeedFetcher(settings) as fetcher:
        try:
            links = await find_feeds(fetcher, args.url)
        except FetchError as exc:
            raise CliError(str(exc), code=1) from None
    if not links:
        raise CliError(f"no feeds found at {shown_url(args.url)}: the page advertises none and no common feed address "
                       "answered with a feed", code=1)
    for link in links:
        kind = link.type or "feed"
        print(f"{link.url}\t{kind}" + (f"\t{link.title}" if link.title else ""))
    return 0
