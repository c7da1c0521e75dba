"""The comment fast path's hold on discord.py internals (cogs/support/gateway_tap.py).

If a discord.py upgrade moves `Client._connection.parsers["MESSAGE_CREATE"]`, the first test fails with a
message naming what is gone; the bot itself would log it and record comments the slower way.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord.state import ConnectionState

from cogs.support.gateway_tap import DiscordInternalsChanged, MessageCreateTap, parsers_of

TAKEN_CHANNEL = 111_111_111_111_111_111


def payload(channel_id: int, message_id: int) -> dict[str, Any]:
    author = {"id": "222222222222222222", "username": "alice", "discriminator": "0", "avatar": None}
    return {"id": str(message_id), "channel_id": str(channel_id), "author": author, "content": "hello",
            "timestamp": "2026-12-06T10:00:00+00:00", "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
            "pinned": False, "type": 0}


async def test_discord_py_still_has_the_parser_the_fast_path_replaces() -> None:
    client = discord.Client(intents=discord.Intents.none())
    parsers = parsers_of(client)  # raises DiscordInternalsChanged, naming the internals, when they changed
    parser = parsers["MESSAGE_CREATE"]
    assert getattr(parser, "__func__", None) is ConnectionState.parse_message_create, (
        f"discord.py {discord.__version__}: Client._connection.parsers['MESSAGE_CREATE'] is no longer "
        "ConnectionState.parse_message_create; check cogs/support/gateway_tap.py against this version")


async def test_the_tap_takes_its_payloads_and_hands_the_rest_to_discord_py() -> None:
    client = discord.Client(intents=discord.Intents.none(), max_messages=10)
    offered: list[int] = []

    def take(data: dict[str, Any]) -> bool:
        offered.append(int(data["id"]))
        return int(data["channel_id"]) == TAKEN_CHANNEL

    tap = MessageCreateTap(client, take)
    assert tap.install() and tap.installed
    parse = parsers_of(client)["MESSAGE_CREATE"]
    parse(payload(TAKEN_CHANNEL, 1_000_000_000_000_000_001))
    parse(payload(333_333_333_333_333_333, 1_000_000_000_000_000_002))
    assert offered == [1_000_000_000_000_000_001, 1_000_000_000_000_000_002]
    # Only the message the tap did not take went through discord.py's parser (and into its cache).
    assert [m.id for m in client.cached_messages] == [1_000_000_000_000_000_002]

    tap.remove()
    assert not tap.installed
    assert getattr(parsers_of(client)["MESSAGE_CREATE"], "__func__", None) is ConnectionState.parse_message_create


async def test_a_payload_the_tap_cannot_read_goes_to_discord_py() -> None:
    client = discord.Client(intents=discord.Intents.none(), max_messages=10)

    def take(data: dict[str, Any]) -> bool:
        raise KeyError("author")  # a payload shaped unlike what the fast path expects

    MessageCreateTap(client, take).install()
    parsers_of(client)["MESSAGE_CREATE"](payload(333_333_333_333_333_333, 1_000_000_000_000_000_003))
    assert [m.id for m in client.cached_messages] == [1_000_000_000_000_000_003]


async def test_missing_internals_are_named_and_the_tap_stays_off() -> None:
    client = discord.Client(intents=discord.Intents.none())
    del client._connection.parsers["MESSAGE_CREATE"]  # what a discord.py that renamed it would look like
    with pytest.raises(DiscordInternalsChanged, match=r"Client\._connection\.parsers\['MESSAGE_CREATE'\]"):
        parsers_of(client)
    tap = MessageCreateTap(client, lambda data: True)
    assert tap.install() is False and not tap.installed
