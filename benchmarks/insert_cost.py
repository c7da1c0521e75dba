"""What each part of the comment schema costs the write path: comment INSERTs (the writer's statement, batches of
200, real comment text from the shared Reddit sample) into the real migrated schema, then with parts removed.

    python benchmarks/insert_cost.py [--rows 40000]

Variants, in one run: the whole schema; without the search index triggers; without the hourly counts trigger;
without both (the schema before the web dashboard, plus its two indexes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage.engines import open_database

SHARED = Path(os.environ.get("NEWSDESK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
INSERT = ("INSERT INTO comments (message_id, guild_id, thread_id, article_id, author_id, author_name, content, "
          "parent_id, created_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (message_id) DO NOTHING")
VARIANTS = {
    "whole schema": (),
    "no search index": ("comments_fts_insert", "comments_fts_update", "comments_fts_delete"),
    "no hourly counts": ("comment_hours_count",),
    "neither": ("comments_fts_insert", "comments_fts_update", "comments_fts_delete", "comment_hours_count"),
}


def texts() -> list[str]:
    path = SHARED / "comments" / "reddit_praw_cassettes.jsonl"
    if not path.exists():
        print(f"no shared data at {path} (NEWSDESK_SHARED_DATA): using generated text", file=sys.stderr)
        rng = random.Random(3)
        return [" ".join(rng.choice("the council budget bus night plan vote".split()) for _ in range(30))] * 100
    return [b for line in path.read_text(encoding="utf-8").splitlines() if (b := json.loads(line).get("body"))]


async def migrated(path: Path) -> None:
    db = await open_database(path)
    await db.close()


def run(path: Path, drop: tuple[str, ...], rows: list[tuple[object, ...]]) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for trigger in drop:
        conn.execute(f"DROP TRIGGER {trigger}")
    started = time.perf_counter()
    for i in range(0, len(rows), 200):
        with conn:
            conn.executemany(INSERT, rows[i:i + 200])
    elapsed = time.perf_counter() - started
    conn.close()
    return len(rows) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40_000)
    args = parser.parse_args()
    corpus, rng, now = texts(), random.Random(1), time.time()
    rows = [(i + 1, 1, 10 + i % 50, None, 100 + rng.randrange(500), "reader", rng.choice(corpus), None,
             now + i * 0.01) for i in range(args.rows)]
    results = {}
    for name, drop in VARIANTS.items():
        path = Path(tempfile.mkdtemp(prefix="newsdesk-insert-")) / "x.db"
        asyncio.run(migrated(path))
        results[name] = run(path, drop, rows)
        print(f"{name:18} {results[name]:8.0f} rows/s", flush=True)
    print("RESULT " + " ".join(f"{k.replace(' ', '_')}={v:.0f}" for k, v in results.items()))


if __name__ == "__main__":
    main()
