"""Contract: every kind of payload the emulator sends (gateway dispatches and REST answers) fits the
TypedDicts discord.py declares in discord/types — required keys present, present keys well typed.

A scenario drives a real bot through every event kind; all frames and REST bodies are captured and checked.
"""

from __future__ import annotations

import json
import re
from typing import Any

import discord
from discord import app_commands

from emulator import DiscordEmulator
from tests.emulator_fixtures import E2E_MARKS, BotRunner, make_bot, record
from tests.typed_contract import contract_errors, load_discord_types

_T = load_discord_types()
gateway, appinfo, command, interactions = _T["gateway"], _T["appinfo"], _T["command"], _T["interactions"]
member, message, threads, user = _T["member"], _T["message"], _T["threads"], _T["user"]
channel_types, guild_types, webhook = _T["channel"], _T["guild"], _T["webhook"]

pytestmark = E2E_MARKS

GATEWAY_TYPES: dict[str, Any] = {
    "READY": gateway.ReadyEvent,
    # discord.types says None, but discord.py writes into it (`data['__shard_id__'] = ...`); Discord sends
    # {"_trace": [...]}.
    "RESUMED": dict[str, Any],
    "GUILD_CREATE": gateway.GuildCreateEvent,
    "GUILD_DELETE": gateway.GuildDeleteEvent,
    "GUILD_BAN_ADD": gateway.GuildBanAddEvent,
    "GUILD_BAN_REMOVE": gateway.GuildBanRemoveEvent,
    "GUILD_MEMBERS_CHUNK": gateway.GuildMembersChunkEvent,
    "GUILD_MEMBER_ADD": gateway.GuildMemberAddEvent,
    "GUILD_MEMBER_UPDATE": gateway.GuildMemberUpdateEvent,
    "GUILD_MEMBER_REMOVE": gateway.GuildMemberRemoveEvent,
    "GUILD_ROLE_CREATE": gateway.GuildRoleCreateEvent,
    "GUILD_ROLE_UPDATE": gateway.GuildRoleUpdateEvent,
    "CHANNEL_CREATE": gateway.ChannelCreateEvent,
    "CHANNEL_UPDATE": gateway.ChannelUpdateEvent,
    "CHANNEL_DELETE": gateway.ChannelDeleteEvent,
    "THREAD_CREATE": gateway.ThreadCreateEvent,
    "THREAD_UPDATE": gateway.ThreadUpdateEvent,
    "THREAD_DELETE": gateway.ThreadDeleteEvent,
    "MESSAGE_CREATE": gateway.MessageCreateEvent,
    "MESSAGE_UPDATE": gateway.MessageUpdateEvent,
    "MESSAGE_DELETE": gateway.MessageDeleteEvent,
    "MESSAGE_DELETE_BULK": gateway.MessageDeleteBulkEvent,
    "MESSAGE_REACTION_ADD": gateway.MessageReactionAddEvent,
    "MESSAGE_REACTION_REMOVE": gateway.MessageReactionRemoveEvent,
    "MESSAGE_REACTION_REMOVE_ALL": gateway.MessageReactionRemoveAllEvent,
    "MESSAGE_REACTION_REMOVE_EMOJI": gateway.MessageReactionRemoveEmojiEvent,
    "INTERACTION_CREATE": gateway.InteractionCreateEvent,
    "WEBHOOKS_UPDATE": gateway.WebhooksUpdateEvent,
}
# Channel events additionally carry a full guild channel; check that too.
CHANNEL_EVENTS = {"CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE"}
ANY_CHANNEL = channel_types.GuildChannel
S = r"\d+"
REST_TYPES: list[tuple[str, str, Any]] = [
    ("GET", "/users/@me", user.User),
    ("GET", "/oauth2/applications/@me", appinfo.AppInfo),
    ("GET", "/gateway/bot", gateway.GatewayBot),
    ("GET", f"/guilds/{S}", guild_types.Guild),
    ("POST", "/users/@me/channels", channel_types.DMChannel),
    ("GET", f"/guilds/{S}/members/{S}", member.MemberWithUser),
    ("POST", f"/guilds/{S}/channels", ANY_CHANNEL),
    ("PATCH", f"/channels/{S}", ANY_CHANNEL),
    ("GET", f"/channels/{S}", ANY_CHANNEL),
    ("POST", f"/channels/{S}/messages", message.Message),
    ("PATCH", f"/channels/{S}/messages/{S}", message.Message),
    ("GET", f"/channels/{S}/messages/{S}", message.Message),
    ("GET", f"/channels/{S}/messages", list[message.Message]),
    ("GET", f"/channels/{S}/messages/{S}/reactions/[^/]+", list[user.User]),
    ("POST", f"/channels/{S}/messages/{S}/threads", threads.Thread),
    ("POST", f"/channels/{S}/threads", threads.Thread | threads.ForumThread),
    ("PUT", f"/applications/{S}/commands", list[command.ApplicationCommand]),
    ("PUT", f"/applications/{S}/guilds/{S}/commands", list[command.ApplicationCommand]),
    ("POST", f"/interactions/{S}/[^/]+/callback", interactions.InteractionCallback),
    ("POST", f"/channels/{S}/webhooks", webhook.Webhook),
    ("GET", f"/channels/{S}/webhooks", list[webhook.Webhook]),
    ("POST", f"/webhooks/{S}/[^/]+", message.Message),
    ("PATCH", f"/webhooks/{S}/[^/]+/messages/[^/]+", message.Message),
    ("GET", f"/webhooks/{S}/[^/]+/messages/[^/]+", message.Message),
]


