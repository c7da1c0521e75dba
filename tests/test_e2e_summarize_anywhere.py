"""/summarize and the Summarize menu as a user-installed app: in DMs, private channels and servers the bot is not
in (Discord's installation and interaction contexts, enforced by the emulator) — end to end."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest

from bot.permissions import user_install_url
from emulator import Channel, DiscordEmulator, Guild, Perm
from emulator.contexts import RESPONSE_PERMISSIONS
from emulator.model import DEFAULT_EVERYONE_PERMISSIONS
from tests.comments_support import db_rows, integer_columns
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]

BODY = ("The city council approved a new transit plan on Tuesday after months of debate. "
        "The plan adds twelve bus routes and extends the tram line to the airport. "
        "Critics say the budget is too small to deliver the promised service.")
ANYWHERE = ["Summarize", "summarize"]  # the user-installable commands: the menu and the slash command


async def started(room: Newsroom) -> str:
    """The bot with its commands synced globally (guild-scoped commands are never user-installable), alice
    with the app installed to her account, and a readable article link."""
    await room.start(DEV_GUILD_ID="")
    room.emu.install_app(room.alice)
    room.feeds.add("rivers", "Unposted story about rivers", BODY)
    return room.feeds.base + "/articles/rivers"


def last_interaction(room: Newsroom) -> dict[str, Any]:
    return next(payload for event, payload in reversed(room.emu.events) if event == "INTERACTION_CREATE")


def elsewhere(room: Newsroom, *, external_apps: bool) -> tuple[Guild, Channel]:
    """A server the bot is not in, where alice and bob are members."""
    perms = DEFAULT_EVERYONE_PERMISSIONS | (Perm.USE_EXTERNAL_APPS if external_apps else 0)
    guild = room.emu.create_foreign_guild("Elsewhere", everyone_permissions=perms)
    for user in (room.alice, room.bob):
        room.emu.add_member(guild, user)
    return guild, room.emu.create_channel(guild, "general")


async def nothing_stored_about(room: Newsroom, ids: set[int]) -> list[tuple[str, str]]:
    """(table, column) of every stored guild or channel id among `ids`."""
    found = []
    for table, column in await integer_columns(room):
        if column in ("guild_id", "channel_id", "thread_id"):
            rows = await db_rows(room, f"SELECT {column} AS id FROM {table}")
            found += [(table, column) for r in rows if r["id"] in ids]
    return found


async def test_user_installed_summarize_by_url_in_a_dm_and_in_a_server_without_the_bot(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    url = await started(room)

    dm = emu.dm_channel(room.alice)  # the bot's DM: context BOT_DM
    rec = await room.slash(room.alice, "summarize article", {"url": url}, channel=dm)
    assert rec.messages[-1].embeds[0]["url"] == url and not rec.ephemeral
    sent = last_interaction(room)
    assert sent["context"] == 1 and "member" not in sent and sent["user"]["id"] == str(room.alice.id)
    assert sent["authorizing_integration_owners"] == {"0": "0", "1": str(room.alice.id)}

    guild, general = elsewhere(room, external_apps=True)
    rec = await room.slash(room.alice, "summarize article", {"url": url, "bullets": True}, channel=general)
    embed = rec.messages[-1].embeds[0]
    assert embed["url"] == url and embed["description"].startswith("•")
    assert not rec.ephemeral and rec.messages[-1] in emu.messages(general)  # a public answer, as allowed there
    sent = last_interaction(room)
    assert sent["context"] == 0 and sent["guild_id"] == str(guild.id)
    assert sent["authorizing_integration_owners"] == {"1": str(room.alice.id)}
    assert int(sent["app_permissions"]) & ~(RESPONSE_PERMISSIONS | Perm.USE_EXTERNAL_EMOJIS) == 0
    assert room.client.get_guild(guild.id) is None  # the bot never heard of that server...

    # ...so what needs Newsdesk's database there says so, in one private line.
    rec = await room.slash(room.alice, "summarize article", channel=general)
    assert rec.ephemeral and rec.content == ("There is no article thread of Newsdesk here; here (a DM, or a server "
                                             "without Newsdesk) give `url:` and I summarize that link.")
    rec = await room.slash(room.alice, "summarize discussion", channel=general)
    assert rec.ephemeral and "article threads in servers where Newsdesk posts" in rec.content
    rec = await room.slash(room.alice, "summarize article", {"article": "1"}, channel=general)
    assert rec.ephemeral and "`article:` picks a story Newsdesk posted" in rec.content
    assert await emu.autocomplete(room.alice, general, "summarize article", {"article": "riv"}, "article") == []
    assert await nothing_stored_about(room, {guild.id, general.id, dm.id}) == []


async def test_without_use_external_apps_the_answer_is_private(newsroom: Newsroom) -> None:
    room = newsroom
    url = await started(room)
    _, general = elsewhere(room, external_apps=False)
    rec = await room.slash(room.alice, "summarize article", {"url": url}, channel=general)
    assert rec.ephemeral and rec.messages[-1].embeds[0]["url"] == url
    assert room.emu.messages(general) == [] and rec.visible_to(room.bob) == []


async def test_summarize_menu_in_a_private_channel_reads_the_target_from_the_interaction(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    url = await started(room)
    chat = emu.private_channel(room.alice, room.bob)  # a DM between two people: context PRIVATE_CHANNEL
    shared = emu.send(room.bob, chat, f"Did you see this? {url}")
    rec = await room.settled(await emu.use_message_command(room.alice, shared, "Summarize"))
    assert rec.ephemeral and rec.messages[-1].embeds[0]["url"] == url
    sent = last_interaction(room)
    assert sent["context"] == 2 and sent["authorizing_integration_owners"] == {"1": str(room.alice.id)}

    long_text = emu.send(room.bob, chat, BODY + " " + BODY.replace("council", "mayor"))
    rec = await room.settled(await emu.use_message_command(room.alice, long_text, "Summarize"))
    [embed] = rec.messages[-1].embeds
    assert embed["title"] == "bob's message" and "tram" in embed["description"]
    assert embed["url"].endswith(f"/@me/{chat.id}/{long_text.id}")
    rec = await room.settled(await emu.use_message_command(room.alice, emu.send(room.bob, chat, "ok"), "Summarize"))
    assert rec.ephemeral and rec.content == "That message has no link, nor enough text to summarize."
    # The bot is no member of that conversation: none of its messages reached it, nothing was stored.
    assert room.client.get_channel(chat.id) is None
    assert await nothing_stored_about(room, {chat.id}) == []


async def test_only_summarize_is_offered_outside_newsdesk_servers(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await started(room)
    _, general = elsewhere(room, external_apps=True)
    dm, chat = emu.dm_channel(room.alice), emu.private_channel(room.alice, room.bob)
    for channel in (dm, chat, general):
        assert emu.offered_commands(room.alice, channel) == ANYWHERE
    in_newsroom = emu.offered_commands(room.alice, room.news)
    assert {"feed", "mod", "comments", "Report comment", *ANYWHERE} <= set(in_newsroom)
    assert emu.offered_commands(room.bob, general) == []  # bob did not install the app
    assert emu.offered_commands(room.bob, emu.dm_channel(room.bob)) == ANYWHERE  # the guild install's DM
    with pytest.raises(PermissionError, match=r"/comments is not offered in the bot's DMs \(its contexts: servers\)"):
        await emu.run_slash_command(room.alice, dm, "comments mine")
    with pytest.raises(PermissionError, match="/Report comment is not offered in group DMs"):
        await emu.use_message_command(room.alice, emu.send(room.bob, chat, "hi"), "Report comment")
    with pytest.raises(PermissionError, match="not offered to bob here: the app is not installed here or to the user"):
        await emu.run_slash_command(room.bob, general, "summarize article", {"url": "https://example.com/"})



async def test_the_user_install_link_newsdesk_prints_adds_the_app_to_that_person() -> None:
    async with DiscordEmulator() as emu, httpx.AsyncClient(base_url=emu.base_url) as client:
        alice = emu.create_user("alice")
        link = user_install_url(emu.world.application_id).replace("https://discord.com", "")
        page = await client.get(link)
        href = re.search(rf'href="([^"]+)" data-user="{alice.id}">Add to My Apps as alice', page.text)
        assert href is not None, page.text[:300]
        assert (await client.get(html.unescape(href[1]))).status_code == 200
        assert emu.world.user_installs == {alice.id}
        # The server invite's scopes are not a user install; nor is any install with the portal's box off.
        assert (await client.get(link.replace("applications.commands", "bot+applications.commands"))).status_code == 400
        emu.world.user_install_enabled = False
        refused = await client.get(link + f"&login_as={alice.id}")
        assert refused.status_code == 400 and "cannot be installed to a user" in refused.text
        with pytest.raises(PermissionError, match="turn on Installation > Installation Contexts > User Install"):
            emu.install_app(emu.create_user("bob"))
