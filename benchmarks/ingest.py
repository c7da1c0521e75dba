"""Comment ingest: MESSAGE_CREATE events/s a bare discord.py bot handles vs the Newsdesk bot recording them.

The emulator runs in its own process (`python -m emulator`). Real comments from
`$NEWSDESK_SHARED_DATA/comments/reddit_praw_cassettes.jsonl` are replayed into article threads through the
emulator's fast injection path, with their reply trees as Discord replies (type 19, referenced_message).
Each round runs a bare `discord.Client` that only counts, then the real Newsdesk bot (composition root,
all cogs, write-behind writer) against fresh article threads; "ours" is timed until every message is
handled *and* committed. Afterwards the rows are counted (and their parent ids checked).

    /work/venv/bin/python benchmarks/ingest.py --messages 60000 --rounds 2
    ... --database-url postgresql://postgres@127.0.0.1:5432/DB   (the same on PostgreSQL: an empty database)
Last line: RESULT bare_eps=… ours_eps=… ratio=… recorded=… sent=… lost=…
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

THREADS = 8
BATCH = 2000


@dataclass
class Chunk:
    thread: int  # index into this round's threads
    contents: list[str]
    reply_to: list[int | None]


def load_trees(path: Path) -> list[tuple[list[str], list[int | None]]]:
    """Reddit comments grouped into reply trees, each as (bodies, parent index within the tree)."""
    comments: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item.get("type") == "comment" and (item.get("body") or "").strip():
            comments[item["name"]] = item
    children: dict[str, list[str]] = defaultdict(list)
    roots = []
    for name, c in comments.items():
        parent = c.get("parent_id")
        if parent in comments:
            children[parent].append(name)
        else:
            roots.append(name)
    trees = []
    for root in sorted(roots, key=lambda n: comments[n].get("created_utc") or 0):
        bodies: list[str] = []
        parents: list[int | None] = []
        queue: list[tuple[str, int | None]] = [(root, None)]
        while queue:  # breadth first: a parent is always sent before its replies
            name, parent_index = queue.pop(0)
            bodies.append(comments[name]["body"][:2000])
            parents.append(parent_index)
            me = len(bodies) - 1
            queue.extend((child, me) for child in sorted(children.get(name, []),
                                                          key=lambda n: comments[n].get("created_utc") or 0))
        trees.append((bodies, parents))
    return trees


def plan(trees: list[tuple[list[str], list[int | None]]], total: int) -> list[Chunk]:
    """`total` messages as injection chunks of whole trees (replies refer within their chunk)."""
    chunks: list[Chunk] = []
    current = Chunk(0, [], [])
    sent = 0
    i = 0
    while sent < total:
        bodies, parents = trees[i % len(trees)]
        i += 1
        take = min(len(bodies), total - sent)
        if current.contents and len(current.contents) + take > BATCH:
            chunks.append(current)
            current = Chunk(len(chunks) % THREADS, [], [])
        offset = len(current.contents)
        current.contents.extend(bodies[:take])
        current.reply_to.extend(None if p is None or p >= take else p + offset for p in parents[:take])
        sent += take
    if current.contents:
        chunks.append(current)
    return chunks


class Emulator:
    def __init__(self, proc: asyncio.subprocess.Process, info: dict[str, Any], http: aiohttp.ClientSession):
        self.proc, self.info, self.http = proc, info, http

    @classmethod
    async def spawn(cls, http: aiohttp.ClientSession) -> Emulator:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "emulator",
                                                    stdout=asyncio.subprocess.PIPE)
        assert proc.stdout is not None
        while True:
            line = (await proc.stdout.readline()).decode()
            if not line:
                raise SystemExit("the emulator exited before it was ready")
            if line.startswith("EMULATOR_READY "):
                return cls(proc, json.loads(line.split(" ", 1)[1]), http)

    async def post(self, path: str, payload: dict[str, Any]) -> Any:
        async with self.http.post(f"{self.info['control']}/{path}", json=payload) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def stop(self) -> None:
        self.proc.terminate()
        await self.proc.wait()


async def inject(emu: Emulator, user_id: str, threads: list[str], chunks: list[Chunk]) -> None:
    for chunk in chunks:
        result = await emu.post("inject", {"user_id": user_id, "channel_id": threads[chunk.thread],
                                           "contents": chunk.contents, "reply_to": chunk.reply_to})
        assert result["injected"] == len(chunk.contents)


async def run_bare(emu: Emulator, user_id: str, threads: list[str], chunks: list[Chunk], total: int) -> float:
    import discord

    from cogs.client import intents
    from cogs.support.endpoints import discord_endpoints

    client = discord.Client(intents=intents(), guild_ready_timeout=0.05)
    done = asyncio.Event()
    count = 0

    @client.event
    async def on_message(message: discord.Message) -> None:
        nonlocal count
        count += 1
        if count == total:
            done.set()

    with discord_endpoints(emu.info["api_base"], emu.info["gateway_url"]):
        task = asyncio.create_task(client.start(emu.info["token"]))
        while not client.is_ready():
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        started = time.perf_counter()
        await inject(emu, user_id, threads, chunks)
        await done.wait()
        elapsed = time.perf_counter() - started
        await client.close()
        await task
    return elapsed


async def run_ours(emu: Emulator, user_id: str, threads: list[str], chunks: list[Chunk], total: int,
                   db_path: Path, tap: bool = True, database_url: str | None = None) -> tuple[float, float, int, int]:
    """(seconds to handle, seconds to handle and commit, rows recorded, replies with a parent id)."""
    from bot.config import load_settings
    from cogs.support.endpoints import discord_endpoints
    from newsdesk.app import build_bot, open_services

    env = {"DATABASE_PATH": str(db_path), "DISCORD_TOKEN": emu.info["token"],
           "DISCORD_API_BASE": emu.info["api_base"], "DISCORD_GATEWAY_URL": emu.info["gateway_url"],
           "DEV_GUILD_ID": emu.info["guild_id"], "LOG_LEVEL": "WARNING"}
    if database_url:
        env["DATABASE_URL"] = database_url
    settings = load_settings(env, env_file=None)
    guild_id = int(emu.info["guild_id"])
    with discord_endpoints(emu.info["api_base"], emu.info["gateway_url"]):
        async with open_services(settings) as services:
            for thread_id in threads:  # what the publisher does when it opens a story's thread
                await services.stores.threads.register(thread_id=int(thread_id), guild_id=guild_id,
                                                parent_channel_id=int(emu.info["news_channel_id"]),
                                                article_id=None, name="benchmark")
            before = await services.stores.db.fetchval("SELECT COUNT(*) FROM comments")
            bot = build_bot(services, guild_ready_timeout=0.05)
            async with bot:
                task = asyncio.create_task(bot.start(emu.info["token"]))
                listener: Any = None
                while listener is None or not bot.is_ready() or listener.backfills_done < 1:
                    if task.done():
                        task.result()
                    listener = bot.comment_listener
                    await asyncio.sleep(0.01)
                assert listener is not None
                if not tap:  # measure the path through discord.Message and the on_message hook instead
                    listener.tap.remove()
                seen_before = listener.messages_seen
                started = time.perf_counter()
                injecting = asyncio.create_task(inject(emu, user_id, threads, chunks))
                while listener.messages_seen - seen_before < total:  # noqa: ASYNC110 (a counter, no event to await)
                    await asyncio.sleep(0.002)
                handled = time.perf_counter() - started
                await injecting
                await services.stores.writer.flush()
                committed = time.perf_counter() - started
                await bot.close()
                await task
            ids = ",".join(threads)
            recorded = await services.stores.db.fetchval(
                f"SELECT COUNT(*) FROM comments WHERE thread_id IN ({ids})") or 0
            replies = await services.stores.db.fetchval(
                f"SELECT COUNT(*) FROM comments WHERE thread_id IN ({ids}) AND parent_id IS NOT NULL") or 0
            for thread_id in threads:  # next round's start-up backfill should not rescan these
                await services.stores.threads.record_state(int(thread_id), archived=True)
            await services.stores.writer.flush()
            assert before is not None
    return handled, committed, int(recorded), int(replies)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=60000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-tap", action="store_true",
                        help="ours without the MESSAGE_CREATE tap (discord.Message + on_message hook)")
    parser.add_argument("--database-url", help="record into this database (e.g. postgresql://...) instead of a "
                        "new SQLite file")
    args = parser.parse_args()
    data = Path(os.environ.get("NEWSDESK_SHARED_DATA", "../shared/data")) / "comments" / "reddit_praw_cassettes.jsonl"
    if not data.exists():
        raise SystemExit(f"{data} not found: set NEWSDESK_SHARED_DATA")
    trees = load_trees(data)
    chunks = plan(trees, args.messages)
    expected_replies = sum(r is not None for c in chunks for r in c.reply_to)
    print(f"{sum(len(t[0]) for t in trees)} comments in {len(trees)} reply trees; sending {args.messages} "
          f"messages ({expected_replies} replies) in {len(chunks)} injections over {THREADS} threads per round")
    bare_rates, ours_rates, handled_rates = [], [], []
    recorded_total = lost_total = 0
    with tempfile.TemporaryDirectory() as tmp:
        async with aiohttp.ClientSession() as http:
            emu = await Emulator.spawn(http)
            try:
                user = await emu.post("users", {"name": "reader", "guild_ids": [emu.info["guild_id"]]})
                for round_no in range(1, args.rounds + 1):
                    threads = [(await emu.post("threads", {"user_id": user["id"], "channel_id":
                                                           emu.info["news_channel_id"], "name": f"r{round_no} t{n}"}))["id"]
                               for n in range(THREADS)]
                    bare = await run_bare(emu, user["id"], threads, chunks, args.messages)
                    threads = [(await emu.post("threads", {"user_id": user["id"], "channel_id":
                                                           emu.info["news_channel_id"], "name": f"r{round_no} o{n}"}))["id"]
                               for n in range(THREADS)]
                    handled, committed, recorded, replies = await run_ours(
                        emu, user["id"], threads, chunks, args.messages, Path(tmp) / "ingest.db", tap=not args.no_tap,
                        database_url=args.database_url)
                    bare_rates.append(args.messages / bare)
                    ours_rates.append(args.messages / committed)
                    handled_rates.append(args.messages / handled)
                    recorded_total += recorded
                    lost_total += args.messages - recorded
                    print(f"round {round_no}: bare {args.messages / bare:,.0f}/s; ours {args.messages / handled:,.0f}/s "
                          f"handled, {args.messages / committed:,.0f}/s handled and committed "
                          f"(ratio {bare / committed:.3f}); rows {recorded}/{args.messages}, "
                          f"replies with parent {replies}/{expected_replies}")
                    if replies != expected_replies:
                        print(f"  WARNING: {expected_replies - replies} replies lost their parent id")
            finally:
                await emu.stop()
    bare_eps = statistics.median(bare_rates)
    ours_eps = statistics.median(ours_rates)
    sent = args.messages * args.rounds
    print(f"median over {args.rounds} rounds: bare {bare_eps:,.0f}/s, ours {ours_eps:,.0f}/s (handled only: "
          f"{statistics.median(handled_rates):,.0f}/s)")
    print(f"RESULT bare_eps={bare_eps:.0f} ours_eps={ours_eps:.0f} ratio={ours_eps / bare_eps:.3f} "
          f"recorded={recorded_total} sent={sent} lost={lost_total}")


if __name__ == "__main__":
    asyncio.run(main())
