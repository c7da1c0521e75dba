"""`newsdesk stories cluster FILE`: which story each article of a JSON-lines file belongs to.

Input: one JSON object a line, `{"id", "title", "url", "source", "published", "summary"?, "language"?}`; only
`id` (string or number) and `title` are required. `published` is ISO 8601 (a time without zone is UTC) or
epoch seconds; a line without it takes the time of the nearest dated line before it (or the first dated line).
Articles are processed in published order (file order among equal times), through one `StoryIndex` as one
channel's stream, and one line `{"id", "story"}` is written per article in input order: `story` is the id of
the article that opened the story, so an article that opened its own has `story == id`.

A bad line is reported on stderr as `newsdesk: FILE line N: ...` and skipped; the others are still
clustered, and the exit code is then 1. The module is self-contained (it only needs `bot.stories` and `bot.errors`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.errors import CliError
from bot.stories.index import DEFAULT_WINDOW_SECONDS, StoryArticle, StoryIndex

__all__ = ["ClusterInput", "InputLineError", "cluster_lines", "parse_line", "register"]


class InputLineError(ValueError):
    """One input line cannot be used; the message says why and what to write instead."""


@dataclass(frozen=True, slots=True)
class ClusterInput:
    line: int
    id: Hashable
    title: str
    published: float | None
    source: str | None
    url: str | None
    summary: str | None
    language: str | None


def register(subparsers: Any) -> None:
    stories = subparsers.add_parser("stories", help="story clustering: one thread per story across outlets")
    stories_sub = stories.add_subparsers(dest="stories_command", metavar="ACTION")
    cluster = stories_sub.add_parser(
        "cluster", help="assign each article of a JSON-lines file to a story, as the bot would")
    cluster.add_argument("file", help='JSON lines {"id", "title", "url", "source", "published", "summary"?}; '
                                      "- reads standard input")
    cluster.add_argument("--window-hours", type=float, default=DEFAULT_WINDOW_SECONDS / 3600,
                         help="an article joins only stories opened this recently (default %(default)g)")
    cluster.set_defaults(handler=_cluster)
    stories.set_defaults(handler=None, help_parser=stories)


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputLineError(f'"{key}" must be a string (got {type(value).__name__})')
    return value


def _published(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InputLineError('"published" must be an ISO 8601 date or epoch seconds (got true/false)')
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputLineError(f'"published" {value!r} is not ISO 8601 (like 2026-12-06T10:42:00Z) '
                                 "nor epoch seconds") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    raise InputLineError(f'"published" must be an ISO 8601 string or epoch seconds (got {type(value).__name__})')


def parse_line(text: str, line: int) -> ClusterInput | None:
    """One input line as a `ClusterInput`; None for a blank line; `InputLineError` when it is unusable."""
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputLineError(f"not JSON ({exc.msg} at column {exc.colno}); write one JSON object a line") from None
    if not isinstance(data, dict):
        raise InputLineError(f"a JSON object is needed, not {type(data).__name__}")
    article_id = data.get("id")
    if isinstance(article_id, bool) or not isinstance(article_id, str | int) or article_id == "":
        raise InputLineError('"id" is missing or not a string or integer')
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise InputLineError('"title" is missing or empty')
    return ClusterInput(
        line=line, id=article_id, title=title, published=_published(data.get("published")),
        source=_optional_text(data, "source"), url=_optional_text(data, "url"),
        summary=_optional_text(data, "summary"), language=_optional_text(data, "language"),
    )


def cluster_lines(lines: Iterable[str], *, window_seconds: float = DEFAULT_WINDOW_SECONDS
                  ) -> tuple[list[tuple[Hashable, Hashable]], list[tuple[int, str]]]:
    """(id, story) per good line in input order, and (line number, problem) per bad line."""
    inputs: list[ClusterInput] = []
    problems: list[tuple[int, str]] = []
    first_use: dict[Hashable, int] = {}
    for number, text in enumerate(lines, 1):
        try:
            item = parse_line(text, number)
        except InputLineError as exc:
            problems.append((number, str(exc)))
            continue
        if item is None:
            continue
        if item.id in first_use:
            problems.append((number, f'"id" {item.id!r} is already used on line {first_use[item.id]}; '
                                     "each article needs its own id"))
            continue
        first_use[item.id] = number
        inputs.append(item)
    times = _times(inputs)
    order = sorted(range(len(inputs)), key=lambda i: (times[i], i))
    index = StoryIndex(window_seconds=window_seconds)
    story_of: dict[Hashable, Hashable] = {}
    for position in order:
        item = inputs[position]
        match = index.assign(StoryArticle(
            id=item.id, title=item.title, at=times[position], source=item.source, url=item.url,
            summary=item.summary, language=item.language))
        story_of[item.id] = item.id if match is None else match.story_id
    return [(item.id, story_of[item.id]) for item in inputs], problems


def _times(inputs: list[ClusterInput]) -> list[float]:
    dated = [item.published for item in inputs if item.published is not None]
    previous = dated[0] if dated else 0.0
    times: list[float] = []
    for item in inputs:
        if item.published is not None:
            previous = item.published
        times.append(previous)
    return times


def _open(path: str) -> TextIO:
    if path == "-":
        return sys.stdin
    try:
        return open(path, encoding="utf-8")  # the caller closes it
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None


def _cluster(args: argparse.Namespace, settings: object) -> int:
    if args.window_hours <= 0:
        raise CliError("--window-hours must be more than 0")
    handle = _open(args.file)
    try:
        try:
            results, problems = cluster_lines(handle, window_seconds=args.window_hours * 3600)
        except UnicodeDecodeError:
            raise CliError(f"{args.file} is not UTF-8 text; save it as UTF-8 JSON lines") from None
    finally:
        if handle is not sys.stdin:
            handle.close()
    out = sys.stdout
    for article_id, story in results:
        out.write(json.dumps({"id": article_id, "story": story}, ensure_ascii=False) + "\n")
    out.flush()
    name = "standard input" if args.file == "-" else args.file
    for number, problem in problems:
        print(f"newsdesk: {name} line {number}: {problem} (line skipped)", file=sys.stderr)
    return 1 if problems else 0
