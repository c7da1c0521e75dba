"""Bad option values: the emulator refuses what Discord's client refuses, and the bot answers a bad value
that still arrives (an outdated client) privately, in words; failed commands never answer in public."""

from __future__ import annotations

import pytest

from emulator import DiscordEmulator, Perm
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


@pytest.mark.parametrize(("command", "options", "message"), [
    ("summarize article", {"length": "huge"},
     "/summarize article length: 'huge' is not one of the choices (short, medium or long)"),
    ("summarize article", {"bullets": "maybe"}, "/summarize article bullets: 'maybe' is not true or false"),
    ("mod slowmode", {"seconds": 99999}, "/mod slowmode seconds: 99999 is out of range (it must be from 0 to 21600)"),
    ("mod slowmode", {"seconds": "ten"}, "/mod slowmode seconds: 'ten' is not a whole number"),
    ("mod slowmode", {}, "/mod slowmode: seconds is required"),
    ("summarize article", {"colour": "red"},
     "/summarize article colour: there is no such option; its options are article, url, length, bullets and private"),
    ("summarize", {}, "/summarize needs a subcommand: article or discussion"),
])
async def test_the_emulator_refuses_what_discords_client_refuses(
        newsroom: Newsroom, command: str, options: dict[str, object], message: str) -> None:
    room = newsroom
    await room.start()
    with pytest.raises((ValueError, LookupError)) as info:
        await room.emu.run_slash_command(room.moderator, room.news, command, options)
    assert str(info.value) == message


async def test_a_bad_value_that_arrives_gets_a_private_sentence(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    rec = await room.emu.run_slash_command(room.alice, room.news, "summarize article", {"length": "huge"},
                                           validate=False)
    await room.settled(rec)
    assert rec.ephemeral and rec.content == "`length` must be `short`, `medium` or `long`, not `huge`."
    rec = await room.emu.run_slash_command(room.moderator, room.news, "mod slowmode", {"seconds": 99999},
                                           validate=False)
    assert rec.ephemeral and rec.content == "`seconds` must be from 0 to 21,600, not 99999."
    # (the fixture fails the test if the bot raised anything unexpected)


async def test_a_failed_public_summarize_answers_privately(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    rec = await room.slash(room.alice, "summarize article", {"url": f"{room.feeds.base}/articles/none"})
    await room.emu.wait_for(lambda: rec.followups, 10, what="the error")
    assert "I could not read that page" in rec.content and rec.ephemeral is False  # the thinking message went
    assert all(m.is_ephemeral for m in rec.messages) and rec.visible_to(room.bob) == []
    assert room.emu.bot_messages(room.news) == []


async def test_refused_commands_name_the_permission() -> None:
    async with DiscordEmulator() as emu:
        guild = emu.create_guild("G")
        user = emu.create_user("reader")
        emu.add_member(guild, user)
        channel = emu.create_channel(guild, "news")
        emu.commands.guild(guild.id)  # an empty table; the command is registered as the bot would
        emu.commands.upsert(emu.commands.guild(guild.id), {"name": "purge", "type": 1, "description": "d",
                                                           "default_member_permissions": str(
                                                               Perm.MANAGE_MESSAGES | Perm.MANAGE_THREADS)},
                            guild.id)
        with pytest.raises(PermissionError) as info:
            await emu.run_slash_command(user, channel, "purge")
        assert str(info.value) == "reader may not use /purge (it needs Manage Messages and Manage Threads)"


async def test_feed_add_warns_about_a_role_that_cannot_be_mentioned(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    room.feeds.add("one", "The only story")
    quiet = room.emu.create_role(room.guild, "Readers")
    loud = room.emu.create_role(room.guild, "Alerts")
    loud.mentionable = True
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news,
                                                    "mention": quiet})
    assert "1 current item was marked as already seen" in rec.content
    assert f"Note: <@&{quiet.id}> cannot be mentioned" in rec.content and "Allow anyone to @mention" in rec.content
    [choice] = await room.emu.autocomplete(room.admin, room.news, "feed edit", {"feed": ""}, "feed")
    rec = await room.slash(room.admin, "feed edit", {"feed": str(choice["value"]), "mention": loud})
    assert rec.content == "Saved."
    rec = await room.slash(room.admin, "feed edit", {"feed": str(choice["value"]), "mention": quiet})
    assert rec.content.startswith("Saved.\nNote: ")
