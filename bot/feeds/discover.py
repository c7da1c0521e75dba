"""Feed autodiscovery, the HTML side: which feeds does a page advertise, and which paths are worth a try.

The fetching side (following the site URL through the guards, trying `COMMON_FEED_PATHS`, checking what comes
back with `looks_like_feed`) belongs to the fetcher's discovery routine.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

from bot.articles.identity import canonical_url
from bot.feeds.models import FeedLink

__all__ = ["COMMON_FEED_PATHS", "FEED_TYPES", "common_feed_urls", "find_feed_links", "looks_like_feed"]

# MIME type -> (kind, rank): Atom and RSS before JSON (richer dates and content in practice), known types before
# the generic XML ones.
FEED_TYPES: dict[str, tuple[str, int]] = {
    "application/atom+xml": ("atom", 0),
    "application/rss+xml": ("rss", 0),
    "application/rdf+xml": ("rss", 2),
    "application/feed+json": ("json", 1),
    "application/json": ("json", 3),
    "application/xml": ("", 3),
    "text/xml": ("", 3),
    "text/rss+xml": ("rss", 1),
    "text/atom+xml": ("atom", 1),
}

# Tried in this order when a page advertises nothing (WordPress, Ghost, Hugo, Jekyll, Blogger, Medium, ...).
COMMON_FEED_PATHS: tuple[str, ...] = (
    "/feed", "/rss", "/feed.xml", "/rss.xml", "/atom.xml", "/index.xml", "/feed/", "/rss/", "/feeds/posts/default",
    "/feed.json", "/index.rss", "/atom", "/blog/feed", "/blog/rss.xml", "/news/rss", "/?feed=rss2",
)

# Tags are found by their start and end at the next ">" (`_tags`), never by one regex that scans for an
# attribute up to a ">" that may not exist: with no ">" left, every "<a " rescans to the end (quadratic).
_TAG_START = {name: re.compile(rf"<{name}\b", re.I) for name in ("a", "link", "base")}
_BASE = re.compile(r"<base\b[^>]*\bhref\s*=\s*[\"']([^\"']+)[\"']", re.I)
_HREF = re.compile(r"""\bhref\s*=\s*["']([^"']+)["']""", re.I)
# Possessive name and a look-behind: "aaaa…" without "=" is tried once, not once per suffix.
_ATTR = re.compile(r"""(?<![a-zA-Z_:.-])([a-zA-Z_:.-]++)\s*+=\s*+("[^"]*+"|'[^']*+'|[^\s>]++)""")
_FEEDISH_HREF = re.compile(r"(?:/feed/?$|/rss/?$|\.rss$|/atom\.xml$|/rss\.xml$|/feed\.xml$|/index\.xml$|"
                           r"\.atom$|/feed\.json$|[?&]feed=(?:rss2?|atom))", re.I)
_SCAN_CHARS = 1_000_000
_COMMENT_FEED = re.compile(r"\bcomments?\b|/comments/feed", re.I)


def _attrs(tag: str) -> dict[str, str]:
    return {k.lower(): unescape(v.strip("\"'")) for k, v in _ATTR.findall(tag)}


def _tags(page: str, name: str) -> list[str]:
    """Every `<name ...>` tag, in one linear pass: a tag ends at the first ">" after its name, and a tag start
    with no ">" after it ends the scan (no later one has a ">" either)."""
    tags: list[str] = []
    pos = 0
    while match := _TAG_START[name].search(page, pos):
        end = page.find(">", match.end())
        if end < 0:
            break
        tags.append(page[match.start():end + 1])
        pos = end + 1
    return tags


def _base_href(page: str) -> str | None:
    """The first `<base href="...">`, as `_BASE.search` finds it, in linear time: a `<base` that fails cannot
    be followed by one that succeeds before the ">" it looked up to, so the next try starts after that ">"."""
    pos = 0
    while start := _TAG_START["base"].search(page, pos):
        if match := _BASE.match(page, start.start()):
            return match.group(1)
        end = page.find(">", start.end())
        if end < 0:
            return None
        pos = end + 1
    return None


def _last_href(tag: str) -> str | None:
    """The tag's last `href="..."` (quoted), as the old whole-tag regex found it."""
    hrefs = _HREF.findall(tag)
    return hrefs[-1] if hrefs else None


def find_feed_links(html: str | bytes, base_url: str) -> list[FeedLink]:
    """Feeds the page advertises, best first: `<link rel="alternate">` of a feed type, then `<a>` links that
    look like feeds. Comment feeds rank after article feeds. Never raises."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    page = html[:_SCAN_CHARS]
    base = base_url
    if href := _base_href(page[:20000]):
        base = urljoin(base_url, unescape(href))
    found: dict[str, FeedLink] = {}
    order = 0
    for tag in _tags(page, "link"):
        attrs = _attrs(tag)
        rels = attrs.get("rel", "").lower().split()
        kind_type = attrs.get("type", "").split(";")[0].strip().lower()
        if "alternate" not in rels or kind_type not in FEED_TYPES or "stylesheet" in rels:
            continue
        url = canonical_url(attrs.get("href"), base, strip_tracking=False)
        if not url or url in found:
            continue
        kind, rank = FEED_TYPES[kind_type]
        title = attrs.get("title") or None
        if _COMMENT_FEED.search(title or "") or _COMMENT_FEED.search(urlsplit(url).path):
            rank += 10
        found[url] = FeedLink(url=url, title=title, type=kind or _guess_kind(url), rank=rank * 1000 + order)
        order += 1
    for tag in _tags(page, "a"):
        href = _last_href(tag)
        if not href:
            continue
        url = canonical_url(unescape(href), base, strip_tracking=False)
        if not url or url in found or not _FEEDISH_HREF.search(url.split("#")[0]):
            continue
        rank = 20 + (10 if _COMMENT_FEED.search(url) else 0)
        found[url] = FeedLink(url=url, title=None, type=_guess_kind(url), rank=rank * 1000 + order)
        order += 1
    return sorted(found.values(), key=lambda link: link.rank)


def _guess_kind(url: str) -> str:
    lowered = url.lower()
    if "atom" in lowered:
        return "atom"
    if lowered.endswith(".json"):
        return "json"
    if "rss" in lowered or "feed" in lowered:
        return "rss"
    return ""


def common_feed_urls(site_url: str) -> list[str]:
    """`COMMON_FEED_PATHS` made absolute against the site's root (and its path, for sites in a folder)."""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    root = f"{parts.scheme}://{parts.netloc}"
    bases = [root]
    folder = parts.path.rstrip("/")
    if folder:
        bases.insert(0, root + folder)
    urls: list[str] = []
    for base in bases:
        for path in COMMON_FEED_PATHS:
            url = canonical_url(base + path, strip_tracking=False)
            if url and url not in urls:
                urls.append(url)
    return urls


_FEED_START = re.compile(rb"<(?:[A-Za-z0-9_]+:)?(?:rss|feed|RDF)\b")


def looks_like_feed(body: bytes, content_type: str | None = None) -> bool:
    """A cheap check for discovery: does this response start like an RSS/Atom/RDF/JSON feed?"""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return b'"items"' in body[:200_000] and b"jsonfeed.org" in body[:200_000]
    match = _FEED_START.search(head)
    if match is None:
        return False
    html = re.search(rb"<html\b", head, re.I)
    return html is None or html.start() > match.start()
