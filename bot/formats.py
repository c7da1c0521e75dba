"""How values are written for people and for other programs: counted nouns, times, ids, spreadsheet cells.

One place, so every reply says "1 comment" and every export writes the same id and time forms.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

__all__ = ["csv_cell", "id_text", "iso_utc", "join_words", "plural"]

# Nouns whose plural is not the noun + "s". Keyed by the singular.
_IRREGULAR = {"person": "people", "reply": "replies", "story": "stories", "entry": "entries", "child": "children"}


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`count` and the noun in the right number: plural(1, "comment") -> "1 comment", plural(0, ...) -> "0 comments".

    The count is written with thousands separators; give `plural_form` for a noun this module does not know.
    """
    if count == 1:
        noun = singular
    else:
        noun = plural_form or _IRREGULAR.get(singular) or (
            singular + "es" if singular.endswith(("s", "x", "ch", "sh")) else singular + "s")
    return f"{count:,} {noun}"


def join_words(items: Iterable[str], conjunction: str = "and") -> str:
    """"a", "a and b", "a, b and c": a list for a sentence, never Python's repr of it."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def iso_utc(timestamp: float | None) -> str | None:
    """Unix seconds as ISO 8601 in UTC with milliseconds: 1796160383.01 -> "2026-12-01T21:26:23.010Z"."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def id_text(value: int | str | None) -> str | None:
    """A Discord id as a string: ids exceed 2**53, which JSON readers (JavaScript, jq) round to a neighbour."""
    return None if value is None else str(value)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe (OWASP)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
