"""Scale-out benchmarks (issue 18): feeds on PostgreSQL against SQLite, two feed workers against one, and how
soon a stored story is posted by a gateway process woken with LISTEN/NOTIFY.

  engines  a 1,000-feed cycle with 5% of the feeds changed (benchmarks/feeds.py's loopback server in another
           process, ~40 KB feeds): SQLite as one all-in-one process polls (no leases) against PostgreSQL as a
           feed worker polls (claims with leases). Best of --rounds. Goal: PostgreSQL <= 1.2x SQLite.
  workers  10,000 feeds all due, answered 304 (the steady state of a big deployment), polled by one feed
           worker process, then by two: wall time from "go" until every feed is polled. Goal: >= 1.6x.
  latency  a gateway (`launch_bot(role="gateway")`) against the emulator; this process plays the feed worker:
           stores a new article in a followed feed and NOTIFYs, as the worker does; time until the emulator
           holds the post. p50/p95 over --stories. Goal: within a second.

    NEWSDESK_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        /work/main/.venv/bin/python benchmarks/scale_out.py [engines|workers|latency|all]
Each part makes its own PostgreSQL database next to the one named (dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.feeds import CONCURRENCY, make_feed, serve
from bot.config import Settings, load_settings
from bot.feeds.events import NewArticle
from bot.feeds.fetcher import FeedFetcher
from bot.feeds.poller import FeedPoller
from bot.feeds.scheduler import FeedLeases, FeedScheduler
from bot.storage.articles import ArticleStore
from bot.storage.database import Database
from bot.storage.engines import open_database
from bot.storage.feeds import FeedStore, SubscriptionStore

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database beside `admin_url`'s, dropped afterwards."""
    import asyncpg

    name = f"newsdesk_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def feed_server(feeds: int) -> tuple[str, Any]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = multiprocessing.get_context("fork").Process(target=serve, args=(sock, feeds), daemon=True)
    server.start()
    sock.close()
    return base, server


async def wait_for_server(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                await client.get(f"{base}/feed/0.xml")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)


def fetch_settings(**extra: str) -> Settings:
    # One loopback host stands in for every site, so the per-host limit is lifted to the global one.
    return load_settings(environ={"NEWSDESK_ALLOW_PRIVATE_NETWORKS": "true", "HTTP_TOTAL_TIMEOUT": "60",
                                  "HTTP_MAX_CONCURRENCY": str(CONCURRENCY),
                                  "HTTP_PER_HOST_CONCURRENCY": str(CONCURRENCY), **extra}, env_file=None)


async def add_feeds(db: Database, base: str, count: int, now: float) -> None:
    feeds, subs = FeedStore(db), SubscriptionStore(db)

    async def add(i: int) -> None:
        feed = await feeds.get_or_create(f"{base}/feed/{i}.xml", now=now)
        await subs.add(feed.id, (i % 50) << 22, 1000 + i % 200)

    for start in range(0, count, 8):  # a few at a time: PostgreSQL's pool serves them together
        await asyncio.gather(*(add(i) for i in range(start, min(start + 8, count))))


# --- engines ---------------------------------------------------------------------------------------------------

