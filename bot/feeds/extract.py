"""Full text for teaser-only feed items: decide when it is needed, and pull the article out of its page.

The page is fetched by the feed fetcher (same guards and limits); this module only sees its bytes or text and
URL. The extractor is trafilatura, chosen by measurement (benchmarks/extraction.py, BENCHMARKS.md
"Article extraction"): the best F1 of the candidates that install here on the Zyte set. Its settings were chosen
on three public sets (Zyte, trafilatura's own, Mozilla Readability's): the cheapest that is not measurably worse
than the best on any of them. trafilatura's metadata pass (htmldate, author and site heuristics) is skipped: it
changes no text and cost a quarter of the time; title, image, language and publication time are read from
<meta>, <title> and <html lang> here.
"""

from __future__ import annotations

import codecs
import html as html_lib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.articles.identity import canonical_url
from bot.feeds.normalize import clean_text, parse_datetime

if TYPE_CHECKING:
    from bot.articles.records import FeedItem

__all__ = ["DEFAULT_SETTINGS", "MAX_ELEMENTS", "MAX_HTML_CHARS", "MIN_ARTICLE_CHARS", "MIN_FULL_TEXT_CHARS",
           "ExtractedArticle", "ExtractionSettings", "bounded_html", "cut_body", "decode_html", "extract_article",
           "needs_full_text"]

# Below this many characters of text, an item is a teaser; an article page worth posting says more.
MIN_FULL_TEXT_CHARS = 600
# Less than this is not an article but a menu item or an error page ("Home", "404 Not Found"). Short articles
# count: on two sets of real pages 0, 25 and 50 score alike and 150 lost some (BENCHMARKS.md).
MIN_ARTICLE_CHARS = 50
# Pages are cut before extraction at this many elements and characters (`bounded_html`): enough for every page
# of three public evaluation sets (at most 10,100 elements and 1.6 MB), small enough that the worst input
# finishes in about a second.
MAX_ELEMENTS = 12_000
MAX_HTML_CHARS = 2_000_000
_COUNT_CHUNK = 4096

