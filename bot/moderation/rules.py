"""Durations as moderators type them (`/mod mute duration:2h`, `/mod purge since:1d`) and as the bot shows them."""

from __future__ import annotations

import re

__all__ = ["format_duration", "parse_duration"]

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
