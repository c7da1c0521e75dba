"""Scale-out on PostgreSQL with real processes: the emulator serving 4 shards, two gateway processes
(`newsdesk run --role gateway`, shards 0-1 and 2-3), two feed workers (`--role feeds`), 20 guilds, 10
loopback feeds each followed by 6 guilds.

Every feed is fetched exactly once per cycle (counted at the feed server), every story is posted exactly once
in every channel that follows its feed, comments are recorded by both gateway processes. Then one feed worker
is SIGKILLed while it holds feeds mid-fetch and one gateway process mid-stream of comments and posts: after
their restart nothing is lost and nothing is posted twice.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bot.health import feed_worker_key
from bot.storage.database import Database
from bot.storage.engines import open_database
from bot.storage.feeds import FeedStore, SubscriptionStore
from bot.storage.guilds import GuildSettingsStore
from bot.storage.meta import MetaStore
from bot.storage.signals import FEEDS, ClusterSignals
from emulator import Channel, DiscordEmulator, Guild, User
from emulator.model import DISCORD_EPOCH_MS
from tests.emulator_fixtures import E2E_MARKS
from tests.loopback import serve
from tests.postgres_server import clean_database

pytestmark = E2E_MARKS
ROOT = Path(__file__).resolve().parent.parent
SHARDS, GUILDS, FEEDS_COUNT, FOLLOWERS = 4, 20, 10, 6


def body(name: str, n: int) -> str:
    """A story text long enough to need no page fetch, sharing no terms with any other (no story merging)."""
    return " ".join(f"Sentence {k}: {name}alpha{n}x{k} meets {name}beta{n}y{k} at {name}gamma{n}z{k}."
                    for k in range(20))


async def until(check: Callable[[], object], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class Feeds:
    """10 loopback feeds; counts requests per feed; `hold` keeps responses waiting (a fetch in flight)."""

    def __init__(self) -> None:
        self.items: dict[str, list[int]] = {f"f{n}": [1] for n in range(FEEDS_COUNT)}
        self.requests: collections.Counter[str] = collections.Counter()
        self.in_flight: set[str] = set()
        self.hold = asyncio.Event()
        self.hold.set()
        self.gone: set[str] = set()  # feeds answering 410 Gone (the feed is paused, admins are told)

    def setup(self, app: web.Application) -> None:
        async def feed(request: web.Request) -> web.Response:
            name = request.match_info["name"]
            self.requests[name] += 1
            self.in_flight.add(name)
            try:
                await self.hold.wait()
            finally:
                self.in_flight.discard(name)
            if name in self.gone:
                return web.Response(status=410)
            entries = "".join(
                f"<item><guid>{name}-{n}</guid><link>https://news.example.com/{name}/{n}</link>"
                f"<title>{name}headline{n}</title><description>{body(name, n)}</description></item>"
                for n in reversed(self.items[name]))
            return web.Response(body=(f"<?xml version='1.0'?><rss version='2.0'><channel><title>{name}</title>"
                                      f"<link>https://news.example.com/</link>{entries}</channel></rss>").encode(),
                                content_type="application/rss+xml")

        app.router.add_get("/{name}.xml", feed)

    def publish(self) -> None:
        for name, items in self.items.items():
            if name not in self.gone:
                items.append(items[-1] + 1)

    def urls(self, name: str) -> set[str]:
        return {f"https://news.example.com/{name}/{n}" for n in self.items[name][1:]}  # item 1: the baseline


class Process:
    def __init__(self, name: str, role: str, env: dict[str, str], log: Path) -> None:
        self.name, self.role, self.env, self.log = name, role, env, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "--env-file", os.devnull, "run", "--role", self.role,
                env=self.env, stdout=out, stderr=out, cwd=str(ROOT))

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except TimeoutError:
                await self.kill()


def guild_on_shard(emu: DiscordEmulator, shard: int, name: str) -> Guild:
    """A guild whose id puts it on `shard` ((id >> 22) % SHARDS): ids are made from the millisecond."""
    while ((int(time.time() * 1000) - DISCORD_EPOCH_MS) % SHARDS) != shard:
        time.sleep(0.0002)
    guild = emu.create_guild(name)
    assert (guild.id >> 22) % SHARDS == shard
    return guild


def live_shards(emu: DiscordEmulator) -> set[int]:
    return {s.shard[0] for s in emu.gateway.sessions.values() if s.ws is not None and not s.ws.closed}


async def test_two_gateways_and_two_feed_workers_on_postgresql(tmp_path: Path) -> None:
    url = await clean_database()
    emu = DiscordEmulator()
    await emu.start()
    site = Feeds()
    db: Database = await open_database(url)
    processes: list[Process] = []
    try:
        async with serve(site.setup) as base:
            guilds = [guild_on_shard(emu, n % SHARDS, f"Guild {n}") for n in range(GUILDS)]
            news: dict[int, Channel] = {g.id: emu.create_channel(g, "news") for g in guilds}
            readers: list[User] = []
            for n in range(4):
                readers.append(emu.create_user(f"reader{n}"))
                for guild in guilds:
                    emu.add_member(guild, readers[-1])
            feeds, subs = FeedStore(db), SubscriptionStore(db)
            followers: dict[str, list[Guild]] = {}
            now = time.time()
            for n, name in enumerate(site.items):
                feed = await feeds.get_or_create(f"{base}/{name}.xml", now=now)
                followers[name] = [guilds[(n * 2 + k) % GUILDS] for k in range(FOLLOWERS)]
                for guild in followers[name]:
                    await subs.add(feed.id, guild.id, news[guild.id].id, now=now - 5)
            assert {(g.id >> 22) % SHARDS for name in followers for g in followers[name]} == {0, 1, 2, 3}

            env = {**os.environ, "DATABASE_URL": url, "DISCORD_TOKEN": emu.token, "DISCORD_API_BASE": emu.api_base,
                   "DISCORD_GATEWAY_URL": emu.gateway_url, "NEWSDESK_ALLOW_PRIVATE_NETWORKS": "true",
                   "FEED_LEASE_SECONDS": "3", "LOG_LEVEL": "warning", "SHARD_COUNT": str(SHARDS)}
            env.pop("DATABASE_PATH", None)
            workers = [Process(f"feeds{n}", "feeds", env, tmp_path / f"feeds{n}.log") for n in range(2)]
            gateways = [Process(f"gateway{n}", "gateway", {**env, "SHARD_IDS": ids}, tmp_path / f"gateway{n}.log")
                        for n, ids in enumerate(("0,1", "2,3"))]
            processes = workers + gateways
            for process in processes:
                await process.start()

            def logs() -> str:
                return "\n".join(f"--- {p.name}\n{p.log.read_text(errors='replace')[-1500:]}" for p in processes)

            # The baseline: each feed fetched once by one of the two workers, nothing posted.
            await until(lambda: len(site.requests) == FEEDS_COUNT, "the baseline polls")
            await until(lambda: live_shards(emu) == {0, 1, 2, 3}, "4 shards connected", seconds=40)
            signals = ClusterSignals(db)

            async def cycle() -> None:
                site.publish()
                site.requests.clear()
                for name in site.items:
                    feed = await feeds.get_by_url(f"{base}/{name}.xml")
                    assert feed is not None
                    await feeds.poll_soon(feed.id)
                signals.signal(FEEDS)

            def posted(channel: Channel) -> list[str]:
                return [e.get("url", "") for m in emu.bot_messages(channel) if m.type == 0 for e in m.embeds[:1]]

            def expected(guild: Guild) -> list[str]:
                return sorted(u for name, gs in followers.items() if guild in gs for u in site.urls(name))

            def all_posted() -> bool:
                return all(sorted(posted(news[g.id])) == expected(g) for g in guilds)

            # Cycle 1: one new story per feed; fetched once each, posted once in each of its 6 channels.
            started = time.monotonic()
            await cycle()
            try:
                await until(all_posted, "every story in every channel")
            except AssertionError:
                state = [tuple(r) for r in await db.fetchall(
                    "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM announcements),"
                    " (SELECT COUNT(*) FROM posts), (SELECT COUNT(*) FROM posts WHERE message_id IS NOT NULL)")]
                sample = [(m.content[:80], m.embeds[:1]) for m in emu.bot_messages(news[guilds[0].id])][:3]
                raise AssertionError(f"{state} {sample} {site.requests}\n{logs()}") from None
            latency = time.monotonic() - started
            assert set(site.requests.values()) == {1} and len(site.requests) == FEEDS_COUNT, site.requests
            assert latency < 15, latency

            # Comments in story threads of guilds on both gateway processes are recorded.
            commented: list[int] = []
            for guild in (guilds[0], guilds[1], guilds[2], guilds[3]):
                thread = emu.threads(news[guild.id])[0]
                commented.append(emu.send(readers[0], thread, f"first comment in {guild.name}").id)

            async def recorded(ids: list[int]) -> bool:
                marks = ",".join("?" * len(ids))
                return await db.fetchval(f"SELECT COUNT(*) FROM comments WHERE message_id IN ({marks})", ids) == len(ids)

            await until(lambda: recorded(commented), "comments recorded from both gateways")

            # Cycle 2, with failures: a feed worker dies holding feeds mid-fetch, a gateway dies mid-stream.
            site.hold.clear()
            await cycle()
            await until(lambda: site.in_flight, "fetches in flight")
            holders = {row[0]: row[1] for row in await db.fetchall(
                "SELECT url, lease_owner FROM feeds WHERE lease_owner IS NOT NULL")}
            victim = next(w for w in workers if any(f":{w.pid}:" in h for h in holders.values()))
            orphaned = {u.rsplit("/", 1)[1].removesuffix(".xml") for u, h in holders.items() if f":{victim.pid}:" in h}
            await victim.kill()
            cut_off = orphaned & site.in_flight  # fetched by the victim, never stored
            site.hold.set()
            stream_guilds = [g for g in guilds if (g.id >> 22) % SHARDS in (0, 1)]
            stop_stream = asyncio.Event()

            async def stream() -> None:
                n = 0
                while not stop_stream.is_set():
                    guild = stream_guilds[n % len(stream_guilds)]
                    threads = emu.threads(news[guild.id])
                    if threads:
                        commented.append(emu.send(readers[n % 4], threads[n % len(threads)], f"comment {n}").id)
                    n += 1
                    await asyncio.sleep(0.01)

            streaming = asyncio.create_task(stream())
            first_gateway_channels = {news[g.id].id: news[g.id] for g in stream_guilds}
            before = {cid: len(posted(c)) for cid, c in first_gateway_channels.items()}
            await until(lambda: any(len(posted(c)) > before[cid] for cid, c in first_gateway_channels.items()),
                        "cycle 2 posts begin")
            assert not all(len(posted(c)) == len(expected(g)) for g in stream_guilds
                           for c in [news[g.id]]), "gateway 0 had finished posting before it was killed"
            await gateways[0].kill()
            await asyncio.sleep(0.3)
            await victim.start()
            await gateways[0].start()
            await until(lambda: live_shards(emu) == {0, 1, 2, 3}, "gateway 0 back", seconds=40)
            await asyncio.sleep(0.5)
            stop_stream.set()
            await streaming
            await until(all_posted, f"every cycle-2 story in every channel after the restarts\n{logs()}", seconds=40)
            assert all(len(posted(news[g.id])) == len(set(posted(news[g.id]))) for g in guilds)
            # The dead worker's feeds were taken over once its leases lapsed: those it was fetching were fetched
            # again, the others once, as every feed of the other worker.
            assert cut_off and all(site.requests[name] == 2 for name in cut_off), (cut_off, site.requests)
            assert all(site.requests[name] == 1 for name in site.items if name not in cut_off), site.requests
            try:
                await until(lambda: recorded(commented), "all comments recorded", seconds=30)
            except AssertionError:
                have = {r[0] for r in await db.fetchall("SELECT message_id FROM comments")}
                missing = [m for m in commented if m not in have]
                where = collections.Counter(emu.world.message_index[m].channel_id for m in missing)
                raise AssertionError(f"{len(missing)} of {len(commented)} comments not recorded, by thread {where}"
                                     f"\n{logs()}") from None
            rows = await db.fetchval("SELECT COUNT(*) FROM posts WHERE message_id IS NOT NULL")
            assert rows == sum(len(expected(g)) for g in guilds)
            # the feed workers beat for `newsdesk health --role feeds` (both on this host: one key)
            beat = await MetaStore(db).get(feed_worker_key(socket.gethostname()))
            assert beat is not None and json.loads(beat)["connected"] is True

            # Cycle 3, everyone back: fetched exactly once each again. One feed is gone: the worker pauses it
            # and the gateways tell the admin channel of each server following it, once.
            admin: dict[int, Channel] = {}
            for guild in followers["f9"]:
                admin[guild.id] = emu.create_channel(guild, "admin")
                await GuildSettingsStore(db).update(guild.id, admin_channel_id=admin[guild.id].id)
            site.gone.add("f9")
            await cycle()
            await until(all_posted, f"cycle 3 posted\n{logs()}")
            assert set(site.requests.values()) == {1} and len(site.requests) == FEEDS_COUNT, site.requests
            await until(lambda: all(emu.bot_messages(c) for c in admin.values()), f"paused-feed notices\n{logs()}")
            assert {(g.id >> 22) % SHARDS for g in followers["f9"]} & {0, 1} and \
                {(g.id >> 22) % SHARDS for g in followers["f9"]} & {2, 3}  # both gateways told theirs
            told = {cid: [m.content[:90] for m in emu.bot_messages(c)] for cid, c in admin.items()}
            assert all(len(texts) == 1 and "was paused" in texts[0] for texts in told.values()), told
            await signals.aclose()
    finally:
        for process in processes:
            await process.stop()
        await db.close()
        await emu.stop()
