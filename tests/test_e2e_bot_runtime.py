"""The bot as a whole: bursts of 429/5xx while posting, command sync only on change, sharding, and a
clean shutdown of `newsdesk run` on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from emulator import DiscordEmulator
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]
ROOT = Path(__file__).resolve().parent.parent


async def test_posting_survives_429_and_5xx_bursts(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    faults = room.emu.faults
    faults.rate_limit("POST /channels/{id}/messages", times=2, retry_after=0.05)
    # discord.py itself sleeps 1 s, then 3 s, between 5xx retries: one failure of each kind shows the path.
    faults.fail("POST /channels/{id}/messages", status=502, times=1)
    faults.fail("POST /channels/{id}/messages/{mid}/threads", status=500, times=1)
    for n in range(3):
        room.feeds.add(f"s{n}", f"Story number {n}")
    posted, _ = await room.publish_pass()
    if posted < 3:  # whatever outlasted the retries is still pending and goes out on the next pass
        posted += (await room.publish_pass())[0]
    assert posted == 3
    messages = room.emu.bot_messages(room.news)
    assert len(messages) == 3 and len({m.embeds[0]["url"] for m in messages}) == 3
    assert len(room.emu.threads(room.news)) == 3


async def test_commands_sync_only_when_changed(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    syncs = room.emu.faults.count("PUT /applications/{app}/guilds/{guild}/commands")
    assert syncs == 1
    await room.restart()
    assert room.emu.faults.count("PUT /applications/{app}/guilds/{guild}/commands") == 1


async def test_sharded_bot_polls_only_its_guilds_feeds(newsroom: Newsroom) -> None:
    room = newsroom
    bot = await room.start(SHARD_COUNT="1", SHARD_IDS="0")
    assert bot.shard_count == 1 and room.services is not None
    assert room.svc.scheduler._shards is not None  # the scheduler filters feeds by shard
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    assert "Following" in rec.content


async def test_newsdesk_run_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    emu = DiscordEmulator()
    await emu.start()
    try:
        guild = emu.create_guild("Solo")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": emu.token, "DISCORD_API_BASE": emu.api_base,
               "DISCORD_GATEWAY_URL": emu.gateway_url, "DATABASE_PATH": str(tmp_path / "run.db"),
               "DEV_GUILD_ID": str(guild.id)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        await emu.wait_for(lambda: emu.faults.count("PUT /applications/{app}/guilds/{guild}/commands"), 30,
                           what="the bot to sync its commands")
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr and emu.token.encode() not in stderr
        conn = sqlite3.connect(tmp_path / "run.db")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT value FROM meta WHERE key = 'command_signature'").fetchone() is not None
        conn.close()
    finally:
        await emu.stop()
