"""`find_feeds`: from a site (or feed) URL to a ranked list of feeds, through the guarded fetcher.

The page's own `<link rel="alternate">` and feed-looking links come first (parsed by `bot.feeds.discover`);
only when it advertises nothing are the common paths (/feed, /rss.xml, ...) probed, concurrently, keeping
those whose body really starts like a feed.
"""

from __future__ import annotations

import asyncio

from bot.feeds.discover import common_feed_urls, find_feed_links, looks_like_feed
from bot.feeds.errors import FetchError
from bot.feeds.fetcher import FEED_ACCEPT, PAGE_ACCEPT, FeedFetcher
from bot.feeds.models import FeedLink

__all__ = ["find_feeds"]

_PROBE_BYTES = 2 * 1024 * 1024


async def find_feeds(fetcher: FeedFetcher, url: str, *, probe: bool = True) -> list[FeedLink]:
    """Feeds for `url`, best first. A URL that is itself a feed is returned alone. Raises `FetchError` only if
    `url` itself cannot be fetched; failed probes are skipped."""
    page = await fetcher.fetch(url, accept=f"{PAGE_ACCEPT}, {FEED_ACCEPT}")
    if looks_like_feed(page.body, page.content_type):
        return [FeedLink(url=page.url, title=None, type=_kind(page.body), rank=0)]
    # Up to a megabyte of someone else's HTML: parsed in a thread so the bot's event loop keeps serving.
    links = await asyncio.to_thread(find_feed_links, page.body, page.url)
    if links or not probe:
        return links
    candidates = common_feed_urls(page.url)

    async def try_one(candidate: str) -> str | None:
        try:
            result = await fetcher.fetch(candidate, max_bytes=_PROBE_BYTES)
        except FetchError:
            return None
        return result.url if looks_like_feed(result.body, result.content_type) else None

    found: list[FeedLink] = []
    for rank, hit in enumerate(await asyncio.gather(*(try_one(c) for c in candidates))):
        if hit is not None and all(link.url != hit for link in found):
            found.append(FeedLink(url=hit, title=None, type="", rank=10 + rank))
    return found


def _kind(body: bytes) -> str:
    head = body[:4096].lstrip()
    if head.startswith(b"{"):
        return "json"
    return "atom" if b"<feed" in head else "rss"
