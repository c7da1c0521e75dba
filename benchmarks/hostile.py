"""Hostile input on the text paths: worst time and peak memory per path, event-loop blocking, a regex audit.

Three parts, one run:

1. A corpus of hostile inputs is generated in memory (the cases of issue 12 and more: quadratic-regex bait for
   every regex on these paths, unclosed tags, comments, CDATA, scripts, 100,000-item feeds, run-on stamps and
   bylines), each sized up to the fetcher's body limit (HTTP_MAX_BODY_BYTES, 10 MiB). Each input runs through its
   path in a forked child (so one runaway cannot stop the run): discovery (`find_feed_links`), feed parsing
   (`parse_feed`), summary cleaning (`clean_text`) and the whole extractive summary. Printed: seconds and peak
   memory (the child's VmHWM above its starting RSS) per case, then the worst per path.
2. The event loop: the `/feed add` path (`FeedSubscriptions.resolve`: fetch, discovery, feed fetch and parse)
   and `SummaryService.summarize_text` run against a real HTTP server on 127.0.0.1 serving hostile pages, while
   a probe task sleeps 5 ms at a time and records how late it wakes. Printed: the longest block.
3. A regex audit: every compiled regex in the product modules under bot/ and cogs/ is fed bait built from its own
   pattern (prefixes of a string the pattern would start matching, repeated) at two sizes 8x apart; a time
   ratio far above 8 means a superlinear scan. Printed: the patterns flagged.

    /work/main/.venv/bin/python benchmarks/hostile.py [--quick] [--only discover,feed,clean,summary,loop,audit]

Last line: RESULT worst_discover_s=… worst_feed_s=… worst_clean_s=… worst_summary_s=… peak_mb=… loop_block_ms=…
regex_flagged=…
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import multiprocessing
import pkgutil
import re
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BODY_LIMIT = 10 * 1024 * 1024
GOAL_SECONDS, GOAL_MB, GOAL_BLOCK_MS = 2.0, 200.0, 100.0
CASE_TIMEOUT = 120.0
SITE = "https://news.example.com/"


# --- the corpus ----------------------------------------------------------------------------------------------


def _fill(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _rss(items: str) -> bytes:
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile</title>'
            f"<link>{SITE}</link>{items}</channel></rss>").encode()


def _item(description: str, n: int = 1) -> str:
    return f"<item><title>Story {n}</title><link>{SITE}{n}</link><description>{description}</description></item>"


def _cdata_item(html: str) -> str:
    return _item(f"<![CDATA[{html}]]>")


def discover_cases(limit: int) -> dict[str, str]:
    # Discovery scans the first 1,000,000 characters; bigger pages cost only their decoding.
    return {
        "issue: <a  x 60 KB": "<a " * 20_000,
        "issue: <a  x 120 KB": "<a " * 40_000,
        "<a  to the body limit": _fill("<a ", limit),
        "<link  to the body limit": _fill("<link ", limit),
        "<base  x 20,000": "<base " * 20_000 + _fill("x", limit // 2),
        "<a href=' unclosed": _fill("<a href='", limit),
        '<a href="/x" no ">"': _fill('<a href="/x"', limit),
        "<link aaaa... one attribute": "<link " + "a" * (limit - 6) + ">",
        "<link a=a=a=... ": "<link " + _fill("a=", limit) + ">",
        "<a <a ... then one >": _fill("<a ", limit - 1) + ">",
        "real page + bait": '<link rel="alternate" type="application/rss+xml" href="/feed">' + _fill("<a ", limit),
    }


def feed_cases(limit: int) -> dict[str, bytes]:
    room = limit - 400
    return {
        "issue: &lt;script&gt; x 20,000": _rss(_item("&lt;script&gt;" * 20_000)),
        "issue: CDATA <!-- x 20,000": _rss(_cdata_item("<!--" * 20_000)),
        "issue: &lt;img  x 15,000": _rss(_item("&lt;img " * 15_000)),
        "issue: 100,000 items": _rss("".join(f"<item><link>{SITE}{n}</link></item>" for n in range(100_000))),
        "items to the body limit": _rss(_fill("<item><link>https://n.example/a</link></item>", room)),
        "&lt;script&gt; to the body limit": _rss(_item(_fill("&lt;script&gt;", room))),
        "CDATA <!-- to the body limit": _rss(_cdata_item(_fill("<!--", room))),
        "CDATA <![CDATA[ nested": _rss(_item(_fill("&lt;![CDATA[", room))),
        "CDATA <style / <iframe / <object": _rss(_cdata_item(_fill("<style><iframe><object>", room))),
        "&lt;img  to the body limit": _rss(_item(_fill("&lt;img ", room))),
        "<img alt> x N then src": _rss(_cdata_item(_fill("<img alt='x'>", room - 40) + "<img src='/a.jpg'>")),
        "broken tags <a x=\"": _rss(_cdata_item(_fill('<a x="', room))),
        "broken tags <a x='y' ": _rss(_cdata_item(_fill("<a x='y' ", room))),
        "appeared-first bait": _rss(_item(_fill("The post appeared first on ", room))),
        "block tags <div  unclosed": _rss(_cdata_item(_fill("<div ", room))),
        "entities &amp;amp;": _rss(_item(_fill("&amp;amp;", room))),
        "one 10 MB word": _rss(_item(_fill("a", room))),
        "JSON Feed, 100,000 items": (
            '{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": ['
            + ",".join(f'{{"id": "{n}", "url": "{SITE}{n}", "content_html": "<p>x</p>"}}' for n in range(100_000))
            + "]}").encode(),
        "JSON Feed, UTF-16": ('{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "url": "'
                              + SITE + '1", "content_html": "' + _fill("<script>", room // 4) + '"}]}')
        .encode("utf-16"),
    }


def clean_cases(limit: int) -> dict[str, str]:
    head = "<html><body><p>The council met on Tuesday to vote on the budget.</p>"
    return {
        "issue: <div  x 1.8 MB": head + "<div " * 360_000,
        "<div  to the body limit": head + _fill("<div ", limit),
        "<p <br <h1 mixed unclosed": head + _fill("<p <br <h1 ", limit),
        "<script unclosed x N": head + _fill("<script>", limit),
        "<!-- unclosed x N": head + _fill("<!--", limit),
        "<a  unclosed": head + _fill("<a ", limit),
        "nested <div>": head + _fill("<div>", limit),
        "< x N (no tag)": head + _fill("< ", limit),
        "PUBLISHED: stamps": _fill("PUBLISHED: 12:30 GMT, 3 May 2013 | ", limit),
        "By . stamps": _fill("By . Jane Doe . ", limit),
        "By . whitespace runs": _fill("By . " + " " * 50 + ". " + " " * 50, limit),
        "byline lines": _fill("By Jane Smith and John Doe and Ann Lee\n", limit),
        "dateline bait": "(" + _fill("A", limit),
        "furniture lines": _fill("Share this\nRead more: x\n", limit),
        "news text to the body limit": _fill("The council approved the budget on Tuesday. ", limit),
        "one word to the body limit": _fill("a", limit),
    }


# --- running a case in a child -------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _child(conn: Connection, fn: Callable[[Any], Any], value: Any) -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM (peak RSS) to the current RSS
    except OSError:
        pass
    base = _status_kb("VmRSS")
    started = time.perf_counter()
    try:
        fn(value)
        error = ""
    except Exception as exc:  # reported, not fatal: a clear refusal is a fine answer to hostile input
        error = f"{type(exc).__name__}: {str(exc)[:80]}"
    seconds = time.perf_counter() - started
    conn.send((seconds, max(0, _status_kb("VmHWM") - base) / 1024, error))
    conn.close()


def run_case(fn: Callable[[Any], Any], value: Any) -> tuple[float, float, str]:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, fn, value), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(CASE_TIMEOUT):
            return CASE_TIMEOUT, float("nan"), f"still running after {CASE_TIMEOUT:g} s"
        result: tuple[float, float, str] = receive.recv()
        return result
    finally:
        child.kill()
        child.join()


def _discover(page: str) -> Any:
    from bot.feeds.discover import find_feed_links
    return find_feed_links(page.encode(), SITE)


def _feed(body: bytes) -> Any:
    from bot.feeds.parser import parse_feed
    return parse_feed(body, url=SITE + "feed")


def _clean(text: str) -> Any:
    from bot.summarize.clean import clean_text
    return clean_text(text)


def _summary(text: str) -> Any:
    from bot.summarize.extractive import ExtractiveSummarizer
    return ExtractiveSummarizer().summarize(text)


def run_paths(selected: set[str], limit: int) -> dict[str, tuple[float, float]]:
    paths: list[tuple[str, Callable[[Any], Any], dict[str, Any]]] = [
        ("discover", _discover, discover_cases(limit)),
        ("feed", _feed, feed_cases(limit)),
        ("clean", _clean, clean_cases(limit)),
        ("summary", _summary, clean_cases(limit)),
    ]
    worst: dict[str, tuple[float, float]] = {}
    for name, fn, cases in paths:
        if name not in selected:
            continue
        print(f"\n{name}: {len(cases)} cases")
        seconds_worst = mb_worst = 0.0
        for label, value in cases.items():
            seconds, mb, error = run_case(fn, value)
            seconds_worst, mb_worst = max(seconds_worst, seconds), max(mb_worst, mb)
            flag = "" if seconds < GOAL_SECONDS and mb < GOAL_MB else "   <-- over the goal"
            print(f"  {label:<36} {len(value) / 1e6:6.2f} MB in  {seconds:7.3f} s  {mb:7.1f} MB peak"
                  + (f"  ({error})" if error else "") + flag)
        worst[name] = (seconds_worst, mb_worst)
        print(f"  worst: {seconds_worst:.3f} s, {mb_worst:.1f} MB")
    return worst


# --- the event loop ------------------------------------------------------------------------------------------


async def _probe(stop: asyncio.Event, lags: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(0.005)
        lags.append(loop.time() - before - 0.005)


async def loop_block(limit: int) -> float:
    """The longest the event loop was blocked while `/feed add` resolved hostile pages and feeds, and while the
    summary service summarized hostile HTML."""
    from aiohttp import web

    from bot.config import load_settings
    from bot.feeds.fetcher import FeedFetcher
    from bot.feeds.subscriptions import FeedProblem, FeedSubscriptions
    from bot.summarize.service import SummaryService

    pages = {f"/page{n}": page.encode() for n, page in enumerate(discover_cases(limit).values())}
    feeds = {f"/feed{n}": body for n, body in enumerate(feed_cases(limit).values())}
    # A page whose <link> leads to a hostile feed: discovery, then the feed's fetch and parse.
    pages["/site"] = b'<link rel="alternate" type="application/rss+xml" href="/feed0">' + _fill("<a ", limit).encode()

    async def handle(request: web.Request) -> web.Response:
        if request.path in pages:
            return web.Response(body=pages[request.path], content_type="text/html")
        if request.path in feeds:
            return web.Response(body=feeds[request.path], content_type="application/rss+xml")
        return web.Response(status=404)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    settings = load_settings({"NEWSDESK_ALLOW_PRIVATE_NETWORKS": "true", "HTTP_TOTAL_TIMEOUT": "120"},
                             env_file=None)
    summaries = clean_cases(limit)  # built before the probe starts: building 160 MB of bait blocks the loop too
    stop, lags = asyncio.Event(), [0.0]
    probe = asyncio.create_task(_probe(stop, lags))
    worst: list[tuple[float, str]] = []
    try:
        async with FeedFetcher(settings) as fetcher:
            subscriptions = FeedSubscriptions(fetcher=fetcher, feeds=None, subscriptions=None, posts=None,  # type: ignore[arg-type]
                                              articles=None, poll_interval=900)  # type: ignore[arg-type]
            for path in [*pages, *feeds]:
                start = len(lags)
                try:
                    await subscriptions.resolve(f"http://127.0.0.1:{port}{path}")
                except FeedProblem:
                    pass
                worst.append((max(lags[start:], default=0.0), f"/feed add {path}"))
        service = SummaryService(settings)
        # The first summary of a process loads stop words and the sentence splitter (imports and a JSON load
        # hold the GIL): a one-time cost, reported on its own.
        start = len(lags)
        await service.summarize_text("The council met on Tuesday. It approved the budget. " * 5)
        print(f"\nfirst summary in this process (imports, stop word lists): loop blocked up to "
              f"{max(lags[start:], default=0.0) * 1000:.1f} ms")
        for label, text in summaries.items():
            start = len(lags)
            try:
                await service.summarize_text(text)
            except ValueError:
                pass
            worst.append((max(lags[start:], default=0.0), f"summary of {label}"))
    finally:
        stop.set()
        await probe
        await runner.cleanup()
    worst.sort(reverse=True)
    print(f"\nevent loop: {len(lags)} probe wake-ups; longest blocks:")
    for lag, label in worst[:5]:
        print(f"  {lag * 1000:8.1f} ms  {label}")
    return max(lags) * 1000


# --- the regex audit -----------------------------------------------------------------------------------------

_SKIP_PACKAGES = ("bot.sandbox", "bot.demo")
# Patterns that are superlinear when scanned over a whole text with finditer/sub, but never used that way: each
# is applied through a linear wrapper (named here), so their flag is expected.
GUARDED = {
    "bot.feeds.discover._BASE": "matched per <base start by _base_href, skipping to the next '>'",
    "bot.feeds.bounded._IMG_SRC": "matched per <img start by first_img_src, skipping to the next '>'",
    "bot.summarize.clean._BLOCK_TAGS": "substituted only up to the last '>' (strip_html)",
    "bot.feeds.parser._APPEARED_FIRST": "applied to the last 1,000 characters only (_drop_appeared_first)",
}


def _product_patterns() -> list[tuple[str, re.Pattern[str] | re.Pattern[bytes]]]:
    import bot
    import cogs

    found: list[tuple[str, re.Pattern[Any]]] = []
    modules = [*pkgutil.walk_packages(bot.__path__, "bot."), *pkgutil.walk_packages(cogs.__path__, "cogs.")]
    for info in modules:
        if info.name.startswith(_SKIP_PACKAGES):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:
            continue
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found.append((f"{info.name}.{name}", value))
            elif isinstance(value, dict):
                found += [(f"{info.name}.{name}[{k!r}]", v) for k, v in value.items() if isinstance(v, re.Pattern)]
    return found


def _sample(tree: Any, out: list[str], depth: int = 0) -> None:
    """Append to `out` a string the parsed pattern `tree` would start matching (first branch, minimum repeats)."""
    from re import _constants as c  # type: ignore[attr-defined]

    for op, arg in tree:
        if depth > 20:
            return
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.NOT_LITERAL:
            out.append("a" if arg != ord("a") else "b")
        elif op is c.IN:
            out.append(_class_char(arg, c))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, item = arg
            for _ in range(max(1, min(low, 3))):
                _sample(item, out, depth + 1)
        elif op is c.SUBPATTERN:
            _sample(arg[-1], out, depth + 1)
        elif op is c.ATOMIC_GROUP:
            _sample(arg, out, depth + 1)
        elif op is c.BRANCH:
            _sample(arg[1][0], out, depth + 1)
        elif op is c.ANY:
            out.append("a")


def _class_char(items: Any, c: Any) -> str:
    negate = any(op is c.NEGATE for op, _ in items)
    if negate:
        banned = {chr(a) for op, a in items if op is c.LITERAL}
        return next(ch for ch in "a ." if ch not in banned)
    for op, arg in items:
        if op is c.LITERAL:
            return chr(arg)
        if op is c.RANGE:
            return chr(arg[0])
        if op is c.CATEGORY:
            return {"CATEGORY_DIGIT": "1", "CATEGORY_SPACE": " ", "CATEGORY_WORD": "a"}.get(str(arg), "a")
    return "a"


def _baits(pattern: re.Pattern[Any]) -> list[str]:
    from re import _parser  # type: ignore[attr-defined]

    out: list[str] = []
    try:
        _sample(_parser.parse(pattern.pattern if isinstance(pattern.pattern, str) else
                              pattern.pattern.decode("latin-1"), pattern.flags & ~re.ASCII), out)
    except Exception:
        return []
    whole = "".join(out)[:40]
    units = {whole[:k] for k in range(1, len(whole) + 1)} | {whole[:k] + " " for k in range(1, len(whole) + 1)}
    units |= {whole[:k] + "\n" for k in range(1, len(whole) + 1, 3)}
    return sorted(u for u in units if u.strip())


def _scan(pattern: re.Pattern[Any], text: str) -> float:
    subject: Any = text.encode("latin-1", "replace") if isinstance(pattern.pattern, bytes) else text
    started = time.perf_counter()
    for _ in pattern.finditer(subject):
        pass
    return time.perf_counter() - started


def _audit_one(job: tuple[re.Pattern[Any], int]) -> tuple[float, float, str]:
    pattern, size = job
    worst = (0.0, 0.0, "")
    for unit in _baits(pattern):
        small = _scan(pattern, _fill(unit, size))
        if small > 2.0:
            return small, float("inf"), unit
        big = _scan(pattern, _fill(unit, size * 8))
        if big > 0.05 and big / max(small, 1e-4) > worst[1]:
            worst = (big, big / max(small, 1e-4), unit)
    return worst


def run_audit(size: int) -> int:
    patterns = _product_patterns()
    print(f"\nregex audit: {len(patterns)} compiled patterns in bot/ and cogs/ (bait of {size:,} and "
          f"{size * 8:,} characters; linear scales 8x)")
    flagged = 0
    context = multiprocessing.get_context("fork")
    for name, pattern in patterns:
        receive, send = context.Pipe(duplex=False)

        def work(conn: Connection, p: re.Pattern[Any] = pattern) -> None:
            conn.send(_audit_one((p, size)))
            conn.close()

        child = context.Process(target=work, args=(send,), daemon=True)
        child.start()
        send.close()
        if not receive.poll(CASE_TIMEOUT):
            child.kill()
            child.join()
            print(f"  FLAG {name}: still running after {CASE_TIMEOUT:g} s")
            flagged += 1
            continue
        big, ratio, unit = receive.recv()
        child.join()
        if ratio > 24:
            if name in GUARDED:
                print(f"  guarded {name}: x{ratio:.0f} for 8x the bait alone; {GUARDED[name]}")
                continue
            flagged += 1
            print(f"  FLAG {name}: x{ratio:.0f} for 8x the bait ({big:.2f} s), bait unit {unit!r}")
    print(f"  {flagged} flagged")
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="inputs up to 1 MB instead of the 10 MiB body limit")
    parser.add_argument("--only", default="discover,feed,clean,summary,loop,audit")
    args = parser.parse_args()
    selected = set(args.only.split(","))
    limit = 1024 * 1024 if args.quick else BODY_LIMIT
    worst = run_paths(selected, limit)
    block = asyncio.run(loop_block(limit)) if "loop" in selected else float("nan")
    flagged = run_audit(4_000) if "audit" in selected else -1
    peak = max((mb for _, mb in worst.values()), default=float("nan"))
    figures = " ".join(f"worst_{name}_s={seconds:.3f}" for name, (seconds, _) in worst.items())
    print(f"RESULT {figures} peak_mb={peak:.1f} loop_block_ms={block:.1f} regex_flagged={flagged}")


if __name__ == "__main__":
    main()
