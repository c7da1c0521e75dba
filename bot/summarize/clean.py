"""Turning whatever we were given into clean article text: bytes to str, HTML to text, boilerplate out.

Every step is a linear-time regex or a single pass over lines, so a megabyte of input costs milliseconds.
Boilerplate is removed conservatively: a line or sentence is dropped only when it is clearly furniture
(bylines, "PUBLISHED: … UPDATED: …" stamps, share/subscribe prompts, photo credits, player notices), since a
dropped fact is worse for a reader than a stray "Read more" that ranking will not pick anyway.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = [
    "InputError",
    "clean_text",
    "decode_input",
    "html_headline",
    "is_boilerplate_sentence",
    "looks_like_html",
    "strip_dateline",
    "strip_html",
]


class InputError(ValueError):
    """The input cannot be summarized (binary data, nothing but markup, ...). The message is for the user."""


def decode_input(data: bytes) -> str:
    """Decode bytes as UTF-8 text (BOM tolerated), refusing binary data with a clear message."""
    if not data:
        return ""
    head = data[:65536]
    if b"\x00" in head:
        raise InputError("the input looks like binary data (it contains NUL bytes), not text")
    text = data.decode("utf-8", errors="replace")
    sample = text[:65536]
    bad = sample.count("\ufffd") + sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f")
    if bad > max(8, len(sample) // 50):
        raise InputError("the input looks like binary data or is not UTF-8 text")
    return text.lstrip("\ufeff")


_HTML_HINT = re.compile(
    r"<(?:!doctype|html|head|body|p|div|br|span|a|article|section|h[1-6]|ul|ol|li|script|style|img|table)\b",
    re.IGNORECASE,
)
# Elements whose whole content is not article text. Removed by a scanner, not a lazy `.*?` regex: with many
# unclosed openings such a regex rescans to the end of the text each time (quadratic on a megabyte).
_BLOCK_OPEN = re.compile(
    r"<!--|<(script|style|noscript|template|svg|iframe|nav|footer|header|aside|form|figcaption)\b",
    re.IGNORECASE,
)
_BLOCK_TAGS = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|article|section|blockquote|tr|table|pre|figure|hr|dd|dt)\b[^>]*>",
    re.IGNORECASE,
)
_ANY_TAG = re.compile(r"<[^<>]{0,2000}>")


def looks_like_html(text: str) -> bool:
    return "<" in text and len(_HTML_HINT.findall(text[:20000])) >= 2


def _drop_blocks(text: str) -> str:
    """Remove comments and non-content elements in one left-to-right pass (an unclosed one runs to the end)."""
    lowered = text.lower()
    parts: list[str] = []
    pos = 0
    while True:
        match = _BLOCK_OPEN.search(text, pos)
        if match is None:
            parts.append(text[pos:])
            break
        parts.append(text[pos:match.start()])
        closing = "-->" if match.group(1) is None else f"</{match.group(1).lower()}"
        end = lowered.find(closing, match.end())
        if end < 0:
            break
        after = end + len(closing)
        if match.group(1) is not None:
            gt = text.find(">", after)
            after = len(text) if gt < 0 else gt + 1
        parts.append(" ")
        pos = after
    return "".join(parts)


def strip_html(text: str) -> str:
    """Markup to plain text: scripts/styles/navigation dropped, block tags become line breaks."""
    text = _drop_blocks(text)
    # Every block tag ends at a ">", so nothing after the last ">" can be one; substituting only up to it gives
    # the same text, but keeps `[^>]*` from rescanning a ">"-less tail once for every "<div " in it (quadratic).
    last = text.rfind(">") + 1
    text = _BLOCK_TAGS.sub("\n", text[:last]) + text[last:]
    text = _ANY_TAG.sub("", text)
    return html.unescape(text)


# Whole lines that are page furniture. Anchored at the line start and short, so a sentence of news that
# merely mentions "subscribe" is kept.
_BOILER_LINE = re.compile(
    r"""^\s*(?:
        leave\ a\ (?:reply|comment)|post\ a\ comment|comments?\s*\(\d+\)|\d+\s+comments?
      | share\ (?:this|on|via)\b|share\s*$|tweet\s*$|email\s*$|print\s*$|pin\ it
      | (?:click|tap)\ here\b|sign\ up\b|subscribe\b|follow\ us\b|like\ us\ on\b|join\ us\ on\b
      | (?:photo|image|picture|video|graphic)s?\s*(?:credit)?\s*[:©]|(?:photo|image)\ (?:by|courtesy)\b
      | image\ copyright|copyright\s*(?:©|\(c\)|\d{4})|©|all\ rights\ reserved
      | media\ playback\ is\ (?:not\ )?supported|your\ browser\ does\ not\ support
      | advertisement\s*$|sponsored\ (?:content|by)\b|related\s*(?:articles?|stories|content)?\s*:|read\ (?:more|next|also)\s*:
      | see\ (?:more|also)\s*:|more\ on\ this\ story|watch\s*:|listen\s*:|scroll\ down\ for\ video
      | (?:published|updated|last\ updated|posted)\s*(?:on|at)?\s*:?\s*\.?\s*\d
      | by\s*\.?\s*$|image\ caption|photograph\s*:|ap\ photo\b|getty\ images\s*$|\(photo\s*:
      | story\ continues\ below|continue\ reading\ the\ main\ story|skip\ to\ (?:main\ )?content
      | already\ a\ subscriber|(?:recommended|most\ (?:read|popular|viewed)|back\ to\ top)\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# "By Jane Smith", "By JANE SMITH and John Doe, CNN", "By Staff Reporter | Updated": capitalised names only,
# so "By Tuesday, the storm had passed." is kept.
_BYLINE_WORD = r"(?:[A-ZÀ-Þ][\w.'’-]*|and|&|\||-|–|for|in|of|the)"
# Words separated by mandatory spaces: one way to match, so no catastrophic backtracking.
_BYLINE = re.compile(rf"^By\s+{_BYLINE_WORD}(?:,?\s+{_BYLINE_WORD}){{0,11}},?\s*$")
# "By Priya Nair · fictional story", "By Jane Doe | Reuters", "By JANE DOE - Staff writer": a capitalised name,
# then a separator and a short tail of any words.
_BYLINE_TAGGED = re.compile(r"^By\s+[A-ZÀ-Þ][\w.'’-]*(?:\s+[A-ZÀ-Þ][\w.'’-]*){0,4}\s*[·|•—–-]\s*\S")
# The headline of an HTML page: <title> and og:title (the first <h1> is found by `_first_h1`); titles often
# end in " | Site" or " - Site".
_HTML_HEADLINES = (
    re.compile(r"<title\b[^>]{0,200}>([^<]{1,400})</title", re.IGNORECASE),
    re.compile(r"""<meta\s[^>]{0,200}?property=["']og:title["'][^>]{0,50}?content=["']([^"'<>]{1,400})""",
               re.IGNORECASE),
)
_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{1,60}$")
# Furniture that sits inside running text (CNN/DailyMail style) rather than on its own line.
_INLINE_STAMPS = re.compile(
    r"""(?:\bBy\s+\.\s+(?:[^.\n]{1,60}?\s+\.\s+){1,4}(?=PUBLISHED|UPDATED|Last\ updated|[A-Z]))
      | (?:\bPUBLISHED:\s*\.?\s*\d{1,2}:\d{2}\s*\w{0,4},?\s*\d{1,2}\s+\w+\s+\d{4}\s*\.?\s*\|?\s*\.?\s*)
      | (?:\bUPDATED:\s*\.?\s*\d{1,2}:\d{2}\s*\w{0,4},?\s*\d{1,2}\s+\w+\s+\d{4}\s*\.?\s*)
      | (?:\bLast\ updated\ at\ \d{1,2}:\d{2}\ ?[AP]M\ on\ \d{1,2}\w{0,2}\ \w+\ \d{4}\s*\.?\s*)
      | (?:\s*\.\s+Scroll\ down\ for\ video\s*\.)
    """,
    re.VERBOSE,
)
_STAMP_MARKERS = ("By .", "PUBLISHED", "UPDATED", "Last updated", "Scroll down")
# Sentences (after segmentation) that are furniture wherever they appear.
_BOILER_SENTENCE = re.compile(
    r"""^\W*(?:
        read\ (?:more|next|also)\s*:|see\ (?:more|also)\s*:|related\s*:|watch\s*:|click\ here
      | scroll\ down\ for\ video|media\ playback\ is\ (?:not\ )?supported|sign\ up\ for\b|subscribe\ to\b
      | follow\ (?:us|@\w+|[\w\s]{1,40}\ on\ (?:twitter|facebook|instagram))\b|share\ this\b
      | leave\ a\ (?:reply|comment)|image\ copyright|photo\ credit|(?:photo|image)s?\s*:\s|©
      | the\ views\ expressed\ in\ this\ (?:commentary|article|column)\ are
      | [\w.'\- ]{3,60}\ contributed\ to\ this\ report\W*$
      | (?:published|updated)\s*:
      | e-?mail\ to\ a\ friend|all\ rights\ reserved|this\ (?:article|story)\ (?:was|has\ been)\ (?:updated|corrected)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# "WASHINGTON (CNN) -- ", "(CNN)", "LONDON, England (Reuters) --", "BERLIN (dpa) - " at the very start.
_DATELINE = re.compile(
    r"^\s*(?:[A-ZÀ-Þ][\w .,'’À-ÿ-]{0,60}?\s*)?\((?:CNN|Reuters|AP|AFP|dpa|EW\.com|[A-Z][\w .&]{1,30})\)"
    r"\s*(?:--|—|–|-)?\s*"
)
# "WASHINGTON — ", "SAN FRANCISCO, Calif. – ", "KYIV, Ukraine -- ": a city in capitals, an optional place, a dash.
_CAPITAL_DATELINE = re.compile(
    r"^\s*[A-ZÀ-Þ]{2}[A-ZÀ-Þ.'’-]*(?: [A-ZÀ-Þ]{2}[A-ZÀ-Þ.'’-]*){0,3}(?:, [A-ZÀ-Þ][\w.'’-]*(?: [A-ZÀ-Þ][\w.'’-]*)?)?"
    r"\s*(?:--|—|–)\s+(?=[A-ZÀ-Þ0-9\"“‘'(])"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")


def strip_dateline(text: str) -> str:
    """Drop a leading dateline such as "(CNN)", "LONDON (Reuters) --" or "WASHINGTON — "."""
    match = _DATELINE.match(text) or _CAPITAL_DATELINE.match(text)
    return text[match.end():] if match and match.end() < len(text) else text


def html_headline(page: str) -> list[str]:
    """The headlines a page states in <title>, og:title and <h1>, as plain text (empty when none).

    Looked for in the first 200 kB only (the head and the top of the body), so a huge page costs nothing more.
    """
    head = page[:200_000]
    raw = [m.group(1) for m in (pattern.search(head) for pattern in _HTML_HEADLINES) if m]
    raw.append(_first_h1(head))
    found: list[str] = []
    for markup in raw:
        text = _SPACES.sub(" ", html.unescape(_ANY_TAG.sub("", markup))).strip()
        if text:
            found.append(text)
            bare = _SITE_SUFFIX.sub("", text)
            if bare != text:
                found.append(bare)
    return found


def _first_h1(page: str) -> str:
    """The markup inside the first <h1>…</h1>, found with str.find: a lazy regex rescans up to its limit
    after each of thousands of unclosed "<h1>" (half a second on 200 kB)."""
    lowered = page.lower()
    start = lowered.find("<h1")
    while start >= 0 and lowered[start + 3:start + 4] not in (">", " ", "\t", "\n", "\r"):
        start = lowered.find("<h1", start + 3)
    if start < 0:
        return ""
    open_end = lowered.find(">", start, start + 400)
    close = lowered.find("</h1", open_end, open_end + 600) if open_end >= 0 else -1
    return page[open_end + 1:close] if close >= 0 else ""


def is_boilerplate_sentence(sentence: str) -> bool:
    return bool(_BOILER_SENTENCE.match(sentence))


def clean_text(text: str) -> str:
    """Plain, normalised article text with furniture lines and stamps removed; paragraphs kept as lines."""
    if looks_like_html(text):
        text = strip_html(text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    if any(marker in text for marker in _STAMP_MARKERS):  # the stamp regex is the costliest step: skip it
        text = _INLINE_STAMPS.sub(" ", text)
    lines: list[str] = []
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if not line:
            if lines and lines[-1]:
                lines.append("")
            continue
        if len(line) < 200 and (
            _BOILER_LINE.match(line) or (len(line) < 100 and (_BYLINE.match(line) or _BYLINE_TAGGED.match(line)))
        ):
            continue
        lines.append(line)
    cleaned = "\n".join(lines).strip()
    return strip_dateline(cleaned)
