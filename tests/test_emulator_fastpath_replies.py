"""The load fast path's replies (used by benchmarks/ingest.py) must equal the normal reply payloads."""

from __future__ import annotations

import json

from emulator import DiscordEmulator
from emulator.gateway import Intents, Session


async def test_injected_replies_equal_regular_reply_payloads() -> None:
    emu = DiscordEmulator()
    guild = emu.create_guild()
    news = emu.create_channel(guild, "news")
    user = emu.create_user("loader")
    emu.add_member(guild, user)
    session = Session(id="a", intents=Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT,
                      shard=(0, 1))
    emu.gateway.sessions.update(a=session)
    contents = ["root", "reply to root", "reply to the reply", "second root", 'reply "quoted"']
    assert emu.inject_messages(user, news, contents, [None, 0, 1, None, 3]) == 5
    stored = emu.messages(news)
    assert [m.reference_id for m in stored] == [None, stored[0].id, stored[1].id, None, stored[3].id]
    frames = [json.loads(f)["d"] for _, f in session.sent]
    for frame, message in zip(frames, stored, strict=True):
        assert frame == emu.world.message_payload(message)
