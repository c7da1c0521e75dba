"""Feed bodies to `ParsedFeed`: RSS 0.9x/1.0/2.0, RDF, Atom 0.3/1.0 and JSON Feed 1.0/1.1.

XML feeds go through feedparser, chosen by measurement (benchmarks/feed_parsers.py, BENCHMARKS.md "Feed
parsing"): it held 2,032 of the 2,091 conformance expectations against 930 for feedparser-rs and 289 for
fastfeedparser; the faster parsers get relative links, character encodings, entities and xml:base wrong often
enough to post broken links and mojibake. JSON Feed has its own small reader below (feedparser 6.0 has none).

Contract: `parse_feed` raises `FeedParseError` (one clear line) for something that is not a feed at all, and
nothing else, ever. A feed that is damaged but readable (truncated, mis-declared encoding, a bad date, an item
without a link) yields the items that could be read, with each problem listed in `ParsedFeed.problems`.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.articles.identity import canonical_url
from bot.articles.records import FeedItem
from bot.feeds.bounded import cap_items, decode_json, first_img_src, wide_json, without_userinfo
from bot.feeds.models import FeedParseError, ParsedFeed
from bot.feeds.normalize import (
    clean_text,
    content_hash,
    normalize_language,
    parse_datetime,
    struct_to_datetime,
    truncate,
)
from bot.formats import plural

__all__ = ["EXCERPT_CHARS", "parse_feed", "parse_raw"]

EXCERPT_CHARS = 500
# feedparser's HTML sanitiser and its relative-URI rewriting of embedded HTML cost ~60% of its time and only
# change the HTML it returns: every plain-text field parse_feed produces (links, titles, excerpts, text, images,
# dates, authors, guids) is identical with and without them on all 2,181 corpus files (benchmarks/feed_parsers.py).
# So both are off: `FeedItem.content_html` is the feed's HTML as published (relative URLs and all), never to be
# rendered as HTML without sanitising. Entry links are still resolved against xml:base and the feed URL.
SANITIZE_HTML = False
RESOLVE_RELATIVE_URIS = False
MAX_PROBLEMS = 20
# Beyond these a body is abuse or an archive dump, not a news feed: refuse it, or read only the newest items.
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_ITEMS = 500
# Of any one field (title, summary, content), this much is read: the summarizer reads at most 400,000
# characters of an article and a post shows 500, while cleaning 10 MB of markup costs seconds and long
# C-level regex passes that hold the GIL (and so the bot's event loop) even in a worker thread.
MAX_FIELD_CHARS = 500_000
# A date this far ahead is a wrong clock or a wrong timezone; trusting it would pin the item as "newest".
FUTURE_TOLERANCE = timedelta(days=2)
# WordPress appends this to every excerpt; in a Discord embed it is noise.
_APPEARED_FIRST = re.compile(r"\s*The post .{1,300}? appeared first on .{1,200}?\.?\s*$", re.S)
_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|\?)", re.I)
# The WordPress line is at most ~530 characters long and anchored at the end: only the tail is searched.
_APPEARED_FIRST_TAIL = 1000
_FEED_ROOT = re.compile(rb"<(?:[A-Za-z0-9_]+:)?(?:rss|feed|RDF|channel)\b")
_HTML_ROOT = re.compile(rb"<(?:!doctype\s+html|html|body|head)\b", re.I)


def looks_like_feed(body: bytes) -> bool:
    """An RSS/Atom/RDF document rather than a web page (for messages: "that is a feed, not an article")."""
    head = body[:4096]
    return bool(_FEED_ROOT.search(head)) and not _HTML_ROOT.search(head)


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed body fetched from `url`. Raises FeedParseError (only) when nothing feed-like is in it.

    CPU-bound (about 5-30 ms for a typical feed): async callers run it in a thread.
    """
    try:
        return _parse(body, without_userinfo(url), content_type)
    except FeedParseError:
        raise
    except RecursionError:
        raise FeedParseError("feed nests too deeply to parse") from None
    except MemoryError:
        raise FeedParseError("feed too large to parse") from None
    except Exception as exc:  # the promise: nothing but FeedParseError escapes, whatever the input
        raise FeedParseError(f"unreadable feed ({type(exc).__name__}: {str(exc)[:120]})") from exc