async def _scenario(emulator: DiscordEmulator, bot: Any) -> None:
    guild = emulator.create_guild("Contract")
    news = emulator.create_channel(guild, "news")
    forum = emulator.create_channel(guild, "forum", "forum", tags=["a", "b"])
    alice = emulator.create_user("alice")
    emulator.add_member(guild, alice)
    seen = record(bot, "message")

    class Buttons(discord.ui.View):
        @discord.ui.button(label="go", custom_id="go")
        async def go(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
            await interaction.response.edit_message(content="went")

        @discord.ui.select(custom_id="pick", options=[discord.SelectOption(label="x")])
        async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
            await interaction.response.defer()

    class Ask(discord.ui.Modal, title="Ask"):
        text: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Text", custom_id="text")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok", ephemeral=True)

    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name="one", value="1")]

    @bot.tree.command(description="everything")
    @app_commands.autocomplete(word=complete)
    async def run(interaction: discord.Interaction, word: str, who: discord.Member, where: discord.TextChannel,
                  role: discord.Role) -> None:
        await interaction.response.defer()
        await interaction.followup.send("buttons", view=Buttons())
        original = await interaction.original_response()
        await interaction.edit_original_response(content=f"{original.content} done")

    @bot.tree.command(description="anywhere")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def anywhere(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"{interaction.is_user_integration()} {interaction.guild_id}")

    @bot.tree.context_menu(name="Ask")
    async def ask(interaction: discord.Interaction, msg: discord.Message) -> None:
        await interaction.response.send_modal(Ask())

    return_values = (guild, news, forum, alice, seen)
    return return_values  # type: ignore[return-value]


