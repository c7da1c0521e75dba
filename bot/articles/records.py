"""An article as a feed lists it (`FeedItem`), as it is stored (`Article`), and what ingesting one did.

Plain frozen dataclasses, below both the feed readers that produce items and the store that keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["Article", "FeedItem", "IngestOutcome"]


@dataclass(frozen=True)
class FeedItem:
    """One feed entry, normalised. `url` is canonical; text fields are plain text (no HTML, entities decoded)."""

    guid: str                      # the entry's id; its URL when it has none; never empty
    url: str                       # canonical article URL (absolute http(s), tracking params dropped)
    title: str                     # plain text, one line; may be "" (then posters fall back to the URL)
    excerpt: str                   # plain text, at most ~500 characters, for embeds
    published: datetime | None     # aware UTC; None when the feed gives no usable date
    author: str | None
    image: str | None              # absolute URL from enclosure / media:content / media:thumbnail / <img>
    language: str | None           # 'en', 'en-us', ...: the entry's, else the feed's
    content_hash: str              # changes when title or text change: an *update*
    content_text: str = ""         # the fullest text the feed carries, plain (summary or content:encoded)
    content_html: str = ""         # the same as the feed's own HTML, UNSANITISED ("" for plain text): never render it
    updated: datetime | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    """A stored article (table `articles`)."""

    id: int
    feed_id: int | None
    guid: str | None
    url: str                       # canonical_url
    content_hash: str
    title: str
    author: str | None
    published: datetime | None
    image: str | None
    excerpt: str | None
    text: str | None               # full text, when extracted
    language: str | None
    first_seen: datetime
    updated: datetime
    categories: tuple[str, ...] = ()  # as the feed tags it (filter rules read them)


@dataclass(frozen=True)
class IngestOutcome:
    """What ingesting one FeedItem did: 'new' (post it), 'updated' (edit posts), 'unchanged' (nothing)."""

    kind: Literal["new", "updated", "unchanged"]
    article: Article
    item: FeedItem

    @property
    def article_id(self) -> int:
        return self.article.id