# Bounded repeats: `[^>]*` would rescan to the end of the page from every unclosed "<meta" (quadratic).
_CHARSET_META = re.compile(rb"""<meta[^>]{1,500}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CHARSET_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_HTML_LANG = re.compile(r"<html\b[^>]{0,1000}?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)", re.I)
_META_TAG = re.compile(r"<meta\b[^>]{0,4000}>", re.I)
_ATTR = re.compile(r"""([a-zA-Z_:.-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ")
_TEASER_TAIL = re.compile(r"(\.\.\.|…|\[\s*(?:…|\.\.\.)\s*\]|read more|continue reading|weiterlesen|lire la suite"
                          r"|the post .{1,200} appeared first on .{1,200})\s*\W*\s*$", re.I)


@dataclass(frozen=True)
class ExtractionSettings:
    """trafilatura's options as Newsdesk uses them; the defaults are the measured choice (BENCHMARKS.md
    "Article extraction": neither precision nor recall favoured, no comment sections, no metadata pass).
    `min_chars`: shorter main text counts as no article."""

    favor_precision: bool = False
    favor_recall: bool = False
    include_comments: bool = False
    fast: bool = False
    with_metadata: bool = False
    min_chars: int = MIN_ARTICLE_CHARS


DEFAULT_SETTINGS = ExtractionSettings()


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
    """Bytes to text, as browsers do: a byte-order mark, else the HTTP charset, else <meta charset>, each decoded
    with U+FFFD for the odd bad byte; undeclared pages are UTF-8 when they decode as such, else cp1252.

    A declared charset wins even over a few invalid bytes: decoding a whole UTF-8 page as cp1252 because of one
    bad byte garbles every accented letter in it. Never raises.
    """
    if isinstance(data, str):
        return data
    for bom, name in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(name, "replace")
    declared: list[str] = []
    if content_type and (m := _CHARSET_HEADER.search(content_type)):
        declared.append(m.group(1))
    if meta := _CHARSET_META.search(data[:4096]):
        declared.append(meta.group(1).decode("ascii", "ignore"))
    for name in declared:
        codec = _codec(name)
        if codec is not None:
            return data.decode(codec, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _codec(label: str) -> str | None:
    """Python's codec for a charset label, with the WHATWG aliases browsers apply (latin-1 and ASCII labels mean
    windows-1252; a page cannot really be UTF-16 once it declares so in ASCII-compatible bytes)."""
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return "utf-8"
    return name


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


def cut_body(data: bytes, max_bytes: int = MAX_HTML_CHARS) -> bytes:
    """The first `max_bytes` of a page body (at least as much text as `bounded_html` keeps), cut before a UTF-8
    continuation byte so an undeclared UTF-8 page still decodes as UTF-8. Sent to a worker instead of the whole
    body: the pipe and the decoder need not carry 10 MB to use 2."""
    if len(data) <= max_bytes:
        return data
    cut = max_bytes
    while cut > max_bytes - 4 and data[cut] & 0xC0 == 0x80:
        cut -= 1
    return data[:cut]


def bounded_html(html: str, max_elements: int = MAX_ELEMENTS, max_chars: int = MAX_HTML_CHARS) -> str:
    """`html` cut after about `max_elements` elements (and at `max_chars` characters).

    The extractor's time and memory grow with the number of elements, not bytes: 8 MB of `<p>a</p>` is a million
    of them (over a minute and 500 MB), while the largest of 1,344 real article pages has 10,100
    (BENCHMARKS.md). Counting runs lxml's C parser with a target that keeps nothing, so it costs no memory, and
    it stops at the cap. The cut lands within one chunk of the cap.
    """
    from lxml import etree

    html = html[:max_chars]
    counter = _ElementCounter()
    parser = etree.HTMLParser(target=counter, collect_ids=False, remove_comments=True, remove_pis=True)
    for pos in range(0, len(html), _COUNT_CHUNK):
        parser.feed(html[pos:pos + _COUNT_CHUNK])
        if counter.count > max_elements:
            return html[:pos + _COUNT_CHUNK]
    return html


class _ElementCounter:
    """An lxml parser target that only counts start tags."""

    def __init__(self) -> None:
        self.count = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.count += 1

    def end(self, tag: str) -> None:
        pass

    def data(self, data: str) -> None:
        pass

    def close(self) -> int:
        return self.count


def extract_article(html: bytes | str, url: str, *, content_type: str | None = None,
                    settings: ExtractionSettings = DEFAULT_SETTINGS) -> ExtractedArticle | None:
    """The article in `html` (fetched from `url`), or None when the page holds no readable article.

    Runs in the caller's thread and is bounded only by the input caps (`bounded_html`); the bot calls it through
    `ArticleExtractor`, which adds a deadline. Never raises: a page that breaks the extractor is a page without
    an article.
    """
    try:
        import trafilatura
        from trafilatura.utils import normalize_unicode

        text_html = bounded_html(decode_html(cut_body(html) if isinstance(html, bytes) else html, content_type))
        if not text_html.strip():
            return None
        doc = trafilatura.bare_extraction(
            text_html, url=url or None, with_metadata=settings.with_metadata,
            include_comments=settings.include_comments, include_tables=True,
            favor_precision=settings.favor_precision, favor_recall=settings.favor_recall, fast=settings.fast,
            deduplicate=False, date_extraction_params={"extensive_search": False, "original_date": True})
    except Exception:  # the extractor's failures are many and undocumented; the caller keeps the teaser
        return None
    if doc is None:
        return None
    # `extract()` normalises to NFC; `bare_extraction` does not, and a decomposed "é" breaks search and matching.
    body = normalize_unicode((getattr(doc, "text", None) or "").strip())
    if len(body) < settings.min_chars:
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
    title = getattr(doc, "title", None) or meta.get("og:title") or meta.get("twitter:title") or _title_tag(
        text_html, meta.get("og:site_name"))
    author = getattr(doc, "author", None) or meta.get("author")
    return ExtractedArticle(
        text=body,
        title=normalize_unicode(clean_text(title or "")) or None,
        author=normalize_unicode(clean_text(author or "")) or None,
        published=published,
        image=image_url,
        language=language.replace("_", "-").lower() if language else None,
    )


def _title_tag(html: str, site_name: str | None) -> str | None:
    """The first <title>, without the site's name after a separator ("Headline | Gazette" -> "Headline").

    Found with str.find: a regex with .*? would rescan the page for every unclosed <title.
    """
    head = html[:200_000]
    lowered = head.lower()
    start = lowered.find("<title")
    opened = head.find(">", start) if start >= 0 else -1
    end = lowered.find("</title", opened) if opened >= 0 else -1
    if end < 0:
        return None
    title = clean_text(html_lib.unescape(head[opened + 1:end]))
    for separator in _TITLE_SEPARATORS:
        left, found, right = title.rpartition(separator)
        if found and left and (not site_name or right.strip().lower() == site_name.strip().lower()):
            return left.strip()
    return title
