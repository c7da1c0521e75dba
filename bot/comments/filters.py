"""Word filters applied to comment text: which of a guild's filters a comment matches, and what follows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.storage.moderation import WordFilter

__all__ = ["FilterHit", "check_filters"]


@dataclass(frozen=True)
class FilterHit:
    pattern: str
    action: str  # "remove" wins over "flag" when both match


def check_filters(text: str, filters: Iterable[tuple[WordFilter, re.Pattern[str]]]) -> FilterHit | None:
    hit: FilterHit | None = None
    for word_filter, compiled in filters:
        if compiled.search(text):
            if word_filter.action == "remove":
                return FilterHit(word_filter.pattern, "remove")
            hit = hit or FilterHit(word_filter.pattern, "flag")
    return hit