def parse_raw(body: bytes, *, url: str = "", content_type: str | None = None,
              headers: dict[str, str] | None = None, sanitize_html: bool | None = None) -> Any:
    """feedparser's own result for an XML body (what the conformance files' `Expect:` lines talk about), with
    the settings parse_feed uses unless `sanitize_html` says otherwise."""
    import feedparser

    headers = dict(headers or {})
    if url:
        headers.setdefault("content-location", url)
    if content_type:
        headers["content-type"] = content_type
    sanitize = SANITIZE_HTML if sanitize_html is None else sanitize_html
    return feedparser.parse(body, response_headers=headers or None, sanitize_html=sanitize,
                            resolve_relative_uris=sanitize or RESOLVE_RELATIVE_URIS)


def _parse(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise FeedParseError(f"feed body must be bytes, not {type(body).__name__}")
    body = bytes(body)
    if len(body) > MAX_BODY_BYTES:
        raise FeedParseError(f"feed body too large ({len(body) // 1048576} MB; the limit is "
                             f"{MAX_BODY_BYTES // 1048576} MB)")
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise FeedParseError("empty response: no feed")
    if body[:2] == b"\x1f\x8b":
        raise FeedParseError("gzip-compressed body that was not decompressed: no feed")
    # Sniffed, not trusted from Content-Type: servers label feeds every which way.
    if head[:1] in (b"{", b"[") or wide_json(body):
        return _parse_json_feed(body, url)
    if _looks_binary(body[:1024]):
        raise FeedParseError("binary data, not a feed")
    # An HTML page with no feed element near its top is a page, not a feed (feeds wrapped in XHTML exist).
    if _HTML_ROOT.search(body[:4096]) and not _FEED_ROOT.search(body[:65536]):
        raise FeedParseError("an HTML page, not a feed")
    # Blank lines before "<?xml" are common (template output) and make strict XML parsers give up.
    if body[:1].isspace():
        body = body.lstrip(b" \t\r\n")
    elif body.startswith(b"\xef\xbb\xbf") and body[3:4].isspace():
        body = b"\xef\xbb\xbf" + body[3:].lstrip(b" \t\r\n")
    return _parse_xml(body, url, content_type)


def _looks_binary(sample: bytes) -> bool:
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")) or sample[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return False  # UTF-16 XML has NULs by design
    if sample.count(b"\x00") > 2:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return len(sample) > 0 and controls / len(sample) > 0.1


def _parse_xml(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    body, listed = cap_items(body, MAX_ITEMS)
    result = parse_raw(body, url=url, content_type=content_type)
    entries = result.get("entries") or []
    feed = result.get("feed") or {}
    version = result.get("version") or ""
    problems: list[str] = []
    if listed is not None:
        problems.append(f"the feed lists {plural(listed, 'item')}; read the first {MAX_ITEMS}")
    exc = result.get("bozo_exception")
    kind = type(exc).__name__
    # A missing or odd Content-Type is no fault of the feed's: feedparser flags it, we do not.
    if result.get("bozo") and kind != "NonXMLContentType":
        reason = _one_line(exc)
        if not entries and not feed.get("title") and not version:
            raise FeedParseError(f"not a readable feed: {reason}")
        if kind == "CharacterEncodingOverride":
            problems.append(f"declared character encoding is wrong; read as {result.get('encoding')}")
        elif kind == "CharacterEncodingUnknown":
            problems.append(f"unknown character encoding; read as {result.get('encoding')}")
        else:
            problems.append(f"feed is not well-formed ({reason}); read {plural(len(entries), 'item')} anyway")
    elif not version and not entries:
        raise FeedParseError("no RSS, Atom, RDF or JSON feed found in the document")
    base = canonical_url(url, strip_tracking=False) or url or None
    site_url = canonical_url(feed.get("link"), base)
    language = normalize_language(feed.get("language"))
    items: list[FeedItem] = []
    seen: set[str] = set()
    if len(entries) > MAX_ITEMS:
        problems.append(f"feed lists {plural(len(entries), 'item')}; read the first {MAX_ITEMS}")
        entries = entries[:MAX_ITEMS]
    for index, entry in enumerate(entries):
        try:
            item = _entry_to_item(entry, base, language, problems, index)
        except Exception as exc:  # one strange entry must not cost the others
            _add(problems, f"item {index + 1}: skipped ({_one_line(exc)})")
            continue
        if item is None:
            continue
        if item.guid in seen:
            _add(problems, f"item {index + 1}: repeats id {item.guid[:80]!r}; kept the first")
            continue
        seen.add(item.guid)
        items.append(item)
    return ParsedFeed(
        title=clean_text(_detail_text(feed, "title")) or None,
        site_url=site_url,
        language=language,
        ttl_seconds=_ttl(feed.get("ttl")),
        items=items,
        problems=problems[:MAX_PROBLEMS],
        format=version,
        icon_url=_icon(base, _href(feed.get("image")), feed.get("icon"), feed.get("logo")),
    )


def _entry_to_item(entry: Any, base: str | None, feed_language: str | None, problems: list[str],
                   index: int) -> FeedItem | None:
    # FeedBurner and similar proxies keep the publisher's own URL aside: that is the article. feedparser puts
    # the id into `link` when there is no link, so an unusable `link` falls through to the other candidates.
    raw_id = (entry.get("id") or "").strip()
    links = [c for c in entry.get("links") or [] if c.get("href") and c.get("rel") != "enclosure"]
    links.sort(key=lambda c: {"alternate": 0, "self": 1}.get(c.get("rel", "alternate"), 2))
    url = None
    for candidate in (entry.get("feedburner_origlink"), entry.get("link"), *(c["href"] for c in links), raw_id):
        url = canonical_url(candidate, base)
        if url:
            break
    title = clean_text(_detail_text(entry, "title"), is_html=_is_html(entry.get("title_detail")))
    if url is None:
        _add(problems, f"item {index + 1} ({truncate(title, 60) or 'untitled'}): no usable link; skipped")
        return None
    content_html, content_is_html = _best_content(entry)
    text = clean_text(content_html, is_html=content_is_html)
    summary = (entry.get("summary") or "")[:MAX_FIELD_CHARS]
    excerpt_source = clean_text(summary, is_html=_is_html(entry.get("summary_detail"))) or text
    excerpt_source = _drop_appeared_first(excerpt_source) or excerpt_source
    # dict.get: FeedParserDict.get would map updated<->published itself, with a DeprecationWarning.
    updated = struct_to_datetime(dict.get(entry, "updated_parsed"))
    published = struct_to_datetime(dict.get(entry, "published_parsed")) or updated
    raw_date = dict.get(entry, "published") or dict.get(entry, "updated")
    published = _checked_date(published, raw_date, problems, index)
    guid = raw_id or url or hashlib.sha256(f"{title}\x1f{text}".encode()).hexdigest()[:32]
    author = (entry.get("author_detail") or {}).get("name") or entry.get("author")
    language = None
    for detail in (entry.get("title_detail"), entry.get("summary_detail")):
        if detail and detail.get("language"):
            language = normalize_language(detail.get("language"))
            break
    return FeedItem(
        guid=guid[:2000],
        url=url,
        title=title,
        excerpt=truncate(excerpt_source, EXCERPT_CHARS),
        published=published,
        author=clean_text(author[:MAX_FIELD_CHARS] if isinstance(author, str) else author) or None,
        image=_image(entry, url, content_html if content_is_html else ""),
        language=language or feed_language,
        content_hash=content_hash(title, text or excerpt_source),
        content_text=text or excerpt_source,
        content_html=content_html if content_is_html else "",
        updated=updated,
        categories=tuple(t.get("term") for t in entry.get("tags") or () if t.get("term"))[:20],
    )


def _is_html(detail: Any) -> bool:
    kind = (detail or {}).get("type") or "text/html"
    return "html" in kind


def _detail_text(obj: Any, key: str) -> str:
    value = obj.get(key) or ""
    return value[:MAX_FIELD_CHARS] if isinstance(value, str) else ""


def _best_content(entry: Any) -> tuple[str, bool]:
    """The entry's body: content:encoded / atom:content (the longest part), else the summary."""
    best, best_html = "", True
    for part in entry.get("content") or []:
        value = part.get("value") or ""
        if len(value) > len(best):
            best, best_html = value, "html" in (part.get("type") or "text/html")
    if not best.strip():
        best, best_html = entry.get("summary") or "", _is_html(entry.get("summary_detail"))
    return best[:MAX_FIELD_CHARS], best_html


def _image(entry: Any, url: str, content_html: str) -> str | None:
    candidates: list[str] = []
    for media in entry.get("media_content") or []:
        kind = (media.get("type") or "").lower()
        if media.get("medium") == "image" or kind.startswith("image/") or (
                not kind and _IMAGE_EXT.search(media.get("url") or "")):
            candidates.append(media.get("url") or "")
    for enclosure in entry.get("enclosures") or []:
        kind = (enclosure.get("type") or "").lower()
        href = enclosure.get("href") or enclosure.get("url") or ""
        if kind.startswith("image/") or (not kind and _IMAGE_EXT.search(href)):
            candidates.append(href)
    for thumb in entry.get("media_thumbnail") or []:
        candidates.append(thumb.get("url") or "")
    image = entry.get("image")
    if isinstance(image, dict):
        candidates.append(image.get("href") or image.get("url") or "")
    if content_html and (src := first_img_src(content_html)):
        candidates.append(src)
    for candidate in candidates:
        resolved = canonical_url(candidate, url, strip_tracking=False)
        if resolved:
            return resolved
    return None


def _drop_appeared_first(text: str) -> str:
    """`text` without WordPress's closing "The post … appeared first on …" line."""
    if len(text) <= _APPEARED_FIRST_TAIL:
        return _APPEARED_FIRST.sub("", text)
    cut = len(text) - _APPEARED_FIRST_TAIL
    return text[:cut] + _APPEARED_FIRST.sub("", text[cut:])


def _ttl(value: Any) -> int | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes * 60 if 0 < minutes <= 7 * 24 * 60 else None


def _checked_date(value: datetime | None, raw: Any, problems: list[str], index: int) -> datetime | None:
    """`value`, or None (with a problem noted) when the feed's date was unreadable or implausibly far ahead."""
    if value is not None and value > datetime.now(UTC) + FUTURE_TOLERANCE:
        _add(problems, f"item {index + 1}: date {value:%Y-%m-%d %H:%M} UTC is in the future; kept without a date")
        return None
    if value is None and raw:
        _add(problems, f"item {index + 1}: unreadable date {str(raw)[:40]!r}; kept without a date")
    return value


def _add(problems: list[str], line: str) -> None:
    if len(problems) < MAX_PROBLEMS:
        problems.append(line)


def _one_line(exc: Any) -> str:
    text = " ".join(str(exc or "unknown error").split())
    return truncate(text, 160) or type(exc).__name__


# --- JSON Feed ---------------------------------------------------------------------------------------------


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    problems: list[str] = []
    encoding = json.detect_encoding(body[:4])
    encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    try:
        text = body.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError:
        text = body.decode(encoding, "replace").lstrip("\ufeff")
        problems.append(f"JSON feed is not valid {encoding.upper().removesuffix('-SIG')}; undecodable bytes "
                        "replaced")
    try:
        data = decode_json(text)
    except (ValueError, RecursionError) as exc:
        raise FeedParseError(f"invalid JSON: {_one_line(exc)}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FeedParseError("JSON document is not a JSON Feed (no \"items\" list)")
    if len(data["items"]) > MAX_ITEMS:
        problems.append(f"feed lists {plural(len(data['items']), 'item')}; read the first {MAX_ITEMS}")
        data["items"] = data["items"][:MAX_ITEMS]
    version = str(data.get("version") or "")
    if "jsonfeed.org/version/" not in version:
        problems.append(f"JSON Feed version {version[:60]!r} unknown; read as 1.1")
    base = canonical_url(url, strip_tracking=False) or url or None
    language = normalize_language(_str(data.get("language")))
    feed_author = _json_author(data)
    items: list[FeedItem] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["items"]):
        if not isinstance(raw, dict):
            _add(problems, f"item {index + 1}: not an object; skipped")
            continue
        link = _str(raw.get("url")) or _str(raw.get("external_url"))
        raw_id = _str(raw.get("id")) or (str(raw["id"]) if isinstance(raw.get("id"), int) else "")
        if not link and raw_id.startswith(("http://", "https://")):
            link = raw_id
        item_url = canonical_url(link, base)
        title = clean_text(_str(raw.get("title")), is_html=False)
        if item_url is None:
            _add(problems, f"item {index + 1} ({truncate(title, 60) or 'untitled'}): no usable link; skipped")
            continue
        html_body = _str(raw.get("content_html"))
        text = clean_text(html_body) if html_body else clean_text(_str(raw.get("content_text")), is_html=False)
        summary = clean_text(_str(raw.get("summary")), is_html=False) or text
        published = _checked_date(parse_datetime(_str(raw.get("date_published"))), raw.get("date_published"),
                                  problems, index)
        updated = parse_datetime(_str(raw.get("date_modified")))
        image = _str(raw.get("image")) or _str(raw.get("banner_image"))
        if not image:
            for attachment in raw.get("attachments") or []:
                if isinstance(attachment, dict) and _str(attachment.get("mime_type")).startswith("image/"):
                    image = _str(attachment.get("url"))
                    break
        guid = raw_id or item_url
        if guid in seen:
            _add(problems, f"item {index + 1}: repeats id {guid[:80]!r}; kept the first")
            continue
        seen.add(guid)
        items.append(FeedItem(
            guid=guid[:2000],
            url=item_url,
            title=title,
            excerpt=truncate(summary, EXCERPT_CHARS),
            published=published or updated,
            author=_json_author(raw) or feed_author,
            image=canonical_url(image, item_url, strip_tracking=False) if image else None,
            language=normalize_language(_str(raw.get("language"))) or language,
            content_hash=content_hash(title, text or summary),
            content_text=text or summary,
            content_html=html_body,
            updated=updated,
            categories=tuple(t for t in raw.get("tags") or () if isinstance(t, str))[:20],
        ))
    return ParsedFeed(
        title=clean_text(_str(data.get("title")), is_html=False) or None,
        site_url=canonical_url(_str(data.get("home_page_url")), base),
        language=language,
        ttl_seconds=None,
        items=items,
        problems=problems[:MAX_PROBLEMS],
        format="json11" if version.endswith("1.1") else "json1",
        icon_url=_icon(base, _str(data.get("icon")), _str(data.get("favicon"))),
    )


def _href(image: Any) -> str | None:
    """RSS <image><url> (and itunes:image), as feedparser gives it."""
    return image.get("href") or image.get("url") if isinstance(image, dict) else None


def _icon(base: str | None, *candidates: Any) -> str | None:
    """The first usable icon URL: absolute http(s), at most MAX_ICON_URL characters (Discord fetches it)."""
    for raw in candidates:
        url = canonical_url(raw, base, strip_tracking=False) if isinstance(raw, str) and raw.strip() else None
        if url and url.startswith(("https://", "http://")) and len(url) <= MAX_ICON_URL:
            return url
    return None


MAX_ICON_URL = 1000


def _str(value: Any) -> str:
    return value[:MAX_FIELD_CHARS].strip() if isinstance(value, str) else ""


def _json_author(obj: dict[str, Any]) -> str | None:
    authors = obj.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        return clean_text(_str(authors[0].get("name")), is_html=False) or None
    author = obj.get("author")
    if isinstance(author, dict):
        return clean_text(_str(author.get("name")), is_html=False) or None
    return None
