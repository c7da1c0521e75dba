"""Sentence segmentation for news text.

`sentencex` (Wikimedia; Rust core, ~240 languages, no data downloads) does the splitting: it was the fastest
of the candidates measured (see BENCHMARKS.md) and handles quotes, decimals and most abbreviations. A small
repair pass fixes what it still gets wrong on news (initials such as "J.P. Morgan" or "M. Dupont", a split
before a lowercase continuation). When sentencex is missing or raises, a regex splitter takes over, so a
broken wheel degrades quality, never availability.

Text is first cut into paragraphs at line breaks: news bodies, lists and bullet points are line-based,
and a sentence never spans two paragraphs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

__all__ = ["Segmenter", "regex_split"]

log = logging.getLogger(__name__)

# Sentence end: terminal punctuation, optional closing quotes/brackets, whitespace, then something that can
# start a sentence. CJK full stops need no space after them.
_REGEX_BOUNDARY = re.compile(
    r"(?<=[.!?…])([\"'”’»)\]]*)\s+(?=[\"'“‘«(\[¿¡]?[^\W_a-zß-ÿа-я])|(?<=[。！？])([」』”’]*)"
)
# A cheap pre-check for `_REGEX_BOUNDARY`: any terminal punctuation before a space (or any CJK stop).
_MAYBE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s|[。！？]")
# Tokens ending in "." that do not end a sentence (checked on the last word of a fragment).
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt cmdr adm gov sen rep rev hon pres supt insp
    approx inc ltd co corp bros dept univ vs etc al e.g i.e u.s u.k u.n d.c
    hr frau bzw z.b usw vgl mme mlle sra sras srta dña""".split()
)
# Abbreviations only before a number ("No. 1", "Jan. 5", "Vol. 3"): "He said no. Then" still splits.
_NUMERIC_ABBREVIATIONS = frozenset(
    "no nos nr vol fig p pp art ch ca jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


# "a.m."/"p.m." end the sentence unless a time zone or a day or date follows ("at 9 p.m. EST", "5 a.m. Monday").
_TIME_SUFFIXES = frozenset("a.m p.m".split())
_AFTER_TIME = re.compile(
    r"(?:[A-Z]{2,4}T?\b|UTC|GMT|local|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|tomorrow"
    r"|yesterday|on\b|at\b|in\b|and\b|or\b|to\b|until\b|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b)"
)


def regex_split(paragraph: str) -> list[str]:
    """A dependency-free splitter: punctuation followed by a plausible sentence start."""
    parts: list[str] = []
    start = 0
    for match in _REGEX_BOUNDARY.finditer(paragraph):
        piece = (paragraph[start:match.start()] + (match.group(1) or match.group(2) or "")).strip()
        if piece:
            parts.append(piece)
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def _resplit(sentence: str) -> list[str]:
    # Most sentences have no inner ". " at all: skip the regex for them (a third of the segmentation time).
    if _MAYBE_END.search(sentence) is None:
        return [sentence]
    return regex_split(sentence)


def _sentencex_splitter() -> Callable[[str, str], list[str]] | None:
    try:
        import sentencex
    except Exception:  # missing or broken wheel: use the regex splitter
        log.warning("sentencex is unavailable; using the regex sentence splitter")
        return None

    def split(paragraph: str, language: str) -> list[str]:
        return [s.strip() for s in sentencex.segment(language or "en", paragraph) if s.strip()]

    return split


def _ends_with_abbreviation(fragment: str, following: str) -> bool:
    """True when the final "." of `fragment` is more likely an abbreviation than a sentence end."""
    if not fragment.endswith("."):
        return False
    word = fragment.rsplit(None, 1)[-1].rstrip(".").lstrip("(\"'“‘")
    tail = word.rsplit(".", 1)[-1]
    # "J." / "J.P." (initials) and "3." (an ordinal, as in German "am 3. Mai")
    if (len(tail) == 1 and tail.isupper()) or (tail.isdigit() and len(tail) <= 2 and tail == word):
        return True
    lowered = word.lower()
    if lowered in _TIME_SUFFIXES:
        return _AFTER_TIME.match(following.lstrip("\"'“‘(")) is not None
    if lowered in _NUMERIC_ABBREVIATIONS:
        return following[:1].isdigit()
    return lowered in _ABBREVIATIONS


def _open_quote(fragment: str) -> bool:
    return fragment.count('"') % 2 == 1 or fragment.count("“") > fragment.count("”")


def _repair(parts: list[str]) -> list[str]:
    """Merge a fragment into the previous one when the split was clearly wrong."""
    merged: list[str] = []
    for part in parts:
        if merged:
            previous = merged[-1]
            first = part[0]
            if (
                (_ends_with_abbreviation(previous, part) and (first.isupper() or first.isdigit()))
                or first.islower()
                or all(not ch.isalnum() for ch in part)
                # inside a quotation that this fragment closes: "We will win. We always win." stays whole
                or (_open_quote(previous) and ('"' in part or "”" in part) and len(previous) < 600)
            ):
                merged[-1] = f"{previous} {part}"
                continue
        merged.append(part)
    return merged


class Segmenter:
    """Splits text into sentences. `backend`: "auto" (sentencex if importable) or "regex"."""

    def __init__(self, backend: str = "auto") -> None:
        if backend not in ("auto", "sentencex", "regex"):
            raise ValueError(f"unknown segmenter backend {backend!r}")
        self._library = None if backend == "regex" else _sentencex_splitter()
        self.backend = "sentencex" if self._library else "regex"

    def split(self, text: str, language: str | None = None) -> list[str]:
        sentences: list[str] = []
        for paragraph in text.split("\n"):
            paragraph = paragraph.strip()
            if paragraph:
                sentences.extend(self._split_paragraph(paragraph, language or "en"))
        return sentences

    def _split_paragraph(self, paragraph: str, language: str) -> list[str]:
        if self._library is not None:
            try:
                # sentencex keeps some real boundaries together ("in May. Analysts"); a second regex
                # pass splits those, and the repair pass re-joins the ones that were abbreviations.
                pieces = [p for s in self._library(paragraph, language) for p in _resplit(s)]
                return _repair(pieces)
            except Exception:  # a library bug on odd input must not lose the article
                log.debug("sentencex failed on a paragraph; using the regex splitter", exc_info=True)
        return _repair(regex_split(paragraph))
