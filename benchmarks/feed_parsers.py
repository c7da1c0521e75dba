"""Compare feed parsers on the shared feed corpus: correctness first, then speed.

Run: /work/venv/bin/python benchmarks/feed_parsers.py [--repeat N]

Correctness: feedparser's own conformance files (feeds/feedparser-tests) begin with an XML comment holding
`Expect:`, a Python expression over feedparser's result. It is evaluated against every candidate that exposes a
feedparser-style result, twice: as written ("full"), and with its `bozo` clauses dropped ("content"), because
whether a feed counts as "bozo" (not well-formed) is feedparser's own notion and a lenient parser may fairly
differ; what matters to the bot is that titles, links, dates and content come out right.
Real snapshots (feedjira, node-feedparser, laminas-feed, trafilatura): a file counts as parsed when the candidate
returns without an exception and with at least one entry (node-feedparser's notafeed.html is expected to fail).
Speed: ms a file over the real snapshots, candidates run side by side (interleaved) so machine noise hits all.
The last line is `RESULT ...`.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(os.environ.get("NEWSDESK_SHARED_DATA", "../shared/data")) / "feeds"
_EXPECT = re.compile(rb"Expect:\s*(.*?)\s*(?:-->|\n\s*\n|\"\s*,)", re.S)
_HEADER = re.compile(rb"^\s*Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", re.M)
_BOZO_CLAUSE = re.compile(r"^\s*(not\s+)?bozo\s+and\s+|\s+and\s+(not\s+)?bozo\s*$")


def conformance_cases(root: Path) -> list[tuple[Path, bytes, str, dict[str, str]]]:
    cases = []
    for path in sorted((root / "feedparser-tests" / "tests").rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        match = _EXPECT.search(data[:4000])
        if not match:
            continue
        expect = match.group(1).decode("utf-8", "replace").strip()
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in _HEADER.findall(data[:4000])}
        cases.append((path, data, expect, headers))
    return cases


def real_snapshots(root: Path) -> list[tuple[Path, bytes]]:
    out = []
    for sub in ("feedjira", "node-feedparser", "laminas-feed", "trafilatura"):
        for path in sorted((root / sub).rglob("*")):
            if path.is_file() and not path.name.startswith("LICENSE"):
                data = path.read_bytes()
                if data[:2] == b"\x1f\x8b":  # a gzip-compressed snapshot: the fetcher would have decoded it
                    try:
                        data = gzip.decompress(data)
                    except (OSError, EOFError):
                        pass
                out.append((path, data))
    return out


def content_only(expect: str) -> str:
    return _BOZO_CLAUSE.sub("", expect)


def evaluate(expect: str, result: Any) -> bool:
    try:
        namespace = {"time": time, "datetime": datetime}
        return bool(eval(expect, namespace, result))  # the corpus's own expressions, by design
    except Exception:
        return False


def candidates() -> dict[str, Callable[[bytes, dict[str, str]], Any]]:
    found: dict[str, Callable[[bytes, dict[str, str]], Any]] = {}
    try:
        import feedparser

        found[f"feedparser {feedparser.__version__}"] = lambda d, h: feedparser.parse(
            d, response_headers=h or None, sanitize_html=True)
    except ImportError:
        pass
    try:
        import feedparser_rs

        found[f"feedparser-rs {feedparser_rs.__version__}"] = lambda d, h: feedparser_rs.parse(d)
    except ImportError:
        pass
    try:
        from importlib.metadata import version

        import fastfeedparser

        found[f"fastfeedparser {version('fastfeedparser')}"] = lambda d, h: fastfeedparser.parse(d)
    except ImportError:
        pass
    try:
        from bot.feeds.parser import parse_feed

        found["newsdesk parse_feed"] = lambda d, h: parse_feed(d, url="http://example.org/feed",
                                                                content_type=h.get("content-type"))
    except ImportError:
        pass
    return found


def has_entries(result: Any) -> bool:
    items = getattr(result, "items", None)
    if isinstance(items, list):
        return bool(items)
    try:
        return len(result["entries"]) > 0
    except Exception:
        return False


def sanitiser_equivalence(cases: list[tuple[Path, bytes, str, dict[str, str]]],
                          snaps: list[tuple[Path, bytes]]) -> tuple[int, int]:
    """On how many files parse_feed's plain-text output is the same with feedparser's HTML sanitiser and URI
    rewriting on (as feedparser defaults) and off (as parse_feed runs)."""
    from bot.feeds import parser as newsdesk_parser
    from bot.feeds.models import FeedParseError

    def outputs() -> list[object]:
        out: list[object] = []
        for data in [c[1] for c in cases] + [s[1] for s in snaps]:
            try:
                feed = newsdesk_parser.parse_feed(data, url="http://example.org/feed")
                out.append([(i.url, i.title, i.excerpt, i.content_text, i.image, i.published, i.updated,
                             i.author, i.guid) for i in feed.items])
            except FeedParseError as exc:
                out.append(str(exc))
        return out

    original = newsdesk_parser.SANITIZE_HTML
    try:
        newsdesk_parser.SANITIZE_HTML = True
        with_sanitiser = outputs()
        newsdesk_parser.SANITIZE_HTML = False
        without = outputs()
    finally:
        newsdesk_parser.SANITIZE_HTML = original
    return sum(a == b for a, b in zip(with_sanitiser, without, strict=True)), len(without)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing rounds over the real snapshots")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"no shared data at {DATA} (set NEWSDESK_SHARED_DATA)")
        return 2
    cands = candidates()
    cases = conformance_cases(DATA)
    snaps = real_snapshots(DATA)
    print(f"corpus: {len(cases)} conformance files with Expect:, {len(snaps)} real snapshots; {DATA}")
    rows = []
    for name, fn in cands.items():
        crashed = full = content = 0
        for _path, data, expect, headers in cases:
            try:
                result = fn(data, headers)
            except Exception:
                crashed += 1
                continue
            if name.startswith("newsdesk"):
                # A ParsedFeed is not feedparser-shaped: judge the feedparser result it is built from.
                from bot.feeds.parser import parse_raw

                result = parse_raw(data, headers=headers)
            full += evaluate(expect, result)
            content += evaluate(content_only(expect), result)
        parsed = raised = 0
        for _path, data in snaps:
            try:
                result = fn(data, {})
            except Exception:
                raised += 1
                continue
            parsed += has_entries(result)
        rows.append([name, crashed, full, content, parsed, raised])
    # Timing: interleave candidates per file so noise spreads evenly.
    spent = {name: 0.0 for name in cands}
    for _ in range(args.repeat):
        for _path, data in snaps:
            for name, fn in cands.items():
                start = time.perf_counter()
                try:
                    fn(data, {})
                except Exception:
                    pass
                spent[name] += time.perf_counter() - start
    n_timed = args.repeat * len(snaps)
    print()
    print(f"| parser | conformance raised (of {len(cases)}) | Expect held, full | Expect held, bozo clause "
          f"dropped | real snapshots with entries (of {len(snaps)}) | raised | ms/feed (real) |")
    print("|---|---|---|---|---|---|---|")
    for name, crashed, full, content, parsed, raised in rows:
        ms = spent[name] / n_timed * 1000
        print(f"| {name} | {crashed} | {full} | {content} | {parsed} | {raised} | {ms:.2f} |")
    same, total = sanitiser_equivalence(cases, snaps)
    print(f"\nparse_feed output (url, title, excerpt, text, image, dates, author) identical with feedparser's HTML "
          f"sanitiser and URI rewriting on and off: {same} of {total} files")
    summary = " ".join(
        f"{r[0].split()[0]}_held={r[3]} {r[0].split()[0]}_ms={spent[r[0]] / n_timed * 1000:.2f}" for r in rows)
    print(f"RESULT files={len(cases)} snapshots={len(snaps)} {summary} sanitiser_equivalent={same}/{total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
