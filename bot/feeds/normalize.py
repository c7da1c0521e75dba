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
_DROP_ELEMENTS = re.compile(r"<(script|style|noscript|template|iframe|object)\b.*?</\1\s*>", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
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
        text = _CDATA.sub(r"\1", text)
        text = _COMMENT.sub(" ", text)
        text = _DROP_ELEMENTS.sub(" ", text)
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