async def test_every_payload_fits_discord_py_types(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    emulator.faults.capture = []
    bot = make_bot(enable_debug_events=True)
    frames: list[str] = []

    async def raw(msg: Any) -> None:
        frames.append(msg if isinstance(msg, str) else msg.decode())

    bot.add_listener(raw, "on_socket_raw_receive")
    guild, news, forum, alice, seen = await _scenario(emulator, bot)  # type: ignore[misc]
    await bot_runner.start(bot, sync=guild)
    role = emulator.create_role(guild, "readers")
    await bot.get_guild(guild.id).chunk()  # op 8 -> GUILD_MEMBERS_CHUNK
    await bot.tree.sync()  # global too
    await bot.http.get_bot_gateway()  # what AutoShardedClient asks

    # messages, reactions, bulk delete
    m1 = emulator.send(alice, news, f"hello {bot.user.mention}")
    m2 = emulator.send(alice, news, "reply", reply_to=m1, files=[("f.txt", b"x")])
    emulator.edit(alice, m2, "reply!")
    emulator.react(alice, m1, "👍")
    emulator.react(alice, m1, "custom:123456789012345678")
    emulator.unreact(alice, m1, "👍")
    channel = bot.get_channel(news.id)
    sent = await channel.send("bot", embed=discord.Embed(title="t"))
    await sent.add_reaction("🔥")
    await sent.clear_reaction("🔥")
    await sent.add_reaction("🔥")
    await sent.clear_reactions()
    [u async for u in (await channel.fetch_message(m1.id)).reactions[0].users()]
    await sent.edit(content="bot edited")
    [m async for m in channel.history(limit=10)]
    await channel.delete_messages([discord.Object(m1.id), discord.Object(m2.id)])
    await sent.delete()
    # direct messages both ways
    await (await bot.fetch_user(alice.id)).send("dm")
    emulator.send(alice, emulator.dm_channel(alice), "dm back")
    # threads, forum posts, channels
    starter = await channel.send("starter")
    thread = await starter.create_thread(name="t1")
    await thread.edit(locked=True, slowmode_delay=5)
    forum_ch = bot.get_channel(forum.id)
    await forum_ch.create_thread(name="post", content="body", applied_tags=[forum_ch.available_tags[0]])
    created = await bot.get_guild(guild.id).create_text_channel("made")
    await created.edit(topic="x")
    await bot.fetch_channel(created.id)
    await created.delete()
    await thread.delete()
    # channel webhooks: made, executed (a forum post too), listed, edited, deleted
    hook = await channel.create_webhook(name="Newsdesk")
    said = await hook.send("as an outlet", username="Evening Post", avatar_url="https://ex.org/i.png", wait=True)
    await hook.edit_message(said.id, content="as an outlet, edited")
    forum_hook = await forum_ch.create_webhook(name="Newsdesk")
    await forum_hook.send("forum body", thread_name="webhook post", wait=True)
    await channel.webhooks()
    await hook.delete()
    # members, roles, guilds
    bob = emulator.create_user("bob")
    emulator.add_member(guild, bob)
    emulator.set_roles(guild, bob, [role])
    emulator.set_permissions(role, 1 << 10)
    await bot.get_guild(guild.id).fetch_member(bob.id)
    emulator.remove_member(guild, bob)
    await bot.get_guild(guild.id).ban(discord.Object(bob.id), reason="spam", delete_message_seconds=3600)
    await bot.get_guild(guild.id).unban(discord.Object(bob.id))
    await bot.get_guild(guild.id).fetch_channels()
    await bot.fetch_guild(guild.id)
    second = emulator.create_guild("Second")
    await emulator.wait_for(lambda: bot.get_guild(second.id) is not None)
    emulator.remove_bot(second)
    await emulator.wait_for(lambda: bot.get_guild(second.id) is None)
    # interactions of every kind
    await emulator.autocomplete(alice, news, "run", {"word": "o"}, focused="word")
    rec = await emulator.run_slash_command(alice, news, "run",
                                           {"word": "w", "who": alice, "where": news, "role": role})
    await emulator.wait_for(lambda: rec.content.endswith("done"))
    buttons = rec.original
    await emulator.press_button(alice, buttons, custom_id="go")
    await emulator.select(alice, buttons, ["x"], custom_id="pick")
    opened = await emulator.use_message_command(alice, starter_message(emulator, news), "Ask")
    await emulator.submit_modal(alice, opened, {"text": "hi"})
    # a user-installed command in the bot's DM, a DM between users and a server the bot is not in
    emulator.install_app(alice)
    outside = emulator.create_foreign_guild("Outside")
    emulator.add_member(outside, alice)
    lounge = emulator.create_channel(outside, "lounge")
    carol, dave = emulator.create_user("carol"), emulator.create_user("dave")
    group = emulator.private_channel(alice, carol, dave, name="plans")
    for where, guild_id in ((emulator.dm_channel(alice), None), (emulator.private_channel(alice, carol), None),
                            (group, None), (lounge, outside.id)):
        rec = await emulator.run_slash_command(alice, where, "anywhere")
        assert rec.content == f"True {guild_id}"
    # resume
    await emulator.disconnect(resumable=True)
    emulator.send(alice, news, "after resume")
    await emulator.wait_for(lambda: any(m.content == "after resume" for m in seen), timeout=10)

    problems: list[str] = []
    kinds: set[str] = set()
    for frame in frames:
        data = json.loads(frame)
        if data.get("op") != 0:
            continue
        name = data["t"]
        kinds.add(name)
        assert name in GATEWAY_TYPES, f"the emulator sent {name}, which this contract test does not know"
        problems += contract_errors(data["d"], GATEWAY_TYPES[name], name)
        if name in CHANNEL_EVENTS:
            problems += contract_errors(data["d"], ANY_CHANNEL, name)
    missing_kinds = set(GATEWAY_TYPES) - kinds
    assert not missing_kinds, f"scenario did not produce {sorted(missing_kinds)}"

    rest_checked: set[str] = set()
    for method, path, status, body in emulator.faults.capture:
        if status >= 300:
            continue
        for m, pattern, tp in REST_TYPES:
            if m == method and re.fullmatch(pattern, path):
                rest_checked.add(f"{m} {pattern}")
                problems += contract_errors(body, tp, f"{method} {path}")
                break
    unchecked = {f"{m} {p}" for m, p, _ in REST_TYPES} - rest_checked
    assert not unchecked, f"scenario did not exercise {sorted(unchecked)}"
    assert not problems, "\n".join(problems[:40])


def starter_message(emulator: DiscordEmulator, channel: Any) -> Any:
    return next(m for m in emulator.messages(channel) if m.content == "starter")
