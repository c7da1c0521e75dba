"""Reliability: SIGKILL the bot while comments stream in, restart it, and check nothing was lost.

The emulator runs in this process; the bot is a separate process (`python -m bot run`, pointed at the
emulator by DISCORD_API_BASE / DISCORD_GATEWAY_URL). A stream of comments, replies, edits, deletes and
reactions (adds and removals) goes into article threads the whole time. Each round: stream a random while,
SIGKILL the bot at that random moment, keep streaming while it is down, restart it, keep streaming while
it catches up, then pause the stream and check that the database converges to what the emulator holds:
every live message exactly once with its latest text and not deleted, every deleted one we recorded
marked deleted, every reaction recorded and none left over, and `PRAGMA integrity_check` ok.

    /work/venv/bin/python benchmarks/crash.py --rounds 20
Last line: RESULT rounds=… lost=… duplicates=… integrity_failures=…
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage.engines import open_database
from bot.storage.threads import ThreadStore
from emulator import Channel, DiscordEmulator, Message, User

EMOJI = ["👍", "🔥", "👀", "party:4242", "newsdesk:777"]
THREADS = 3
CONVERGE_SECONDS = 20.0


@dataclass
class RoundReport:
    missing: int = 0
    wrong_text: int = 0
    wrong_deleted: int = 0
    reactions_missing: int = 0
    reactions_stale: int = 0
    duplicates: int = 0
    integrity_ok: bool = True
    details: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.missing + self.wrong_text + self.wrong_deleted + self.reactions_missing + self.reactions_stale


@dataclass
class CrashResult:
    rounds: int
    lost: int
    duplicates: int
    integrity_failures: int
    reports: list[RoundReport]


class World:
    """The emulator with a guild, readers and article threads, and the random stream of user actions."""

    def __init__(self, emu: DiscordEmulator, rng: random.Random) -> None:
        self.emu, self.rng = emu, rng
        owner = emu.create_user("editor")
        self.guild = emu.create_guild("Crash Guild", owner=owner)
        emu.add_member(self.guild, owner)
        self.news = emu.create_channel(self.guild, "news")
        self.users: list[User] = []
        for n in range(6):
            user = emu.create_user(f"reader{n}")
            emu.add_member(self.guild, user)
            self.users.append(user)
        self.threads: list[Channel] = [emu.create_thread(owner, self.news, f"Story {n}") for n in range(THREADS)]
        self.ops = 0

    def live(self, thread: Channel) -> list[Message]:
        return [m for m in self.emu.messages(thread) if not m.author.bot and m.type in (0, 19)]

    def step(self) -> None:
        rng, emu = self.rng, self.emu
        thread = rng.choice(self.threads)
        user = rng.choice(self.users)
        live = self.live(thread)
        roll = rng.random()
        self.ops += 1
        if roll < 0.35 or len(live) < 3:
            emu.send(user, thread, f"comment {self.ops} from {user.username}: {rng.random():.6f}")
        elif roll < 0.60:
            emu.send(user, thread, f"reply {self.ops}", reply_to=rng.choice(live))
        elif roll < 0.75:
            target = rng.choice(live)
            emu.edit(target.author, target, f"{target.content.split(' (edit')[0]} (edit {self.ops})")
        elif roll < 0.83:
            target = rng.choice(live)
            emu.delete(target.author, target)
        elif roll < 0.95:
            emu.react(user, rng.choice(live), rng.choice(EMOJI))
        else:
            reacted = [(m, key, uid) for m in live for key, ids in m.reactions.items() for uid in ids]
            if reacted:
                message, key, uid = rng.choice(reacted)
                emu.unreact(emu.world.users[uid], message, key)

    async def stream(self, stop: asyncio.Event, rate: float) -> None:
        while not stop.is_set():
            self.step()
            await asyncio.sleep(self.rng.expovariate(rate))


class BotProcess:
    def __init__(self, emu: DiscordEmulator, guild_id: int, db_path: Path, log_path: Path) -> None:
        self.emu, self.db_path, self.log_path = emu, db_path, log_path
        self.env = {**os.environ, "DATABASE_PATH": str(db_path), "DISCORD_TOKEN": emu.token,
                    "DISCORD_API_BASE": emu.api_base, "DISCORD_GATEWAY_URL": emu.gateway_url,
                    "DEV_GUILD_ID": str(guild_id), "LOG_LEVEL": "warning"}
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        identifies = self.emu.gateway.identifies
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "--env-file", os.devnull, "run", env=self.env,
                stdout=log, stderr=log, cwd=str(Path(__file__).resolve().parents[1]))
        deadline = time.monotonic() + 30
        while self.emu.gateway.identifies == identifies:
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not connect; see {self.log_path}")
            await asyncio.sleep(0.02)

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        self.proc = None

    async def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except TimeoutError:
                await self.kill()
            self.proc = None


def check(world: World, db_path: Path) -> RoundReport:
    """Compare the database with what the emulator holds."""
    report = RoundReport()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        thread_ids = [t.id for t in world.threads]
        marks = ",".join("?" * len(thread_ids))
        rows = {r[0]: r for r in conn.execute(
            f"SELECT message_id, content, deleted_at FROM comments WHERE thread_id IN ({marks})", thread_ids)}
        report.duplicates += conn.execute(
            "SELECT COUNT(*) FROM (SELECT message_id FROM comment_revisions GROUP BY message_id, old_content,"
            " new_content HAVING COUNT(*) > 1)").fetchone()[0]
        live_db = {(r[0], r[1], r[2]) for r in conn.execute(
            f"SELECT message_id, user_id, emoji FROM reactions WHERE channel_id IN ({marks}) AND removed_at IS NULL",
            thread_ids)}
        report.duplicates += conn.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM reactions WHERE removed_at IS NULL"
            " GROUP BY message_id, user_id, emoji HAVING COUNT(*) > 1)").fetchone()[0]
        live_emu: set[tuple[int, int, str]] = set()
        for thread in world.threads:
            for m in world.live(thread):
                row = rows.get(m.id)
                if row is None:
                    report.missing += 1
                    report.details.append(f"missing {m.id} {m.content!r}")
                elif row[1] != m.content:
                    report.wrong_text += 1
                    report.details.append(f"text of {m.id}: {row[1]!r} != {m.content!r}")
                elif row[2] is not None:
                    report.wrong_deleted += 1
                    report.details.append(f"{m.id} marked deleted but is live")
                live_emu.update((m.id, uid, key) for key, ids in m.reactions.items() for uid in ids)
        index = world.emu.world.message_index
        for message_id, row in rows.items():
            message = index.get(message_id)
            if message is not None and message.deleted and row[2] is None:
                report.wrong_deleted += 1
                report.details.append(f"{message_id} deleted on Discord, not in the database")
        report.reactions_missing = len(live_emu - live_db)
        report.reactions_stale = len(live_db - live_emu)
        if report.reactions_missing or report.reactions_stale:
            report.details.append(f"reactions missing {sorted(live_emu - live_db)[:3]} stale "
                                  f"{sorted(live_db - live_emu)[:3]}")
        report.integrity_ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    return report


async def converge(world: World, db_path: Path) -> RoundReport:
    """Poll until the database matches the emulator (the bot is catching up), or time runs out."""
    deadline = time.monotonic() + CONVERGE_SECONDS
    while True:
        report = await asyncio.to_thread(check, world, db_path)
        if (report.lost == 0 and report.duplicates == 0) or time.monotonic() > deadline:
            return report
        await asyncio.sleep(0.25)


async def run_rounds(rounds: int, *, seed: int, workdir: Path, rate: float = 400.0,
                     out: Any = sys.stdout) -> CrashResult:
    rng = random.Random(seed)
    emu = DiscordEmulator()
    await emu.start()
    bot: BotProcess | None = None
    reports: list[RoundReport] = []
    try:
        world = World(emu, rng)
        db_path = workdir / "crash.db"
        db = await open_database(db_path)
        threads = ThreadStore(db)
        for thread in world.threads:  # what the publisher records when it opens a story's thread
            await threads.register(thread_id=thread.id, guild_id=world.guild.id, parent_channel_id=world.news.id,
                                   article_id=None, name=thread.name)
        await db.close()
        bot = BotProcess(emu, world.guild.id, db_path, workdir / "bot.log")
        await bot.start()
        for round_no in range(1, rounds + 1):
            stop = asyncio.Event()
            streaming = asyncio.create_task(world.stream(stop, rate))
            await asyncio.sleep(rng.uniform(0.3, 1.5))
            await bot.kill()                                  # at a random moment, mid-stream
            await asyncio.sleep(rng.uniform(0.0, 0.6))        # users keep going while it is down
            await bot.start()
            await asyncio.sleep(rng.uniform(0.1, 0.8))        # and while it catches up
            stop.set()
            await streaming
            started = time.monotonic()
            report = await converge(world, db_path)
            reports.append(report)
            print(f"round {round_no}: {world.ops} actions so far; converged in {time.monotonic() - started:.1f}s; "
                  f"lost {report.lost} (missing {report.missing}, text {report.wrong_text}, deleted state "
                  f"{report.wrong_deleted}, reactions {report.reactions_missing}+{report.reactions_stale}), "
                  f"duplicates {report.duplicates}, integrity {'ok' if report.integrity_ok else 'FAILED'}",
                  file=out, flush=True)
            for line in report.details[:5]:
                print(f"  {line}", file=out, flush=True)
    finally:
        if bot is not None:
            await bot.stop()
        await emu.stop()
    return CrashResult(rounds=len(reports), lost=sum(r.lost for r in reports),
                       duplicates=sum(r.duplicates for r in reports),
                       integrity_failures=sum(not r.integrity_ok for r in reports), reports=reports)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=400.0, help="user actions per second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = await run_rounds(args.rounds, seed=args.seed, workdir=Path(tmp), rate=args.rate)
    print(f"RESULT rounds={result.rounds} lost={result.lost} duplicates={result.duplicates} "
          f"integrity_failures={result.integrity_failures}")


if __name__ == "__main__":
    asyncio.run(main())
