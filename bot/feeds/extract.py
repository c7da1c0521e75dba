"""Full text for teaser-only feed items: decide when it is needed, and pull the article out of its page.

The page is fetched by the feed fetcher (same guards and limits); this module only sees its bytes or text and
URL. The extractor is trafilatura, chosen by measurement (benchmarks/extraction.py, BENCHMARKS.md
"Article extraction"): the best F1 of the candidates that install here (0.964 tuned, against 0.949 for
readability-lxml, 0.938 newspaper4k, 0.875 goose3), at about the same time as the quickest. Metadata that
trafilatura misses (og:image, <html lang>, the exact publication time) is read from <meta> tags with regexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.articles.identity import canonical_url
from bot.feeds.normalize import clean_text, parse_datetime

if TYPE_CHECKING:
    from bot.articles.records import FeedItem

__all__ = ["MIN_ARTICLE_CHARS", "MIN_FULL_TEXT_CHARS", "ExtractedArticle", "decode_html", "extract_article", "needs_full_text"]

# Below this many characters of text, an item is a teaser; an article page worth posting says more.
MIN_FULL_TEXT_CHARS = 600
# Less than this is not an article but a menu, a cookie wall or an error page.
MIN_ARTICLE_CHARS = 150
# Pages bigger than this are cut before parsing: extraction time grows with the tree, and the article is near
# the top of any page that big.
MAX_HTML_CHARS = 3_000_000

_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CHARSET_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)", re.I)
_META_TAG = re.compile(r"<meta\b[^>]*>", re.I)
_ATTR = re.compile(r"""([a-zA-Z_:.-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_TEASER_TAIL = re.compile(r"(\.\.\.|…|\[\s*(?:…|\.\.\.)\s*\]|read more|continue reading|weiterlesen|lire la suite"
                          r"|the post .{1,200} appeared first on .{1,200})\s*\W*\s*$", re.I)


@dataclass(frozen=True)
class ExtractedArticle:
    """The main text of an article page, and what the page says about itself."""

    text: str
    title: str | None
    author: str | None
    published: datetime | None
    image: str | None
    language: str | None


def decode_html(data: bytes | str, content_type: str | None = None) -> str:
    """Bytes to text: the HTTP charset, then <meta charset>, then UTF-8, then cp1252 (never raises)."""
    if isinstance(data, str):
        return data
    candidates: list[str] = []
    if content_type and (m := _CHARSET_HEADER.search(content_type)):
        candidates.append(m.group(1))
    if meta := _CHARSET_META.search(data[:4096]):
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    if data.startswith(b"\xef\xbb\xbf"):
        candidates.insert(0, "utf-8-sig")
    candidates += ["utf-8"]
    for name in candidates:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", "replace")


def needs_full_text(item: FeedItem) -> bool:
    """True when the feed gives only a teaser: short text, or text that ends in "…"/"Read more"."""
    text = item.content_text or item.excerpt or ""
    if len(text) < MIN_FULL_TEXT_CHARS:
        return True
    return bool(_TEASER_TAIL.search(text[-300:]))


def _page_meta(html: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for tag in _META_TAG.findall(html[:200_000]):
        attrs = {k.lower(): v.strip("\"'") for k, v in _ATTR.findall(tag)}
        key = (attrs.get("property") or attrs.get("name") or "").lower()
        if key and "content" in attrs and key not in meta:
            meta[key] = attrs["content"]
    return meta


def extract_article(html: bytes | str, url: str, *, content_type: str | None = None) -> ExtractedArticle | None:
    """The article in `html` (fetched from `url`), or None when the page holds no readable article.

    Never raises: a page that breaks the extractor is a page without an article.
    """
    try:
        import trafilatura

        text_html = decode_html(html, content_type)[:MAX_HTML_CHARS]
        if not text_html.strip():
            return None
        # Settings measured on the Zyte benchmark (BENCHMARKS.md): no comment sections and favouring precision
        # lift F1 from 0.953 to 0.964; htmldate's extensive search costs a third of the time for 2 dates in 181.
        doc = trafilatura.bare_extraction(
            text_html, url=url or None, with_metadata=True, include_comments=False, include_tables=True,
            favor_precision=True, deduplicate=False,
            date_extraction_params={"extensive_search": False, "original_date": True})
    except Exception:  # the extractor's failures are many and undocumented; the caller keeps the teaser
        return None
    if doc is None:
        return None
    body = (getattr(doc, "text", None) or "").strip()
    if len(body) < MIN_ARTICLE_CHARS:
        return None
    meta = _page_meta(text_html)
    image = getattr(doc, "image", None) or meta.get("og:image") or meta.get("twitter:image")
    image_url = canonical_url(image, url, strip_tracking=False) if image else None
    language = getattr(doc, "language", None) or (m.group(1) if (m := _HTML_LANG.search(text_html[:5000])) else None)
    if not language:
        language = meta.get("og:locale")
    # The page's own timestamp is more precise than trafilatura's (a day).
    published = parse_datetime(meta.get("article:published_time")) or parse_datetime(getattr(doc, "date", None))
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return ExtractedArticle(
        text=body,
        title=clean_text(getattr(doc, "title", None) or meta.get("og:title") or "") or None,
        author=clean_text(getattr(doc, "author", None) or meta.get("author") or "") or None,
        published=published,
        image=image_url,
        language=language.replace("_", "-").lower() if language else None,
    )
