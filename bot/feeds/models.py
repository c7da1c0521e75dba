"""What reading feeds yields besides items: a parsed feed, an advertised feed link, a parse error."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.articles.records import FeedItem

__all__ = ["FeedLink", "FeedParseError", "ParsedFeed"]


class FeedParseError(Exception):
    """The body is not a feed that can be read (HTML page, hopeless XML, binary). str() is one clear line."""


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    site_url: str | None           # the feed's home page
    language: str | None
    ttl_seconds: int | None        # RSS <ttl> (minutes in the feed), a lower bound for the next poll
    items: list[FeedItem]          # in feed order (usually newest first)
    problems: list[str] = field(default_factory=list)   # what was wrong but survivable, one line each
    format: str = ""               # 'rss20', 'atom10', 'rss10', 'json1', ... (feedparser's names)
    icon_url: str | None = None    # RSS <image>, Atom <icon>/<logo>, JSON Feed icon/favicon (an http(s) URL)


@dataclass(frozen=True)
class FeedLink:
    """A feed advertised by (or guessed for) a site."""

    url: str
    title: str | None
    type: str                      # 'rss', 'atom', 'json' or '' (unknown: a common path to try)
    rank: int                      # lower is better
