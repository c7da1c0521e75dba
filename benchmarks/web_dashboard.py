"""The web dashboard on a big server: 1,000,000 comments over 10,000 stories (real comment text from the
shared Reddit sample, cycled), then the server-side time of the pages a moderator opens most, read from the
`Server-Timing` header the dashboard sends, and their weight.

    python benchmarks/web_dashboard.py [--comments 1000000] [--articles 10000] [--requests 200] [--db PATH]

The database is built once (about a minute) and reused when --db names an existing file. Prints one RESULT line.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


import httpx

from bot.config import load_settings
from emulator import DiscordEmulator
from emulator.newsroom import build_news_server
from newsdesk.app import open_services
from newsdesk.dashboard import serve_dashboard

SHARED = Path(os.environ.get("NEWSDESK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
WORDS = ("council budget transit night bus nurses hospital grid heatwave library fees grant open source "
         "election policy court ruling market prices energy climate school teachers police housing rent").split()


def corpus() -> list[str]:
    path = SHARED / "comments" / "reddit_praw_cassettes.jsonl"
    texts: list[str] = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            body = record.get("body") or ""
            if record.get("type") == "comment" and 10 < len(body) < 2000:
                texts.append(body)
    if not texts:  # no shared data: plain generated sentences
        rng = random.Random(1)
        texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40))) for _ in range(5000)]
    return texts


def build(db_path: Path, guild_id: int, channel_id: int, comments: int, articles: int) -> None:
    """Stories posted over the last 30 days, each with a thread; comments spread over them (a few hot ones)."""
    rng = random.Random(7)
    texts = corpus()
    conn = sqlite3.connect(db_path)
    now = time.time()
    with conn:
        feed_id = conn.execute("INSERT INTO feeds (url, title, next_poll_at, created_at) VALUES (?, ?, 0, ?)",
                               ("https://example.org/feed.xml", "Example Wire", now)).lastrowid
        sub_id = conn.execute("INSERT INTO subscriptions (feed_id, guild_id, channel_id, created_at) "
                              "VALUES (?, ?, ?, ?)", (feed_id, guild_id, channel_id, now)).lastrowid
        for n in range(articles):
            at = now - (articles - n) * (30 * 86400 / articles)
            title = f"Story {n}: " + " ".join(rng.choice(WORDS) for _ in range(6))
            conn.execute("INSERT INTO articles (id, feed_id, guid, canonical_url, content_hash, title, title_key, "
                         "first_seen_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                         (n + 1, feed_id, f"g{n}", f"https://example.org/s/{n}", "h", title, title.lower(), at, at))
            conn.execute("INSERT INTO posts (article_id, subscription_id, guild_id, channel_id, nonce, message_id, "
                         "thread_id, posted_at, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                         (n + 1, sub_id, guild_id, channel_id, f"n{n}", 10_000_000 + n, 20_000_000 + n, at, at))
            conn.execute("INSERT INTO threads (thread_id, guild_id, parent_channel_id, article_id, name, created_at, "
                         "updated_at) VALUES (?,?,?,?,?,?,?)",
                         (20_000_000 + n, guild_id, channel_id, n + 1, title[:90], at, at))
    weights = [1.0 / (1 + (articles - n) / 50) for n in range(articles)]  # recent stories draw more comments
    batch: list[tuple[object, ...]] = []
    message_id = 30_000_000
    for _ in range(comments):
        article = rng.choices(range(articles), weights)[0] if rng.random() < 0.5 else rng.randrange(articles)
        message_id += 1
        created = now - (articles - article) * (30 * 86400 / articles) + rng.random() * 86400
        parent = message_id - rng.randint(1, 5) if rng.random() < 0.4 else None
        status = "removed" if rng.random() < 0.02 else "visible"
        author = rng.randrange(5000)
        batch.append((message_id, guild_id, 20_000_000 + article, article + 1, 100 + author, f"reader{author}",
                       rng.choice(texts), parent, min(created, now), status))
        if len(batch) == 20_000:
            _insert(conn, batch)
            batch = []
    _insert(conn, batch)
    conn.execute("ANALYZE")
    conn.close()


def _insert(conn: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    with conn:
        conn.executemany("INSERT INTO comments (message_id, guild_id, thread_id, article_id, author_id, author_name, "
                         "content, parent_id, created_at, status) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)


async def measure(args: argparse.Namespace) -> None:
    emu = DiscordEmulator()
    await emu.start()
    server = build_news_server(emu)
    db_path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="newsdesk-web-bench-")) / "big.db"
    settings = load_settings({
        "DATABASE_PATH": str(db_path), "DISCORD_API_BASE": emu.api_base,
        "DISCORD_CLIENT_ID": str(emu.world.application_id), "DISCORD_CLIENT_SECRET": emu.oauth.client_secret,
        "WEB_SECRET_KEY": "benchmark-key-benchmark-key"}, env_file=None)
    fresh = not db_path.exists()
    async with open_services(settings) as services:  # applies the migrations
        pass
    if fresh:
        started = time.monotonic()
        # The emulator's ids change per run: a reused database keeps the guild id it was built with.
        build(db_path, server.guild.id, server.news.id, args.comments, args.articles)
        print(f"built {db_path} ({args.comments} comments, {args.articles} stories) in "
              f"{time.monotonic() - started:.0f} s", flush=True)
    conn = sqlite3.connect(db_path)
    old_guild = conn.execute("SELECT guild_id FROM subscriptions LIMIT 1").fetchone()[0]
    guild_id = server.guild.id
    if old_guild != guild_id:  # a reused database: point it at this run's emulated server (ids change per run)
        with conn:
            for table in ("subscriptions", "posts", "threads", "comments"):
                conn.execute(f"UPDATE {table} SET guild_id = ? WHERE guild_id = ?", (guild_id, old_guild))
    hot = conn.execute("SELECT article_id FROM comments GROUP BY article_id ORDER BY COUNT(*) DESC LIMIT 1"
                       ).fetchone()[0]
    conn.close()
    async with open_services(settings) as services, serve_dashboard(services, settings, 0) as url, \
            httpx.AsyncClient(timeout=60) as client:
        await emu.log_in(client, f"{url}/login", server.moderator)
        pages = {
            "overview": f"/g/{guild_id}",
            "article_hot": f"/g/{guild_id}/articles/{hot}",
            "article_typical": f"/g/{guild_id}/articles/{args.articles // 2}",
            "search_common": f"/g/{guild_id}/search?q=the",
            "search_rare": f"/g/{guild_id}/search?q=council+budget",
            "modlog": f"/g/{guild_id}/modlog",
        }
        results = {}
        for name, path in pages.items():
            times, size, zipped = [], 0, 0
            for i in range(args.requests):
                answer = await client.get(f"{url}{path}")
                assert answer.status_code == 200, (name, answer.status_code, answer.text[:300])
                times.append(float(answer.headers["server-timing"].split("dur=")[1]))
                if i == 0:
                    size, zipped = len(answer.content), len(gzip.compress(answer.content))
            times.sort()
            results[name] = (statistics.median(times), times[int(len(times) * 0.95) - 1], size, zipped)
            print(f"{name:16} p50 {results[name][0]:7.1f} ms  p95 {results[name][1]:7.1f} ms  "
                  f"{size / 1024:6.1f} KB ({zipped / 1024:.1f} KB gzipped)", flush=True)
    await emu.stop()
    print("RESULT " + " ".join(f"{name}_p95_ms={r[1]:.1f}" for name, r in results.items())
          + f" overview_kb={results['overview'][2] / 1024:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--db", help="database file to build (or reuse when it exists)")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
