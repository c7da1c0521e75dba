"""`newsdesk summarize [URL|FILE|-] [--sentences N | --words N | --length L] [--bullets] [--json]`.

FILE and standard input need nothing else. A URL goes through the feed package's fetcher and article
extraction (`bot.feeds`), reached through `fetch_article_text`, which is imported lazily so the summarizer
works in builds or branches without it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.errors import CliError
from bot.summarize.clean import InputError, decode_input
from bot.summarize.result import LENGTH_PRESETS, SummaryOptions, SummaryResult

__all__ = ["MAX_INPUT_BYTES", "fetch_article_text", "register", "run_summarize"]

MAX_INPUT_BYTES = 20 * 1024 * 1024
FetchArticle = Callable[[str, Settings], Awaitable[tuple[str | None, str]]]


async def fetch_article_text(url: str, settings: Settings) -> tuple[str | None, str]:
    """(title, text) of the article at `url`, via bot.feeds' fetcher and extraction."""

    from bot.feeds.article_text import fetch_article_text as fetch_article

    title, text = await fetch_article(url, settings)
    return title, text


def _read_source(source: str) -> bytes:

    if source == "-":
        if sys.stdin is None or sys.stdin.isatty():
            raise CliError("nothing to summarize: give a URL or a FILE, or pipe text in with '-'")
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        path = Path(source)
        if path.is_dir():
            raise CliError(f"{source} is a folder: give one article's file (text or HTML), a URL, or - for "
                           "standard input")
        if not path.is_file():
            raise CliError(f"no such file: {source}" if not path.exists() else
                           f"{source} is not a regular file: give a text or HTML file, a URL, or -")
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise CliError(f"cannot read {source}: {exc.strerror or exc}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise CliError(f"the input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; give an article, not a corpus")
    return data


def _options(args: argparse.Namespace) -> SummaryOptions:

    try:
        return SummaryOptions(
            length=args.length or "medium",
            sentences=args.sentences,
            words=args.words,
            style="bullets" if args.bullets else "paragraph",
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _print(result: SummaryResult, as_json: bool) -> None:
    if as_json:
        payload: dict[str, Any] = {
            "summary": result.summary,
            "sentences": result.sentences,
            "reduced_by": result.reduced_by,
            "keywords": result.keywords,
            "method": result.method,
            "fallback_reason": result.fallback_reason,
            "language": result.language,
        }
        print(json.dumps(payload, ensure_ascii=False))
        return
    print(result.summary)
    print()
    details = [f"reduced by {round(result.reduced_by * 100)}%", f"method: {result.method}"]
    if result.keywords:
        details.append("keywords: " + ", ".join(result.keywords))
    print(" · ".join(details))
    if result.fallback_reason:
        print(f"(LLM unavailable: {result.fallback_reason})")


async def run_summarize(
    args: argparse.Namespace, settings: Settings, fetch: FetchArticle = fetch_article_text
) -> int:
    from bot.summarize.service import SummaryService

    options = _options(args)
    source: str = args.source
    title: str | None = None
    if source.startswith(("http://", "https://")):
        title, text = await fetch(source, settings)
    else:
        try:
            text = decode_input(_read_source(source))
        except InputError as exc:
            raise CliError(str(exc)) from None
    service = SummaryService(settings)
    try:
        result = await service.summarize_text(text, options=options, language=args.language, title=title)
    except InputError as exc:
        raise CliError(str(exc)) from None
    finally:
        await service.aclose()
    _print(result, args.json)
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "summarize",
        help="summarize an article from a URL, a file or standard input",
        description="Summarize an article: extractive by default, or the LLM when SUMMARIZER=llm.",
    )
    parser.add_argument("source", nargs="?", default="-", metavar="URL|FILE|-",
                        help="an article URL, a text or HTML file, or - for standard input (default)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--sentences", type=int, metavar="N", help="summary of N sentences")
    size.add_argument("--words", type=int, metavar="N", help="summary of at most N words")
    size.add_argument("--length", choices=tuple(LENGTH_PRESETS), help="short, medium (default) or long")
    parser.add_argument("--bullets", action="store_true", help="bullet points instead of a paragraph")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: summary, sentences, reduced_by, keywords, method")
    parser.add_argument("--language", metavar="CODE", help="the article's language (default: detected)")
    parser.set_defaults(handler=run_summarize)
