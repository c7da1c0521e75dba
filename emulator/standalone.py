"""Run the emulator on its own (CLI `newsdesk emulator`, `python -m emulator`) with a demo guild, so a
bot — or a benchmark in another process — can be pointed at it and drive it through /_emulator/."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, TextIO

from emulator.model import Perm
from emulator.testkit import DiscordEmulator

__all__ = ["build_demo", "describe", "serve_forever"]


def build_demo(emu: DiscordEmulator) -> dict[str, Any]:
    """A guild with #news (text), #discussion (forum with tags), a Moderator role, alice (moderator) and bob."""
    guild = emu.create_guild("Newsdesk Demo")
    news = emu.create_channel(guild, "news", topic="Posts from your feeds")
    forum = emu.create_channel(guild, "discussion", "forum", tags=["world", "tech", "science"])
    mod = emu.create_role(guild, "Moderator", Perm.MANAGE_MESSAGES | Perm.MANAGE_THREADS | Perm.MODERATE_MEMBERS)
    alice = emu.create_user("alice")
    bob = emu.create_user("bob")
    emu.add_member(guild, alice, [mod])
    emu.add_member(guild, bob)
    return {"guild_id": str(guild.id), "news_channel_id": str(news.id), "forum_channel_id": str(forum.id),
            "moderator_role_id": str(mod.id), "alice_id": str(alice.id), "bob_id": str(bob.id)}


def describe(emu: DiscordEmulator, demo: dict[str, Any], out: TextIO = sys.stdout) -> None:
    out.write(
        "Discord emulator running. Point a bot at it with:\n"
        f"  DISCORD_API_BASE={emu.api_base}\n"
        f"  DISCORD_GATEWAY_URL={emu.gateway_url}\n"
        f"  DISCORD_TOKEN={emu.token}\n"
        f"  DEV_GUILD_ID={demo['guild_id']}\n"
        f"Control API: {emu.base_url}/_emulator/info  (Ctrl-C stops)\n"
    )
    # One machine-readable line for a parent process (tests, benchmarks) to parse.
    out.write("EMULATOR_READY " + json.dumps({"api_base": emu.api_base, "gateway_url": emu.gateway_url,
                                                "control": f"{emu.base_url}/_emulator", "token": emu.token,
                                                **demo}) + "\n")
    out.flush()


async def serve_forever(host: str = "127.0.0.1", port: int = 0, *, demo: bool = True,
                        out: TextIO = sys.stdout) -> None:
    emu = DiscordEmulator(host=host, port=port)
    await emu.start()
    try:
        info = build_demo(emu) if demo else {"guild_id": ""}
        describe(emu, info, out)
        await asyncio.Event().wait()
    finally:
        await emu.stop()
