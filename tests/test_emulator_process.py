"""The emulator in its own process (`python -m emulator`, `newsdesk emulator`), driven through the
/_emulator control API while a real discord.py bot in this process talks to it."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from cogs.support.endpoints import discord_endpoints
from tests.emulator_fixtures import E2E_MARKS, make_bot, record

pytestmark = E2E_MARKS


async def _spawn(*args: str) -> tuple[asyncio.subprocess.Process, dict[str, Any], list[str]]:
    proc = await asyncio.create_subprocess_exec(sys.executable, *args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    lines: list[str] = []
    while True:
        raw = await asyncio.wait_for(proc.stdout.readline(), 20)
        if not raw:
            err = await proc.stderr.read() if proc.stderr else b""
            raise AssertionError(f"emulator process exited early: {err.decode()[-800:]}")
        line = raw.decode().rstrip("\n")
        lines.append(line)
        if line.startswith("EMULATOR_READY "):
            return proc, json.loads(line.split(" ", 1)[1]), lines


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()
        await proc.wait()


@pytest.fixture
async def emulator_process() -> AsyncIterator[dict[str, Any]]:
    proc, info, _ = await _spawn("-m", "emulator")
    try:
        yield info
    finally:
        await _stop(proc)


async def test_remote_control_and_bulk_injection(emulator_process: dict[str, Any]) -> None:
    info = emulator_process
    bot = make_bot()
    seen = record(bot, "message")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{info['control']}/users", json={"name": "carol", "guild_ids": [info["guild_id"]]}) as r:
            carol = (await r.json())["id"]
        with discord_endpoints(info["api_base"], info["gateway_url"]):
            task = asyncio.create_task(bot.start(info["token"]))
            try:
                await asyncio.wait_for(bot.wait_until_ready(), 15)
                assert bot.get_channel(int(info["news_channel_id"])) is not None
                async with http.post(f"{info['control']}/inject", json={
                        "user_id": carol, "channel_id": info["news_channel_id"], "count": 500}) as r:
                    assert (await r.json())["injected"] == 500
                for _ in range(200):
                    if len(seen) >= 500:
                        break
                    await asyncio.sleep(0.05)
                assert len(seen) == 500 and seen[-1].content == "message 499"
                await bot.get_channel(int(info["news_channel_id"])).send("from the bot")  # type: ignore[union-attr]
                async with http.get(f"{info['control']}/channels/{info['news_channel_id']}/messages") as r:
                    messages = await r.json()
                assert messages[-1]["content"] == "from the bot" and len(messages) == 501
                async with http.post(f"{info['control']}/faults", json={
                        "kind": "ratelimit", "route": "POST /channels/{id}/messages", "times": 1}) as r:
                    assert r.status == 200
                await bot.get_channel(int(info["news_channel_id"])).send("after 429")  # type: ignore[union-attr]
                async with http.get(f"{info['control']}/info") as r:
                    assert (await r.json())["sessions"] == 1
            finally:
                await bot.close()
                await task


async def test_cli_prints_the_settings() -> None:
    proc, info, lines = await _spawn("-m", "bot", "emulator", "--port", "0")
    try:
        text = "\n".join(lines)
        assert f"DISCORD_API_BASE={info['api_base']}" in text
        assert f"DISCORD_GATEWAY_URL={info['gateway_url']}" in text
        async with aiohttp.ClientSession() as http, http.get(f"{info['api_base']}/gateway") as r:
            assert (await r.json())["url"] == info["gateway_url"]
    finally:
        await _stop(proc)
    assert discord.http.Route.BASE == "https://discord.com/api/v10"  # nothing leaked into this process
