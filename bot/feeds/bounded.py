"""Guards that keep hostile feed bodies cheap, each linear in its input (issue 12; BENCHMARKS.md "Hostile input").

`parse_feed` uses them before and around feedparser: the item cap (feedparser reads every item before anything
can be capped), the first `<img src>` of an item's HTML, a JSON Feed decoded member by member (no single C call
holds the GIL for a whole body), UTF-16/32 JSON sniffing, and credentials taken out of the feed URL.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["cap_items", "decode_json", "first_img_src", "open_elements", "wide_json", "without_userinfo"]

_IMG_START = re.compile(r"<img\b", re.I)
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.I)
_ITEM_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\b")
_XML_NAME = re.compile(rb"/?([A-Za-z_][\w:.-]*)")


def without_userinfo(url: str) -> str:
    """`url` without "user:password@": a redirect may carry credentials, and feedparser resolves relative item
    ids against the feed's URL, which would copy them into every such item's guid."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def wide_json(body: bytes) -> bool:
    """A JSON document in UTF-16 or UTF-32 (with or without a BOM): JSON allows them, XML sniffing would not
    see the "{"."""
    encoding = json.detect_encoding(body[:4])
    if not encoding.startswith(("utf-16", "utf-32")):
        return False
    head = body[:64].decode(encoding, "replace").lstrip("\ufeff \t\r\n")
    return head[:1] in ("{", "[")


def open_elements(head: bytes) -> list[bytes]:
    """Names of the XML elements still open at the end of `head` (a feed's start up to its first item), in
    one linear pass that skips comments, CDATA, processing instructions and declarations."""
    stack: list[bytes] = []
    pos = 0
    while (lt := head.find(b"<", pos)) >= 0:
        if head.startswith(b"<!--", lt):
            end, skip = head.find(b"-->", lt + 4), 3
        elif head.startswith(b"<![CDATA[", lt):
            end, skip = head.find(b"]]>", lt + 9), 3
        else:
            end, skip = head.find(b">", lt + 1), 1
            name = _XML_NAME.match(head, lt + 1)
            if end >= 0 and name and head[lt + 1:lt + 2] not in (b"!", b"?"):
                if head[lt + 1:lt + 2] == b"/":
                    if name.group(1) in stack:
                        del stack[len(stack) - 1 - stack[::-1].index(name.group(1)):]
                elif head[end - 1:end] != b"/":
                    stack.append(name.group(1))
        if end < 0:
            break
        pos = end + skip
    return stack


def cap_items(body: bytes, max_items: int) -> tuple[bytes, int | None]:
    """`body` cut before its item number `max_items` + 1 and closed again, with the number of items it lists
    (None when it lists no more than `max_items`: then `body` is returned as is).

    feedparser reads every item before anything can be capped: 100,000 tiny items cost it ~20 s. Items are
    siblings, so the elements open at the first item (channel, rss / feed / rdf:RDF) are the ones to close.
    """
    if body.count(b"item") + body.count(b"entry") <= max_items:
        # The common case, decided by two memchr-speed counts: the item regex is a single C call scanning every
        # "<" of the body, which holds the GIL (and so the event loop) for a tenth of a second on 10 MB of tags.
        return body, None
    starts = _ITEM_START.finditer(body)
    positions = [match.start() for match, _ in zip(starts, range(max_items + 1), strict=False)]
    if len(positions) <= max_items:
        return body, None
    first, cut = positions[0], positions[-1]
    listed = max_items + 1 + sum(1 for _ in _ITEM_START.finditer(body, cut + 1))
    closers = b"".join(b"</" + name + b">" for name in reversed(open_elements(body[:first])))
    return body[:cut] + closers, listed


def first_img_src(html: str) -> str | None:
    """The first `<img ... src="...">`'s src, as `_IMG_SRC.search` finds it, in linear time.

    An `<img` whose attributes (up to the next ">") hold no src cannot be followed by one that succeeds
    before that ">" (the earlier start already looked there), so the next try starts after it; with no ">"
    left, none can succeed. `_IMG_SRC.search` alone rescans to the end for every `<img` (quadratic).
    """
    pos = 0
    while start := _IMG_START.search(html, pos):
        if match := _IMG_SRC.match(html, start.start()):
            return match.group(1)
        end = html.find(">", start.end())
        if end < 0:
            return None
        pos = end + 1
    return None


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _skip_space(text: str, pos: int) -> int:
    match = _JSON_SPACE.match(text, pos)
    return match.end() if match else pos


def decode_json(text: str) -> Any:
    """`json.loads(text)` for a JSON Feed, decoded one member (and one item) at a time.

    Same result and errors, but no single C-level call decodes the whole body: `json.loads` of 10 MB holds the
    GIL, and so the bot's event loop, for a quarter of a second even from a worker thread.
    """
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if not text.startswith("{", pos):
        return json.loads(text)
    data: dict[str, Any] = {}
    pos = _skip_space(text, pos + 1)
    if not text.startswith("}", pos):
        while True:
            if not text.startswith('"', pos):
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
            key, pos = decoder.raw_decode(text, pos)
            pos = _skip_space(text, pos)
            if not text.startswith(":", pos):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
            pos = _skip_space(text, pos + 1)
            if text.startswith("[", pos):
                data[key], pos = _decode_json_array(decoder, text, pos)
            else:
                data[key], pos = decoder.raw_decode(text, pos)
            pos = _skip_space(text, pos)
            if text.startswith("}", pos):
                break
            if not text.startswith(",", pos):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos = _skip_space(text, pos + 1)
    end = _skip_space(text, pos + 1)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return data


def _decode_json_array(decoder: json.JSONDecoder, text: str, pos: int) -> tuple[list[Any], int]:
    values: list[Any] = []
    pos = _skip_space(text, pos + 1)
    if text.startswith("]", pos):
        return values, pos + 1
    while True:
        value, pos = decoder.raw_decode(text, pos)
        values.append(value)
        pos = _skip_space(text, pos)
        if text.startswith("]", pos):
            return values, pos + 1
        if not text.startswith(",", pos):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
        pos = _skip_space(text, pos + 1)
