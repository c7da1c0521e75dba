"""Worst-case time and memory of article extraction on hostile pages up to the fetcher's body limit.

Run: python benchmarks/extraction_bounds.py [--size BYTES] [--only NAME ...] [--overhead-pages N]

For each hostile page (built here, one pattern repeated to `--size`, default HTTP_MAX_BODY_BYTES = 10 MiB) a fresh
process runs it twice: `extract_article` called directly (time, the process's peak RSS) and through
`ArticleExtractor` as the bot calls it (time seen by the caller including any deadline, the worker's peak RSS).
Then the per-call overhead of the worker pool against a thread, on real pages of the Zyte set and on a tiny page,
and `newsdesk feed check --full-text` on a 12-item feed of hostile pages served on 127.0.0.1 (wall time, the peak
RSS of the largest process: the CLI or a worker, VmHWM sampled every 20 ms). Peaks are each process's own VmHWM
(Linux): getrusage's ru_maxrss of a child includes its parent's size at fork. The last line is `RESULT ...`.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ZYTE = Path(os.environ.get("NEWSDESK_SHARED_DATA", "../shared/data")) / "extraction" / (
    "zyte-article-extraction-benchmark")

# name -> (prefix, repeated unit, suffix)
PATTERNS: dict[str, tuple[str, str, str]] = {
    "p-a": ("<html><body>", "<p>a</p>", "</body></html>"),
    "p-words": ("<html><body>", "<p>Word word word, and a sentence that ends.</p>", "</body></html>"),
    "div-unclosed": ("<html><body>", "<div>", ""),
    "div-span-unclosed": ("<html><body>", "<div><span>", ""),
    "table-rows": ("<html><body><table>", "<tr><td>x</td><td>y</td></tr>", "</table></body></html>"),
    "links": ("<html><body><p>", '<a href="/x">link</a> ', "</p></body></html>"),
    "list-items": ("<html><body><ul>", "<li>An item of the list</li>", "</ul></body></html>"),
    "br": ("<html><body><p>", "a<br>", "</p></body></html>"),
    "headings": ("<html><body>", "<h2>Heading</h2><p>Some text under it.</p>", "</body></html>"),
    "one-text-node": ("<html><body><p>", "word ", "</p></body></html>"),
    "entities": ("<html><body><p>", "&amp;&lt;&#233;", "</p></body></html>"),
    "meta-unclosed": ("<html><head>", "<meta ", ""),
    "title-unclosed": ("<html><head>", "<title>", ""),
    "html-lang-unclosed": ("", "<html ", ""),
    "script-unclosed": ("<html><body><script>", "var a = '<p>';", ""),
    "comment-unclosed": ("<html><body><!--", "<p>x</p>", ""),
    "svg-paths": ("<html><body><svg>", '<path d="M0 0L1 1"/>', "</svg></body></html>"),
    "big-attribute": ('<html><body><p class="', "a ", '">text</p></body></html>'),
}


def hostile_page(name: str, size: int) -> bytes:
    if name == "random-bytes":
        return os.urandom(size)
    prefix, unit, suffix = PATTERNS[name]
    return (prefix + unit * ((size - len(prefix) - len(suffix)) // len(unit)) + suffix).encode()


def peak_mb(pid: int | str = "self") -> float:
    """A process's own peak RSS (VmHWM, reset at exec). getrusage's ru_maxrss is not used for children: Linux
    carries the parent's size at fork (or vfork) over the exec into it."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def extract_with_peak(body: bytes, url: str, *, content_type: str | None = None) -> tuple[str, float]:
    """Runs in the worker: the outcome and the worker's own peak RSS in MB."""
    from bot.feeds.extract import extract_article

    article = extract_article(body, url, content_type=content_type)
    outcome = f"{len(article.text):,} chars" if article else "no article"
    return outcome, peak_mb()


def _one_case(name: str, size: int) -> dict[str, float]:
    """Runs in a fresh process: the case's figures as a dict."""
    from bot.feeds.extract import extract_article
    from bot.feeds.extract_pool import ArticleExtractor, ExtractionFailed

    page = hostile_page(name, size)

    async def pooled() -> tuple[float, str, float]:
        async with ArticleExtractor(workers=1, function=extract_with_peak) as extractor:  # type: ignore[arg-type]
            await extractor.extract(b"<p>start</p>", "http://127.0.0.1/")
            start = time.perf_counter()
            try:
                outcome, peak = await extractor.extract(page, "http://127.0.0.1/hostile")  # type: ignore[misc]
            except ExtractionFailed:
                outcome, peak = "stopped at the deadline", float("nan")
            return time.perf_counter() - start, outcome, peak

    # Workers first: a worker starts as a fork of this process, and its peak RSS counts what this process held
    # at that moment; after the direct run below that would be the direct run's peak.
    pool_s, outcome, worker_mb = asyncio.run(pooled())
    extract_article(b"<html><body><p>warm up</p></body></html>", "http://127.0.0.1/")
    start = time.perf_counter()
    article = extract_article(page, "http://127.0.0.1/hostile")
    direct_s = time.perf_counter() - start
    direct_mb = peak_mb()
    return {"direct_s": direct_s, "direct_mb": direct_mb, "pool_s": pool_s,
            "worker_mb": worker_mb, "outcome": outcome,  # type: ignore[dict-item]
            "text": len(article.text) if article else 0}