async def engine_cycles(target: str, base: str, feeds_count: int, rounds: int, *, leases: bool) -> float:
    """Best 5%-changed cycle on the database at `target`."""
    settings = fetch_settings()
    clock = {"now": time.time()}
    db = await open_database(target, asynchronous_commit=leases,  # as `newsdesk run --role feeds` opens it
                             connections=CONCURRENCY if leases else 8)
    try:
        await add_feeds(db, base, feeds_count, clock["now"])
        feeds = FeedStore(db)
        events: list[object] = []

        async def emit(event: object) -> None:
            events.append(event)

        async with FeedFetcher(settings) as fetcher, httpx.AsyncClient() as control:
            poller = FeedPoller(fetcher, feeds, ArticleStore(db), settings, clock=lambda: clock["now"])
            scheduler = FeedScheduler(feeds, poller, emit=emit, clock=lambda: clock["now"],
                                      leases=FeedLeases(300) if leases else None)

            async def cycle() -> float:
                clock["now"] += 2 * 86400
                events.clear()
                report = await scheduler.run_cycle()
                assert report.polled == feeds_count and report.failed == 0, report
                return report.seconds

            await cycle()  # baseline
            best = float("inf")
            for _ in range(rounds):
                await control.post(f"{base}/change", params={"n": feeds_count // 20})
                seconds = await cycle()
                assert sum(isinstance(e, NewArticle) for e in events) == feeds_count // 20
                best = min(best, seconds)
                await cycle()  # the unchanged cycle after it: everything back to 304
        return best
    finally:
        await db.close()


async def bench_engines(admin_url: str, feeds_count: int, rounds: int) -> None:
    base, server = feed_server(feeds_count)
    try:
        await wait_for_server(base)
        print(f"engines: {feeds_count} feeds of ~{len(make_feed(0, 30)) // 1024} KB, 5% changed, "
              f"fetch concurrency {CONCURRENCY}, best of {rounds}")
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = await engine_cycles(str(Path(tmp) / "bench.db"), base, feeds_count, rounds, leases=False)
        print(f"  SQLite (all-in-one, no leases): {sqlite:.2f} s")
        async with scratch_database(admin_url) as url:
            postgres = await engine_cycles(url, base, feeds_count, rounds, leases=True)
        print(f"  PostgreSQL (feed worker, leases): {postgres:.2f} s")
        print(f"RESULT engines sqlite_s={sqlite:.3f} postgresql_s={postgres:.3f} ratio={postgres / sqlite:.2f}")
    finally:
        server.terminate()
        server.join()


# --- workers ---------------------------------------------------------------------------------------------------

def worker_process(url: str, ready: Any, go: Any, results: Any) -> None:
    async def run() -> None:
        settings = fetch_settings()
        db = await open_database(url, asynchronous_commit=True,  # as `newsdesk run --role feeds` opens it
                                 connections=CONCURRENCY)
        try:
            async with FeedFetcher(settings) as fetcher:
                feeds = FeedStore(db)
                scheduler = FeedScheduler(feeds, FeedPoller(fetcher, feeds, ArticleStore(db), settings),
                                          leases=FeedLeases(300))
                ready.release()
                await asyncio.to_thread(go.wait)
                polled = 0
                while (report := await scheduler.run_cycle()).polled:
                    polled += report.polled
                results.put((polled, time.time()))
        finally:
            await db.close()

    asyncio.run(run())


async def bench_workers(admin_url: str, feeds_count: int, rounds: int) -> None:
    base, server = feed_server(feeds_count)
    context = multiprocessing.get_context("fork")
    try:
        await wait_for_server(base)
        async with scratch_database(admin_url) as url:
            db = await open_database(url)
            try:
                now = time.time()
                await add_feeds(db, base, feeds_count, now)
                feeds = FeedStore(db)
                # As after a first poll: the validators the server sends, so every poll is a 304.
                listed = await feeds.list()
                for start in range(0, len(listed), 8):
                    await asyncio.gather(*(
                        feeds.record_success(feed.id, now=now, next_poll_at=now, last_modified=None,
                                             etag=f'"{feed.url.rsplit("/", 1)[1].split(".")[0]}-30"',
                                             baseline_done=True)
                        for feed in listed[start:start + 8]))
                best: dict[int, float] = {}
                for _ in range(rounds):
                    for workers in (1, 2):
                        listed = await feeds.list()
                        for start in range(0, len(listed), 8):
                            await asyncio.gather(*(feeds.poll_soon(feed.id, now=time.time() - 1)
                                                   for feed in listed[start:start + 8]))
                        ready, go, results = context.Semaphore(0), context.Event(), context.Queue()
                        procs = [context.Process(target=worker_process, args=(url, ready, go, results))
                                 for _ in range(workers)]
                        for proc in procs:
                            proc.start()
                        for _ in procs:
                            await asyncio.to_thread(ready.acquire)
                        started = time.time()
                        go.set()
                        done = [await asyncio.to_thread(results.get) for _ in procs]
                        for proc in procs:
                            proc.join()
                        seconds = max(at for _, at in done) - started
                        polled = [n for n, _ in done]
                        assert sum(polled) == feeds_count, polled
                        best[workers] = min(best.get(workers, float("inf")), seconds)
                        print(f"  {workers} worker(s): {seconds:.2f} s, polled {polled} "
                              f"({feeds_count / seconds:.0f} feeds/s)")
            finally:
                await db.close()
        print(f"RESULT workers feeds={feeds_count} one_s={best[1]:.3f} two_s={best[2]:.3f} "
              f"speedup={best[1] / best[2]:.2f} cpus={os.cpu_count()}")
    finally:
        server.terminate()
        server.join()


# --- latency ---------------------------------------------------------------------------------------------------

async def bench_latency(admin_url: str, stories: int) -> None:
    from datetime import UTC, datetime

    from bot.articles.records import FeedItem
    from bot.storage.signals import STORIES, ClusterSignals
    from emulator import DiscordEmulator
    from newsdesk.app import GATEWAY, launch_bot

    emu = DiscordEmulator()
    await emu.start()
    try:
        guild = emu.create_guild("Latency")
        channel = emu.create_channel(guild, "news")
        async with scratch_database(admin_url) as url:
            db = await open_database(url)
            try:
                feeds, articles = FeedStore(db), ArticleStore(db)
                feed = await feeds.get_or_create("https://latency.example/feed.xml", now=time.time() - 60)
                await SubscriptionStore(db).add(feed.id, guild.id, channel.id, now=time.time() - 60)
                await feeds.record_success(feed.id, now=time.time(), next_poll_at=time.time() + 86400, etag=None,
                                           last_modified=None, baseline_done=True)
                settings = load_settings(environ={"DATABASE_URL": url, "DISCORD_TOKEN": emu.token,
                                                  "DISCORD_API_BASE": emu.api_base,
                                                  "DISCORD_GATEWAY_URL": emu.gateway_url}, env_file=None)
                signals = ClusterSignals(db)
                async with launch_bot(settings, role=GATEWAY, guild_ready_timeout=0.05):
                    await asyncio.sleep(1.0)  # the first pass after ready is done
                    latencies = []
                    for n in range(stories):
                        text = " ".join(f"Sentence {k} about latency{n}word{k} and probe{n}term{k}." for k in range(12))
                        item = FeedItem(guid=f"lat-{n}", url=f"https://latency.example/{n}", title=f"Probe {n}",
                                        excerpt=text[:400], published=datetime.now(UTC), author=None, image=None,
                                        language="en", content_hash=f"h{n}", content_text=text)
                        before = len(emu.bot_messages(channel))
                        started = time.perf_counter()
                        await articles.ingest(feed.id, [item])
                        signals.signal(STORIES)
                        while len(emu.bot_messages(channel)) == before:  # noqa: ASYNC110 (polls the emulator)
                            await asyncio.sleep(0.002)
                        latencies.append(time.perf_counter() - started)
                        await asyncio.sleep(0.3)  # the thread and its summary: let that pass finish
                    await signals.aclose()
            finally:
                await db.close()
    finally:
        await emu.stop()
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    print(f"latency: {stories} stories stored and NOTIFYed, first message in the channel after "
          f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    print(f"RESULT latency p50_ms={p50 * 1000:.0f} p95_ms={p95 * 1000:.0f} max_ms={latencies[-1] * 1000:.0f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", nargs="?", default="all", choices=("engines", "workers", "latency", "all"))
    parser.add_argument("--feeds", type=int, default=1000, help="feeds in the engines cycle")
    parser.add_argument("--worker-feeds", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--stories", type=int, default=40)
    args = parser.parse_args()
    admin_url = os.environ.get("NEWSDESK_BENCH_DATABASE_URL", DEFAULT_URL)
    if args.part in ("engines", "all"):
        await bench_engines(admin_url, args.feeds, args.rounds)
    if args.part in ("workers", "all"):
        await bench_workers(admin_url, args.worker_feeds, args.rounds)
    if args.part in ("latency", "all"):
        await bench_latency(admin_url, args.stories)


if __name__ == "__main__":
    asyncio.run(main())
