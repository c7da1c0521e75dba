"""Small pure rules: durations as moderators type them, and word filters applied to comment text."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.storage.moderation import WordFilter

__all__ = ["FILTER_TIMEOUT", "FilterHit", "check_filters", "format_duration", "parse_duration", "too_slow"]

log = logging.getLogger(__name__)

# A word filter runs on every comment, on the event loop: a regex that backtracks (`(a+)+$`) is stopped here.
FILTER_TIMEOUT = 0.05
# Comment-sized (Discord's 2,000-character limit) runs that make backtracking regexes explode.
_SLOW_BAITS = tuple(unit * (2000 // len(unit)) + "!" for unit in ("a", "a ", "ab", " ", "1", "a1", "aA", ".", "x@"))

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Starts only at the beginning of a number, and never gives digits back: "1111…" without a unit is one failed try,
# not one per digit, each rescanning the rest (quadratic).
_DURATION = re.compile(r"(?<!\d)(\d++)\s*([smhdw])", re.IGNORECASE)
MAX_DURATION = 365 * 86400
# "52w", "365d", "1w2d3h4m5s": anything much longer is not a duration someone typed.
_MAX_DURATION_CHARS = 40


def parse_duration(text: str) -> int:
    """'90s', '10m', '2h30m', '1d', '1w' -> seconds. Raises ValueError with a message for the user."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned.isdigit():
        cleaned += "m"  # a bare number means minutes, the common case for a mute
    parts = _DURATION.findall(cleaned) if len(cleaned) <= _MAX_DURATION_CHARS else []
    if not parts or "".join(n + u for n, u in parts) != cleaned:
        shown = text if len(text) <= _MAX_DURATION_CHARS else text[:_MAX_DURATION_CHARS] + "…"
        raise ValueError(f"{shown!r} is not a duration: use forms like 30m, 2h, 1d or 1w")
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if not 0 < seconds <= MAX_DURATION:
        raise ValueError("a duration must be between 1 second and 365 days")
    return seconds


def format_duration(seconds: int) -> str:
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out) or "0s"


@dataclass(frozen=True)
class FilterHit:
    pattern: str
    action: str  # "remove" wins over "flag" when both match


def check_filters(text: str, filters: Iterable[tuple[WordFilter, Any]]) -> FilterHit | None:
    """The hit of the first "remove" filter, else of the first "flag" filter, else None. Each filter gets
    FILTER_TIMEOUT seconds (it runs on the event loop): one that takes longer counts as not matching, logged."""
    hit: FilterHit | None = None
    for word_filter, compiled in filters:
        try:
            found = compiled.search(text, timeout=FILTER_TIMEOUT)
        except TimeoutError:
            log.warning("guild %s: word filter %r gave up after %g s on a %d-character comment; it backtracks, "
                        "rewrite it (/mod filter remove, then add a simpler one)", word_filter.guild_id,
                        word_filter.pattern, FILTER_TIMEOUT, len(text))
            continue
        if found:
            if word_filter.action == "remove":
                return FilterHit(word_filter.pattern, "remove")
            hit = hit or FilterHit(word_filter.pattern, "flag")
    return hit


def too_slow(compiled: Any) -> bool:
    """Whether a filter backtracks catastrophically on comment-sized text (checked when it is added)."""
    for bait in _SLOW_BAITS:
        try:
            compiled.search(bait, timeout=FILTER_TIMEOUT)
        except TimeoutError:
            return True
    return False