def run_case(name: str, size: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--case", name, "--size", str(size)], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


async def overhead(pages: list[bytes]) -> tuple[float, float, float, float]:
    from bot.feeds.extract import extract_article
    from bot.feeds.extract_pool import ArticleExtractor

    tiny = b"<html><body><p>x</p></body></html>"
    async with ArticleExtractor(workers=1) as extractor:
        await extractor.extract(tiny, "http://127.0.0.1/")
        pool: list[float] = []
        thread: list[float] = []
        pool_tiny: list[float] = []
        thread_tiny: list[float] = []
        for page in pages:  # alternated, so the machine's noise hits both alike
            for runs, call in ((pool, extractor.extract), (thread, None)):
                start = time.perf_counter()
                if call is None:
                    await asyncio.to_thread(extract_article, page, "http://127.0.0.1/")
                else:
                    await call(page, "http://127.0.0.1/")
                runs.append(time.perf_counter() - start)
            for runs, call in ((pool_tiny, extractor.extract), (thread_tiny, None)):
                start = time.perf_counter()
                if call is None:
                    await asyncio.to_thread(extract_article, tiny, "http://127.0.0.1/")
                else:
                    await call(tiny, "http://127.0.0.1/")
                runs.append(time.perf_counter() - start)
    return tuple(statistics.median(r) * 1000 for r in (pool, thread, pool_tiny, thread_tiny))  # type: ignore[return-value]


async def feed_check(size: int) -> tuple[float, float, int, str]:
    from aiohttp import web

    from tests.feeds_net_support import serve

    names = ["p-a", "p-words", "div-span-unclosed", "table-rows", "links", "list-items", "br", "headings",
             "one-text-node", "meta-unclosed", "svg-paths", "random-bytes"]
    bodies = {str(i): hostile_page(name, size) for i, name in enumerate(names)}

    def site(app: web.Application) -> None:
        async def feed(request: web.Request) -> web.Response:
            items = "".join(f"<item><guid>g{i}</guid><link>{base}/a/{i}</link><title>{n}</title>"
                            "<description>teaser</description></item>" for i, n in enumerate(names))
            return web.Response(body=f"<rss version='2.0'><channel><title>h</title>{items}</channel></rss>",
                                content_type="application/rss+xml")

        async def page(request: web.Request) -> web.Response:
            return web.Response(body=bodies[request.match_info["n"]], content_type="text/html")

        app.router.add_get("/feed.xml", feed)
        app.router.add_get("/a/{n}", page)

    async with serve(site) as base:
        env = {**os.environ, "NEWSDESK_ALLOW_PRIVATE_NETWORKS": "true", "HTTP_TOTAL_TIMEOUT": "60",
               "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "bot", "--env-file", "/nonexistent.env", "feed", "check",
                   f"{base}/feed.xml", "--full-text"]
        return await asyncio.to_thread(_run_measured, command, env)


def _run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall time, the largest peak RSS (MB) among the process and its descendants (VmHWM sampled every 20 ms
    until each exits), exit code and output."""
    import tempfile

    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        peak = 0.0
        while proc.poll() is None:
            peak = max([peak, *(peak_mb(pid) for pid in _descendants(proc.pid))])
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        output.seek(0)
        return seconds, peak, proc.returncode, output.read().decode()


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10 * 1024 * 1024)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--overhead-pages", type=int, default=60)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(_one_case(args.case, args.size)))
        return 0
    names = [n for n in [*PATTERNS, "random-bytes"] if not args.only or any(o in n for o in args.only)]
    print(f"hostile pages of {args.size:,} bytes; one fresh process per page")
    print("| page | direct s | direct peak MB | via workers s | worker peak MB | result |")
    print("|---|---|---|---|---|---|")
    worst = {"direct_s": 0.0, "direct_mb": 0.0, "pool_s": 0.0, "worker_mb": 0.0}
    for name in names:
        r = run_case(name, args.size)
        print(f"| {name} | {r['direct_s']:.2f} | {r['direct_mb']:.0f} | {r['pool_s']:.2f} | {r['worker_mb']:.0f} | "
              f"{r['outcome']} |", flush=True)
        worst = {k: max(v, float(r[k])) for k, v in worst.items()}
    result = (f"worst_direct_s={worst['direct_s']:.2f} worst_direct_mb={worst['direct_mb']:.0f} "
              f"worst_pool_s={worst['pool_s']:.2f} worst_worker_mb={worst['worker_mb']:.0f}")
    if ZYTE.is_dir() and args.overhead_pages:
        pages = [gzip.decompress(p.read_bytes()) for p in sorted((ZYTE / "html").glob("*.html.gz"))]
        pool, thread, pool_tiny, thread_tiny = asyncio.run(overhead(pages[:args.overhead_pages]))
        print(f"per call, median of {min(len(pages), args.overhead_pages)} Zyte pages: workers {pool:.1f} ms, "
              f"thread {thread:.1f} ms; a tiny page: workers {pool_tiny:.2f} ms, thread {thread_tiny:.2f} ms")
        result += f" overhead_ms={pool - thread:.1f} tiny_pool_ms={pool_tiny:.2f} tiny_thread_ms={thread_tiny:.2f}"
    seconds, peak, code, output = asyncio.run(feed_check(args.size))
    noise = sum(1 for line in output.splitlines() if "trafilatura" in line or "discarding" in line)
    print(f"feed check --full-text, 12 hostile items: {seconds:.1f} s, largest process {peak:.0f} MB, exit {code}, "
          f"{noise} trafilatura log lines")
    print("\n".join("  " + line for line in output.splitlines() if "problem" in line or "full text" in line))
    print(f"RESULT {result} feed_check_s={seconds:.1f} feed_check_mb={peak:.0f} feed_check_noise={noise}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
