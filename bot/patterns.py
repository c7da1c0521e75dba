"""Regexes people type (moderators' word filters, feeds' filter rules): each search is bounded in time, and a
pattern that backtracks catastrophically is refused when it is added.

Searches run on the event loop, so `regex` (not `re`) with `timeout=PATTERN_TIMEOUT`: a search that gives up
counts as not matching. `too_slow` tries a pattern on runs that make backtracking regexes explode.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PATTERN_TIMEOUT", "too_slow"]

PATTERN_TIMEOUT = 0.05
# Comment-sized (Discord's 2,000-character limit) runs that make backtracking regexes explode.
_SLOW_BAITS = tuple(unit * (2000 // len(unit)) + "!" for unit in ("a", "a ", "ab", " ", "1", "a1", "aA", ".", "x@"))


def too_slow(compiled: Any) -> bool:
    """Whether a compiled `regex` pattern backtracks catastrophically on comment-sized text."""
    for bait in _SLOW_BAITS:
        try:
            compiled.search(bait, timeout=PATTERN_TIMEOUT)
        except TimeoutError:
            return True
    return False
