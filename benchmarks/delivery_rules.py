"""Filter rules and OPML on hostile input: what one item's rule check and one OPML file cost on the event loop.

1. Rules (bot/feeds/rules.py) run in the outbox, on the event loop, once per new item and following channel:
   a typical five-rule set, the worst of 20 rules that pass the backtracking check (each search stops at
   50 ms), on a 20,000-character text (the most a rule reads of a field).
2. OPML (bot/feeds/opml.py): the largest file accepted (1 MB, 1,000 outlines) and the hostile ones refused
   (billion laughs, 5,000 outlines, 20,000 nested outlines, 1 MB + 1 byte).

    /work/main/.venv/bin/python benchmarks/delivery_rules.py
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.articles.records import Article
from bot.feeds.opml import MAX_OPML_BYTES, OpmlProblem, parse_opml
from bot.feeds.rules import RuleSet, parse_rules

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, worst) milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def article(text: str, title: str = "Council approves night buses") -> Article:
    return Article(id=1, feed_id=1, guid="g", url="https://news.example/city/1", content_hash="h", title=title,
                   author="Ana Ruiz", published=NOW, image=None, excerpt=text[:500], text=text, language="en",
                   first_seen=NOW, updated=NOW, categories=("City", "Transport"))


def rules() -> None:
    prose = ("The city council voted on Tuesday to extend night bus services across the river. " * 300)[:20_000]
    typical = RuleSet(parse_rules(r"title: council, mayor; -author: sponsored; any: buses, trams; "
                                  r"-link: /\/opinion\//; text: /night\s+bus(es)?/"))
    median, worst = timed(lambda: typical.refusal(article(prose)), 200)
    print(f"rules, typical 5-rule set on a 20,000-character text: median {median:.3f} ms, worst {worst:.3f} ms")
    # Patterns that pass the check (no catastrophic backtracking on 2,000 characters) but are polynomial.
    heavy = [r"\w*\w*\w*x", r"(\w+\s)*z$", r"[a-z]*[a-z]*[a-z]*[a-z]*q", r".*.*.*=", r"(a|aa)*b"]
    accepted = []
    for pattern in heavy:
        try:
            accepted.extend(parse_rules(f"text: /{pattern}/"))
        except ValueError as exc:
            print(f"  refused when saved: /{pattern}/ ({str(exc)[:60]}...)")
    # Long words, then each pattern's required characters only at the very end: every start is tried first.
    bait = ("a" * 50 + " ") * 390 + "! x z q = b"
    for rule in accepted:
        median, worst = timed(lambda r=rule: RuleSet((r,)).refusal(article(bait[-20_000:])), 5)
        print(f"  accepted /{rule.pattern}/ on 20,000 characters of bait: worst {worst:.1f} ms")
    worst_set = RuleSet(tuple(accepted * 4)[:20])
    median, worst = timed(lambda: worst_set.refusal(article(bait[-20_000:])), 3)
    print(f"rules, 20 of the heaviest accepted rules on bait: worst {worst:.0f} ms for one item and channel")


def opml() -> None:
    outline = b'<outline type="rss" text="Feed %d" title="Feed %d" xmlUrl="https://feeds.example/%d.xml"/>\n'
    body = b"".join(outline % (i, i, i) for i in range(1000))
    pad = b"<!--" + b" " * (MAX_OPML_BYTES - len(body) - 200) + b"-->"
    largest = b'<opml version="2.0"><head><title>x</title></head><body>' + body + pad + b"</body></opml>"
    median, worst = timed(lambda: parse_opml(largest), 20)
    print(f"\nOPML, largest accepted ({len(largest):,} bytes, 1,000 feeds): median {median:.1f} ms, worst {worst:.1f} ms")
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
              + b"".join(b'<!ENTITY %c "%s">' % (98 + i, (b"&%c;" % (97 + i)) * 10) for i in range(8))
              + b']><opml><body><outline text="&i;" xmlUrl="https://a.example/"/></body></opml>')
    many = b'<opml><body>' + b"".join(outline % (i, i, i) for i in range(5000)) + b"</body></opml>"
    deep = b'<opml><body>' + b"<outline>" * 20000 + b"</outline>" * 20000 + b"</body></opml>"
    huge = b"<opml>" + b" " * MAX_OPML_BYTES + b"</opml>"
    for name, data in (("billion laughs", laughs), ("5,000 outlines", many), ("20,000 nested outlines", deep),
                       ("over 1 MB", huge)):
        def refuse(d: bytes = data, what: str = name) -> None:
            try:
                parse_opml(d)
            except OpmlProblem:
                return
            raise AssertionError(f"{what} was accepted")
        median, worst = timed(refuse, 10)
        print(f"OPML refused, {name} ({len(data):,} bytes): worst {worst:.1f} ms")


if __name__ == "__main__":
    rules()
    opml()
