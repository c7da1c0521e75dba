"""How many MESSAGE_CREATE events/s the emulator pushes through its gateway to a client in another process.

Starts `python -m emulator` (its own process), connects either a raw websocket reader (`--client raw`,
the emulator's ceiling) or a discord.py bot that only counts messages (`--client discordpy`), injects N
user messages through /_emulator/inject and times until the client has them all.

    /work/venv/bin/python benchmarks/emulator_throughput.py --messages 20000 --client discordpy
Last line: RESULT client=... messages=N seconds=S events_per_s=R
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GUILD_MESSAGES = 1 << 9
MESSAGE_CONTENT = 1 << 15
GUILDS = 1


async def spawn() -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "emulator", stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    while True:
        line = (await proc.stdout.readline()).decode()
        if not line:
            raise SystemExit("emulator exited")
        if line.startswith("EMULATOR_READY "):
            return proc, json.loads(line.split(" ", 1)[1])


async def raw_client(info: dict[str, Any], total: int, inject: Any) -> float:
    async with aiohttp.ClientSession() as http, http.ws_connect(info["gateway_url"] + "?v=10&encoding=json") as ws:
        await ws.receive()  # HELLO
        await ws.send_json({"op": 2, "d": {"token": info["token"], "intents": GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT,
                                           "properties": {}}})
        count = 0
        started = 0.0
        injecting: asyncio.Task[None] | None = None
        async for msg in ws:
            data = json.loads(msg.data)
            if data.get("t") == "READY":
                started = time.perf_counter()
                injecting = asyncio.create_task(inject())
            elif data.get("t") == "MESSAGE_CREATE":
                count += 1
                if count == total:
                    assert injecting is not None
                    await injecting
                    return time.perf_counter() - started
    raise SystemExit("gateway closed early")


async def discordpy_client(info: dict[str, Any], total: int, inject: Any) -> float:
    import discord

    from cogs.support.endpoints import discord_endpoints

    intents = discord.Intents.default()
    intents.message_content = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.05, max_messages=None)
    done = asyncio.Event()
    count = 0

    @client.event
    async def on_message(message: discord.Message) -> None:
        nonlocal count
        count += 1
        if count == total:
            done.set()

    with discord_endpoints(info["api_base"], info["gateway_url"]):
        task = asyncio.create_task(client.start(info["token"]))
        while not client.is_ready():  # wait_until_ready() needs login to have started
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        started = time.perf_counter()
        await inject()
        await done.wait()
        elapsed = time.perf_counter() - started
        await client.close()
        await task
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--client", choices=["raw", "discordpy"], default="discordpy")
    args = parser.parse_args()
    proc, info = await spawn()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{info['control']}/users", json={"name": "load", "guild_ids": [info["guild_id"]]}) as r:
                user_id = (await r.json())["id"]

            async def inject() -> None:
                batch = 2000
                for start in range(0, args.messages, batch):
                    n = min(batch, args.messages - start)
                    async with http.post(f"{info['control']}/inject", json={
                            "user_id": user_id, "channel_id": info["news_channel_id"], "count": n}) as resp:
                        assert (await resp.json())["injected"] == n

            runner = raw_client if args.client == "raw" else discordpy_client
            seconds = await runner(info, args.messages, inject)
    finally:
        proc.terminate()
        await proc.wait()
    rate = args.messages / seconds
    print(f"{args.client}: {args.messages} MESSAGE_CREATE events in {seconds:.2f}s = {rate:,.0f}/s")
    print(f"RESULT client={args.client} messages={args.messages} seconds={seconds:.3f} events_per_s={rate:.0f}")


if __name__ == "__main__":
    asyncio.run(main())
