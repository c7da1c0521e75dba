"""Word filters applied to comment text: which of a guild's filters a comment matches, and what follows."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.patterns import PATTERN_TIMEOUT, too_slow
from bot.storage.moderation import WordFilter

__all__ = ["FILTER_TIMEOUT", "FilterHit", "check_filters", "too_slow"]

log = logging.getLogger(__name__)

# A word filter runs on every comment, on the event loop: a regex that backtracks (`(a+)+$`) is stopped here.
FILTER_TIMEOUT = PATTERN_TIMEOUT


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
