"""Normalisation of what feeds say: canonical URLs, plain text from HTML, UTC dates, keys for dedupe.

Everything here is pure and never raises on bad input: a value that cannot be made sense of becomes None
(or the empty string), and the item carries on.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = [
    "clean_text",
    "content_hash",
    "normalize_language",
    "parse_datetime",
    "struct_to_datetime",
    "truncate",
]

# Only real tag names are markup: "<@123>", "<#456>", "<:emoji:789>" and "a < b" stay as text.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|hr|li|ul|ol|h[1-6]|blockquote|pre|table|tr|td|th|section|article|header|footer|figure|"
    r"figcaption|dd|dt|dl)\b[^<>]*>", re.I)
# A tag start with quoted attributes that never closes ('<a href="x" Text...'): what is left of it after _TAG.
_BROKEN_TAG = re.compile(r"""<[A-Za-z][A-Za-z0-9:-]*(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))+\s*/?>?""")
# Sections are removed by scanners (`_unwrap_cdata`, `_drop_comments`, `_drop_elements`), not by lazy `.*?`
# regexes: with many unclosed openings such a regex rescans to the end of the text for each (quadratic).
_DROP_NAMES = ("script", "style", "noscript", "template", "iframe", "object")
_DROP_OPEN = re.compile(rf"<({'|'.join(_DROP_NAMES)})\b", re.I)
_DROP_CLOSE = {name: re.compile(rf"</{name}\s*>", re.I) for name in _DROP_NAMES}
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def clean_text(value: str | None, *, is_html: bool = True) -> str:
    """Plain text on one line: tags dropped, entities decoded, whitespace collapsed. Discord mentions and
    markdown are ordinary characters here (escaping is the poster's business)."""
    if not value:
        return ""
    text = value
    if is_html:
        if "<!" in text:
            text = _unwrap_cdata(text)
            text = _drop_comments(text)
        text = _drop_elements(text)
        text = _BLOCK_TAG.sub(" ", text)
        text = _TAG.sub("", text)
        if "<" in text:
            text = _BROKEN_TAG.sub("", text)
        # Twice: feeds often double-escape ("&amp;amp;", "&amp;#8217;").
        text = html.unescape(text)
        if "&" in text and ";" in text:
            text = html.unescape(text)
    text = _CONTROL.sub("", text)
    return _SPACE.sub(" ", text).strip()


def _unwrap_cdata(text: str) -> str:
    """`<![CDATA[x]]>` -> `x`. An opening without a closing stays as it is, like the rest after it: no later
    opening can close either."""
    parts: list[str] = []
    pos = 0
    while (start := text.find("<![CDATA[", pos)) >= 0 and (end := text.find("]]>", start + 9)) >= 0:
        parts += (text[pos:start], text[start + 9:end])
        pos = end + 3
    parts.append(text[pos:])
    return "".join(parts)


def _drop_comments(text: str) -> str:
    """Each `<!-- ... -->` becomes a space; an unclosed one (and what follows it) stays."""
    parts: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        parts += (text[pos:start], " ")
        pos = end + 3
    parts.append(text[pos:])
    return "".join(parts)


def _drop_elements(text: str) -> str:
    """Each script/style/noscript/template/iframe/object element becomes a space. An opening whose closing tag
    is nowhere after it stays, and so does every later opening of that name: the name is then left out of the
    search, so a million unclosed openings cost one scan, not one loop turn each."""
    parts: list[str] = []
    done = search_from = 0
    alive = list(_DROP_NAMES)
    opening = _DROP_OPEN
    while match := opening.search(text, search_from):
        name = match.group(1).lower()
        close = _DROP_CLOSE[name].search(text, match.end())
        if close is None:
            alive.remove(name)
            if not alive:
                break
            opening = re.compile(rf"<({'|'.join(alive)})\b", re.I)
            search_from = match.end()
            continue
        parts += (text[done:match.start()], " ")
        done = search_from = close.end()
    parts.append(text[done:])
    return "".join(parts)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def struct_to_datetime(value: time.struct_time | None) -> datetime | None:
    """feedparser's UTC struct_time to an aware datetime; None when absent or absurd."""
    if value is None:
        return None
    try:
        stamp = calendar.timegm(value)
        result = datetime.fromtimestamp(stamp, tz=UTC)
    except (OverflowError, ValueError, TypeError, OSError):
        return None
    return result if 1990 <= result.year <= 2200 else None


def parse_datetime(value: str | None) -> datetime | None:
    """An RFC 822 or ISO 8601 date string to an aware UTC datetime (naive ones are taken as UTC)."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    result: datetime | None = None
    try:
        result = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            result = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if result is None:
        return None
    if result.tzinfo is None:
        result = result.replace(tzinfo=UTC)
    try:
        result = result.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return result if 1990 <= result.year <= 2200 else None


def normalize_language(value: str | None) -> str | None:
    """'en_US' / 'EN-us ' -> 'en-us'; None for anything that is not a language tag."""
    if not value:
        return None
    tag = value.strip().replace("_", "-")
    return tag.lower() if _LANG.match(tag) else None


def content_hash(title: str, text: str) -> str:
    """What decides that an article changed: its title and text, ignoring spacing."""
    payload = f"{_SPACE.sub(' ', title).strip()}\x1f{_SPACE.sub(' ', text).strip()}"
    return hashlib.sha256(payload.encode("utf-8", "replace")).hexdigest()[:32]
