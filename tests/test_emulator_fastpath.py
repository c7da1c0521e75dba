"""The load-test fast path renders MESSAGE_CREATE from a template: it must equal the normal payload."""

from __future__ import annotations

import json

from emulator import DiscordEmulator
from emulator.gateway import Intents, Session


async def test_injected_frames_equal_regular_payloads() -> None:
    emu = DiscordEmulator()
    guild = emu.create_guild()
    news = emu.create_channel(guild, "news")
    user = emu.create_user("loader")
    emu.add_member(guild, user)
    with_content = Session(id="a", intents=Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT,
                           shard=(0, 1))
    without = Session(id="b", intents=Intents.GUILDS | Intents.GUILD_MESSAGES, shard=(0, 1))
    emu.gateway.sessions.update(a=with_content, b=without)
    contents = ['plain', 'quotes " and \\ backslash', "ünïcödé ✓ 👍", f"hi <@{emu.world.bot_user.id}>", ""]
    assert emu.inject_messages(user, news, contents[:-1]) == 4
    stored = emu.messages(news)
    assert [m.content for m in stored] == contents[:-1]
    for session, visible in ((with_content, True), (without, False)):
        frames = [json.loads(f) for _, f in session.sent]
        assert [f["t"] for f in frames] == ["MESSAGE_CREATE"] * 4
        for frame, message in zip(frames, stored, strict=True):
            shown = visible or "<@" in message.content  # mentioning the bot reveals content
            assert frame["d"] == emu.world.message_payload(message, with_content=shown)
    assert news.last_message_id == stored[-1].id
