"""Faults on demand: 429 bursts, 5xx, slow routes, gateway disconnects with and without RESUME; and the
fixtures' promise that an error inside a command callback fails the test."""

from __future__ import annotations

import asyncio

import discord
import pytest

from emulator import DiscordEmulator
from tests.emulator_fixtures import E2E_MARKS, BotRunner, make_bot, record

pytestmark = E2E_MARKS


def _setup(emulator: DiscordEmulator):
    guild = emulator.create_guild("Newsroom")
    news = emulator.create_channel(guild, "news")
    alice = emulator.create_user("alice")
    emulator.add_member(guild, alice)
    return guild, news, alice


async def test_rate_limits_and_server_errors(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    _guild, news, _alice = _setup(emulator)
    bot = make_bot()
    await bot_runner.start(bot)
    channel = bot.get_channel(news.id)
    assert isinstance(channel, discord.TextChannel)
    route = "POST /channels/{channel_id}/messages"

    emulator.faults.rate_limit(route, times=2, retry_after=0.05)
    await channel.send("after two 429s")
    assert emulator.faults.count(route) == 3
    assert [m.content for m in emulator.messages(news)] == ["after two 429s"]
    assert [r.status for r in emulator.faults.requests if r.method == "POST"] == [429, 429, 200]

    emulator.faults.fail(route, status=503)
    with pytest.raises(discord.DiscordServerError):
        await channel.send("lost")
    emulator.faults.fail(route, status=500)  # discord.py retries 500s (after ~1 s)
    await channel.send("retried")
    assert [m.content for m in emulator.messages(news)][-1] == "retried"

    emulator.faults.slow("GET /channels/{channel_id}/messages/{message_id}", 0.2, times=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await channel.fetch_message(emulator.messages(news)[0].id)
    assert loop.time() - started >= 0.2  # the delay was applied (a correctness check, not a benchmark)


async def test_gateway_resume_replays_missed_events(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    _guild, news, alice = _setup(emulator)
    bot = make_bot()
    seen = record(bot, "message")
    resumed = record(bot, "resumed")
    await bot_runner.start(bot)
    await emulator.disconnect(resumable=True)
    emulator.send(alice, news, "sent while the bot was away")
    await emulator.wait_for(lambda: resumed and any(m.content == "sent while the bot was away" for m in seen),
                            timeout=15)
    assert emulator.gateway.resumes == 1 and emulator.gateway.identifies == 1


async def test_gateway_hold_queues_events_in_order(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    _guild, news, alice = _setup(emulator)
    bot = make_bot()
    seen = record(bot, "message")
    await bot_runner.start(bot)
    emulator.gateway.hold()
    for i in range(3):
        emulator.send(alice, news, f"queued {i}")
    assert emulator.gateway.pending == 3 and seen == []
    emulator.gateway.release()
    await emulator.wait_for(lambda: len(seen) == 3)
    assert [m.content for m in seen] == ["queued 0", "queued 1", "queued 2"]


async def test_gateway_op7_reconnect_resumes(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    _guild, news, alice = _setup(emulator)
    bot = make_bot()
    seen = record(bot, "message")
    await bot_runner.start(bot)
    await emulator.gateway.send_reconnect()
    await emulator.wait_for(lambda: emulator.gateway.resumes == 1)
    emulator.send(alice, news, "after op 7")
    await emulator.wait_for(lambda: any(m.content == "after op 7" for m in seen))
    assert emulator.gateway.identifies == 1


async def test_gateway_invalid_session_reidentifies(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    _guild, news, alice = _setup(emulator)
    bot = make_bot()
    seen = record(bot, "message")
    await bot_runner.start(bot)
    await emulator.disconnect(resumable=False)
    await emulator.wait_for(lambda: emulator.gateway.identifies == 2, timeout=15)
    await emulator.wait_for(lambda: any(s.ws is not None for s in emulator.gateway.sessions.values()), timeout=15)
    emulator.send(alice, news, "after re-identify")
    await emulator.wait_for(lambda: any(m.content == "after re-identify" for m in seen), timeout=10)
    assert emulator.gateway.resumes == 0


async def test_errors_in_command_callbacks_are_collected(emulator: DiscordEmulator) -> None:
    from tests.emulator_fixtures import BotRunner as Runner

    _guild, news, alice = _setup(emulator)
    runner = Runner(emulator)
    bot = make_bot()

    @bot.tree.command(description="Broken")
    async def broken(interaction: discord.Interaction) -> None:
        raise RuntimeError("boom")

    try:
        await runner.start(bot, sync=True)
        await emulator.run_slash_command(alice, news, "broken", wait=False)
        await emulator.wait_for(lambda: runner.errors, timeout=5)
    finally:
        await runner.close()
    with pytest.raises(AssertionError, match="boom"):
        runner.raise_errors()


async def test_sharded_client_uses_gateway_bot(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    guild = emulator.create_guild("A")
    emulator.create_guild("B")
    emulator.recommended_shards = 2
    intents = discord.Intents.default()
    intents.message_content = True
    bot = discord.AutoShardedClient(intents=intents, guild_ready_timeout=0.05)
    await bot_runner.start(bot)
    assert bot.shard_count == 2 and len(bot.guilds) == 2
    assert bot.get_guild(guild.id).shard_id == (guild.id >> 22) % 2  # type: ignore[union-attr]


async def test_errors_discord_py_only_logs_are_collected(emulator: DiscordEmulator) -> None:
    from discord.ext import tasks

    from tests.emulator_fixtures import BotRunner as Runner

    runner = Runner(emulator)
    bot = make_bot()

    @tasks.loop(count=1)
    async def poll_feeds() -> None:
        raise ValueError("feed poller crashed")

    try:
        await runner.start(bot)
        poll_feeds.start()
        await emulator.wait_for(lambda: runner.errors, timeout=5)
        task = poll_feeds.get_task()
        assert task is not None
        await asyncio.wait([task])
        assert isinstance(task.exception(), ValueError)  # retrieved: no "never retrieved" noise later
    finally:
        await runner.close()
    with pytest.raises(AssertionError, match="feed poller crashed"):
        runner.raise_errors()


async def test_stopping_drops_a_request_held_by_a_slow_fault_at_once() -> None:
    """A slow fault is not waited out at shutdown: the held request is dropped, as by a server that went away."""
    import aiohttp

    emu = DiscordEmulator()
    await emu.start()
    guild = emu.create_guild("Newsroom")
    news = emu.create_channel(guild, "news")
    fault = emu.faults.slow("GET /channels/{channel_id}", 60.0)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {emu.token}"}) as session:
        held = asyncio.ensure_future(session.get(f"{emu.api_base}/channels/{news.id}"))
        await emu.wait_for(lambda: fault.hits, 10, what="the request held by the fault")
        assert not held.done()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await emu.stop()
        assert loop.time() - started < 30  # not the fault's 60 s (a correctness check, not a benchmark)
        with pytest.raises(aiohttp.ClientError):
            await held
    assert [(r.path, r.status) for r in emu.faults.requests] == [(f"/channels/{news.id}", 0)]
