"""Feed polling benchmark: 1,000 feeds (~40 KB, 20 items each) served by a loopback server in another process.

Measured in one run, at the same fetch concurrency (HTTP_MAX_CONCURRENCY, default 32):
  floor     plain httpx GETs of all 1,000 feeds, bodies read (no parsing, no database)
  unchanged a full FeedScheduler cycle where nothing changed (the server answers 304 to the stored ETag)
  changed5  a full cycle where 5% of the feeds gained an item (200 + parse + dedupe/store + events)
and, printed but not in RESULT, `same-body`: an unchanged cycle against a server that ignores conditional
requests (full bodies every time; the poller hashes them and skips the parse).
Each is run `--rounds` times and the best time kept (the machine is shared and noisy).
Goals: unchanged <= 1.3x floor, changed5 <= 2x floor.

    /work/venv/bin/python benchmarks/feeds.py [--feeds 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import load_settings
from bot.feeds.events import NewArticle, UpdatedArticle
from bot.feeds.fetcher import FeedFetcher
from bot.feeds.poller import FeedPoller
from bot.feeds.scheduler import FeedScheduler
from bot.storage.articles import ArticleStore
from bot.storage.engines import open_database
from bot.storage.feeds import FeedStore, SubscriptionStore

CONCURRENCY = 32
START = datetime(2026, 1, 1, tzinfo=UTC)


def make_feed(feed: int, newest: int) -> bytes:
    """About 40 KB: 20 items with ~1.8 KB of HTML description each, newest first."""
    words = ["market", "policy", "energy", "science", "city", "council", "report", "season", "data", "river"]
    items = []
    for n in range(newest, newest - 20, -1):
        rng = random.Random(feed * 100_003 + n)  # an item's text depends only on the item: old items stay equal
        text = " ".join(rng.choice(words) for _ in range(260))
        items.append(
            f"<item><title>Feed {feed} story {n}: {rng.choice(words)} {rng.choice(words)}</title>"
            f"<link>https://site{feed}.example/news/{n}?utm_source=rss</link><guid>site{feed}-{n}</guid>"
            f"<pubDate>{format_datetime(START + timedelta(hours=n))}</pubDate>"
            f"<description><![CDATA[<p>{text}</p>]]></description></item>")
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Site {feed}</title>"
            f"<link>https://site{feed}.example/</link><description>Bench</description>{''.join(items)}"
            "</channel></rss>").encode()


def serve(sock: socket.socket, feeds: int) -> None:
    """The server process: /feed/{i}.xml with ETags and 304s; POST /change?n=K adds an item to K feeds."""
    from aiohttp import web

    newest = dict.fromkeys(range(feeds), 30)
    validators = {"on": True}
    bodies = {i: make_feed(i, 30) for i in range(feeds)}

    async def feed(request: web.Request) -> web.Response:
        i = int(request.match_info["i"])
        etag = f'"{i}-{newest[i]}"'
        if not validators["on"]:  # a server that ignores conditional requests: same bytes, no ETag
            return web.Response(body=bodies[i], content_type="application/rss+xml")
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=bodies[i], content_type="application/rss+xml", headers={"ETag": etag})

    async def change(request: web.Request) -> web.Response:
        count = int(request.query["n"])
        for i in random.Random(sum(newest.values())).sample(range(feeds), count):
            newest[i] += 1
            bodies[i] = make_feed(i, newest[i])
        return web.Response(text="ok")

    async def conditional(request: web.Request) -> web.Response:
        validators["on"] = request.query["on"] == "1"
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/conditional", conditional)
    app.router.add_get("/feed/{i}.xml", feed)
    app.router.add_post("/change", change)
    web.run_app(app, sock=sock, print=None, access_log=None, handle_signals=True)


async def floor(base: str, feeds: int) -> float:
    gate = asyncio.Semaphore(CONCURRENCY)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        async def get(i: int) -> int:
            async with gate:
                response = await client.get(f"{base}/feed/{i}.xml")
                return len(response.content)

        started = time.perf_counter()
        sizes = await asyncio.gather(*(get(i) for i in range(feeds)))
        elapsed = time.perf_counter() - started
    assert all(s > 30_000 for s in sizes), "server sent short bodies"
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = multiprocessing.get_context("fork").Process(target=serve, args=(sock, args.feeds), daemon=True)
    server.start()
    sock.close()
    print(f"{args.feeds} feeds of ~{len(make_feed(0, 30)) // 1024} KB, 20 items; fetch concurrency {CONCURRENCY}")

    # One loopback host stands in for 1,000 sites, so the per-host limit is lifted to the global one.
    settings = load_settings(environ={"NEWSDESK_ALLOW_PRIVATE_NETWORKS": "true", "HTTP_TOTAL_TIMEOUT": "60",
                                      "HTTP_MAX_CONCURRENCY": str(CONCURRENCY),
                                      "HTTP_PER_HOST_CONCURRENCY": str(CONCURRENCY)}, env_file=None)
    clock = {"now": time.time()}
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_database(Path(tmp) / "bench.db")
        feeds, subs = FeedStore(db), SubscriptionStore(db)
        for i in range(args.feeds):
            feed = await feeds.get_or_create(f"{base}/feed/{i}.xml", now=clock["now"])
            await subs.add(feed.id, (i % 50) << 22, 1000 + i % 200)
        events: list[object] = []

        async def emit(event: object) -> None:
            events.append(event)

        async with FeedFetcher(settings) as fetcher, httpx.AsyncClient() as control:
            for _ in range(100):  # wait for the server process
                try:
                    await control.get(f"{base}/feed/0.xml")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            poller = FeedPoller(fetcher, feeds, ArticleStore(db), settings, clock=lambda: clock["now"])
            scheduler = FeedScheduler(feeds, poller, emit=emit, clock=lambda: clock["now"])

            async def cycle() -> tuple[float, int]:
                clock["now"] += 2 * 86400  # everything is due again
                events.clear()
                report = await scheduler.run_cycle()
                assert report.polled == args.feeds and report.failed == 0, report
                assert not any(isinstance(e, UpdatedArticle) for e in events), "unexpected updates"
                return report.seconds, sum(isinstance(e, NewArticle) for e in events)

            baseline, _ = await cycle()
            print(f"baseline cycle (first poll: parse all, mark seen): {baseline:.2f} s")
            floors, unchanged, changed, same_body = [], [], [], []
            for round_no in range(args.rounds):
                floors.append(await floor(base, args.feeds))
                unchanged.append((await cycle())[0])
                await control.post(f"{base}/change", params={"n": args.feeds // 20})
                seconds, new = await cycle()
                assert new == args.feeds // 20, f"expected {args.feeds // 20} new articles, got {new}"
                changed.append(seconds)
                await control.post(f"{base}/conditional", params={"on": "0"})
                await cycle()  # validators dropped: the first full-body poll records the body hashes
                same_body.append((await cycle())[0])
                await control.post(f"{base}/conditional", params={"on": "1"})
                await cycle()  # back to ETags
                print(f"round {round_no + 1}: floor {floors[-1]:.2f} s, unchanged {unchanged[-1]:.2f} s, "
                      f"5% changed {changed[-1]:.2f} s ({new} new articles), same-body unchanged "
                      f"{same_body[-1]:.2f} s")
        await db.close()
    server.terminate()
    server.join()
    f, u, c = min(floors), min(unchanged), min(changed)
    print(f"same-body unchanged (no 304s): {min(same_body):.3f} s = {min(same_body) / f:.2f}x floor")
    print(f"RESULT floor_s={f:.3f} unchanged_s={u:.3f} changed5_s={c:.3f} "
          f"unchanged_vs_floor={u / f:.2f} changed5_vs_floor={c / f:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
