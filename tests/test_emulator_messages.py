"""End to end: a real discord.py bot against the emulator — messages, files, history, reactions, threads,
forums, permissions, limits and the Message Content intent."""

from __future__ import annotations

import io

import discord
import pytest

from emulator import ApiError, DiscordEmulator, Perm
from tests.emulator_fixtures import E2E_MARKS, BotRunner, make_bot, record

pytestmark = E2E_MARKS


async def _world(emulator: DiscordEmulator):
    guild = emulator.create_guild("Newsroom")
    news = emulator.create_channel(guild, "news", topic="headlines")
    alice = emulator.create_user("alice")
    emulator.add_member(guild, alice)
    return guild, news, alice


async def test_send_edit_delete_reply_and_events(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    _guild, news, alice = await _world(emulator)
    bot = make_bot()
    edits: list[tuple[str, str]] = []
    deletions: list[int] = []

    @bot.event
    async def on_message_edit(before: discord.Message, after: discord.Message) -> None:
        edits.append((before.content, after.content))

    @bot.event
    async def on_raw_message_delete(payload: discord.RawMessageDeleteEvent) -> None:
        deletions.append(payload.message_id)

    await bot_runner.start(bot)
    channel = bot.get_channel(news.id)
    assert isinstance(channel, discord.TextChannel) and channel.topic == "headlines"

    sent = await channel.send("first", embed=discord.Embed(title="T", description="D").add_field(name="a", value="b"))
    stored = emulator.last_message(news)
    assert stored is not None and stored.id == sent.id and stored.embeds[0]["title"] == "T"
    edited = await sent.edit(content="first (edited)")
    assert edited.edited_at is not None and emulator.last_message(news).content == "first (edited)"  # type: ignore[union-attr]

    user_msg = emulator.send(alice, news, "hello bot")
    reply = await (await channel.fetch_message(user_msg.id)).reply("hello alice")
    assert reply.reference is not None and reply.reference.message_id == user_msg.id
    assert emulator.last_message(news).type == 19  # type: ignore[union-attr]

    emulator.edit(alice, user_msg, "hello bot!")
    await emulator.wait_for(lambda: ("hello bot", "hello bot!") in edits)
    emulator.delete(alice, user_msg)
    await emulator.wait_for(lambda: user_msg.id in deletions)
    await sent.delete()
    assert sent.id not in [m.id for m in emulator.messages(news)]

    # nonce + enforce_nonce: Discord returns the first message instead of posting twice
    # (discord.py's send() has no enforce_nonce, so this goes through its HTTP client directly)
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=news.id)
    body = {"content": "once", "nonce": "n-1", "enforce_nonce": True}
    a = await bot.http.request(route, json=body)
    b = await bot.http.request(route, json=body)
    assert a["id"] == b["id"] and [m.content for m in emulator.messages(news)].count("once") == 1


async def test_history_paging_bulk_delete_and_files(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    _guild, news, alice = await _world(emulator)
    posted = [emulator.send(alice, news, f"m{i}") for i in range(30)]
    bot = make_bot()
    await bot_runner.start(bot)
    channel = bot.get_channel(news.id)
    assert isinstance(channel, discord.TextChannel)

    newest_first = [m.content async for m in channel.history(limit=25)]
    assert newest_first == [f"m{i}" for i in range(29, 4, -1)]
    oldest_first = [m.content async for m in channel.history(limit=None, oldest_first=True)]
    assert oldest_first == [f"m{i}" for i in range(30)]
    before = [m.content async for m in channel.history(limit=3, before=posted[10])]
    assert before == ["m9", "m8", "m7"]
    after = [m.content async for m in channel.history(limit=3, after=posted[10])]
    assert after == ["m11", "m12", "m13"]
    around = [m.content async for m in channel.history(limit=5, around=posted[10])]
    assert "m10" in around and len(around) == 5

    deleted = record(bot, "raw_bulk_message_delete")
    await channel.delete_messages([discord.Object(m.id) for m in posted[:5]])
    await emulator.wait_for(lambda: [len(p.message_ids) for p in deleted] == [5])
    assert len(emulator.messages(news)) == 25

    sent = await channel.send("report", file=discord.File(io.BytesIO(b"col1,col2\n1,2\n"), filename="data.csv"))
    assert sent.attachments[0].filename == "data.csv"
    assert await sent.attachments[0].read() == b"col1,col2\n1,2\n"

    uploaded = emulator.send(alice, news, "see file", files=[("a.txt", b"alice's file")])
    fetched = await channel.fetch_message(uploaded.id)
    assert await fetched.attachments[0].read() == b"alice's file"


async def test_reactions(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    guild, news, alice = await _world(emulator)
    bob = emulator.create_user("bob")
    emulator.add_member(guild, bob)
    bot = make_bot()
    added: list[tuple[int, str]] = []
    removed: list[tuple[int, str]] = []

    @bot.event
    async def on_raw_reaction_add(p: discord.RawReactionActionEvent) -> None:
        added.append((p.user_id, str(p.emoji)))

    @bot.event
    async def on_raw_reaction_remove(p: discord.RawReactionActionEvent) -> None:
        removed.append((p.user_id, str(p.emoji)))

    await bot_runner.start(bot)
    channel = bot.get_channel(news.id)
    assert isinstance(channel, discord.TextChannel)
    msg = await channel.send("vote")
    await msg.add_reaction("👍")
    emulator.react(alice, emulator.last_message(news), "👍")  # type: ignore[arg-type]
    emulator.react(bob, emulator.last_message(news), "🔥")  # type: ignore[arg-type]
    await emulator.wait_for(lambda: (bob.id, "🔥") in added and (alice.id, "👍") in added)
    fetched = await channel.fetch_message(msg.id)
    counts = {str(r.emoji): (r.count, r.me) for r in fetched.reactions}
    assert counts == {"👍": (2, True), "🔥": (1, False)}
    users = [u.id async for u in fetched.reactions[0].users()]
    assert sorted(users) == sorted([bot.user.id, alice.id])  # type: ignore[union-attr]

    await msg.remove_reaction("👍", discord.Object(alice.id))  # someone else's: needs Manage Messages
    await msg.remove_reaction("👍", bot.user)  # type: ignore[arg-type]
    await emulator.wait_for(lambda: (alice.id, "👍") in removed)
    assert "👍" not in emulator.reactions(emulator.last_message(news))  # type: ignore[arg-type]
    emulator.unreact(bob, emulator.last_message(news), "🔥")  # type: ignore[arg-type]
    emulator.react(bob, emulator.last_message(news), "🔥")  # type: ignore[arg-type]
    await msg.clear_reactions()
    assert emulator.reactions(emulator.last_message(news)) == {}  # type: ignore[arg-type]


async def test_threads_and_forum_posts(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    guild, news, alice = await _world(emulator)
    forum = emulator.create_channel(guild, "discuss", "forum", tags=["politics", "tech"])
    bot = make_bot()
    created: list[int] = []

    @bot.event
    async def on_thread_create(thread: discord.Thread) -> None:
        created.append(thread.id)

    await bot_runner.start(bot)
    channel = bot.get_channel(news.id)
    assert isinstance(channel, discord.TextChannel)
    post = await channel.send("Big story")
    thread = await post.create_thread(name="Big story: discussion")
    assert thread.id == post.id
    await emulator.wait_for(lambda: thread.id in created)
    cached = bot.get_channel(thread.id)
    assert isinstance(cached, discord.Thread)
    await cached.send("first comment")
    emulator.send(alice, emulator.world.channels[thread.id], "alice comments")
    assert [m.content for m in emulator.messages(emulator.world.channels[thread.id])] == [
        "first comment", "alice comments"]

    bare = await channel.create_thread(name="no starter", type=discord.ChannelType.public_thread)
    assert bare.parent_id == news.id

    forum_ch = bot.get_channel(forum.id)
    assert isinstance(forum_ch, discord.ForumChannel)
    tag = next(t for t in forum_ch.available_tags if t.name == "tech")
    created_post = await forum_ch.create_thread(name="New gadget", content="Article text", applied_tags=[tag])
    assert created_post.message.content == "Article text"
    emu_thread = emulator.world.channels[created_post.thread.id]
    assert emu_thread.applied_tags == [tag.id] and emulator.messages(emu_thread)[0].content == "Article text"

    # edits: rename, slowmode, lock, archive
    await emulator.wait_for(lambda: bot.get_channel(thread.id) is not None)
    t = bot.get_channel(thread.id)
    assert isinstance(t, discord.Thread)
    t = await t.edit(name="renamed", slowmode_delay=30, locked=True)
    assert (t.name, t.slowmode_delay, t.locked) == ("renamed", 30, True)
    with pytest.raises(ApiError) as locked:
        emulator.send(alice, emulator.world.channels[thread.id], "can I?")
    assert locked.value.code == 160005
    await t.send("moderators still can")
    updates = record(bot, "thread_update")
    t = await t.edit(archived=True)
    assert t.archived and emulator.world.channels[thread.id].archived
    await emulator.wait_for(lambda: any(after.archived for _, after in updates))
    assert bot.get_channel(thread.id) is None  # discord.py drops archived threads from its cache


async def test_permissions_limits_and_errors(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    guild, news, alice = await _world(emulator)
    secret = emulator.create_channel(guild, "mods-only", overwrites={
        guild.everyone: (0, Perm.VIEW_CHANNEL), emulator.bot_role(guild): (Perm.VIEW_CHANNEL, 0)})
    readonly = emulator.create_channel(guild, "announcements",
                                       overwrites={emulator.bot_role(guild): (0, Perm.SEND_MESSAGES)})
    mod_role = emulator.create_role(guild, "mod", Perm.MANAGE_MESSAGES)
    bot = make_bot()
    await bot_runner.start(bot)
    with pytest.raises(discord.Forbidden) as denied:
        await bot.get_channel(readonly.id).send("nope")  # type: ignore[union-attr]
    assert denied.value.code == 50013 and denied.value.status == 403
    await bot.get_channel(secret.id).send("the bot's role overwrite lets it in")  # type: ignore[union-attr]
    with pytest.raises(ApiError) as hidden:
        emulator.send(alice, secret, "alice cannot")
    assert hidden.value.code == 50001

    channel = bot.get_channel(news.id)
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)  # type: ignore[union-attr]
    assert too_long.value.status == 400 and too_long.value.code == 50035 and "content" in too_long.value.text
    with pytest.raises(discord.HTTPException) as big_embed:
        await channel.send(embed=discord.Embed(description="y" * 4097))  # type: ignore[union-attr]
    assert big_embed.value.code == 50035
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(1234567890123456789)  # type: ignore[union-attr]

    # a plain member cannot delete others' messages; a member with a Manage Messages role can
    bots_msg = await channel.send("bot message")  # type: ignore[union-attr]
    stored = emulator.world.message_index[bots_msg.id]
    with pytest.raises(ApiError):
        emulator.delete(alice, stored)
    emulator.set_roles(guild, alice, [mod_role])
    emulator.delete(alice, stored)
    member = await guild_member(bot, guild.id, alice.id)
    assert any(r.id == mod_role.id for r in member.roles)


async def guild_member(bot: discord.Client, guild_id: int, user_id: int) -> discord.Member:
    g = bot.get_guild(guild_id)
    assert g is not None
    return await g.fetch_member(user_id)


async def test_message_content_intent(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    _guild, news, alice = await _world(emulator)
    bot = make_bot(message_content=False)
    seen = record(bot, "message")
    await bot_runner.start(bot)
    emulator.send(alice, news, "secret words")
    emulator.send(alice, news, f"{bot.user.mention} hello")  # type: ignore[union-attr]
    await emulator.wait_for(lambda: len(seen) == 2)
    assert seen[0].content == "" and seen[1].content.endswith("hello")
    await bot_runner.stop(bot)

    emulator.set_message_content_intent(False)  # portal switch off: asking for it is refused (4014)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await bot_runner.start(make_bot(message_content=True), timeout=5)


async def test_members_roles_and_channels_events(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    guild, _news, alice = await _world(emulator)
    bot = make_bot()
    joins = record(bot, "member_join")
    updates = record(bot, "guild_channel_update")
    await bot_runner.start(bot)
    carol = emulator.create_user("carol")
    emulator.add_member(guild, carol)
    await emulator.wait_for(lambda: carol.id in [m.id for m in joins])
    new = await bot.get_guild(guild.id).create_text_channel("created-by-bot")  # type: ignore[union-attr]
    assert new.id in emulator.world.channels
    await new.edit(name="renamed-by-bot")
    await emulator.wait_for(lambda: "renamed-by-bot" in [after.name for _, after in updates])
    guild2 = emulator.create_guild("Second")
    await emulator.wait_for(lambda: bot.get_guild(guild2.id) is not None)
    member = bot.get_guild(guild.id).get_member(alice.id)  # type: ignore[union-attr]
    assert member is not None
    import datetime as dt

    await member.timeout(dt.timedelta(minutes=5), reason="spam")
    assert emulator.world.guilds[guild.id].members[alice.id].communication_disabled_until is not None


async def test_direct_messages(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    guild, _news, alice = await _world(emulator)
    stranger = emulator.create_user("stranger")  # shares no guild with the bot
    closed = emulator.create_user("closed")
    closed.accepts_dms = False
    emulator.add_member(guild, closed)
    intents_bot = make_bot()
    seen = record(intents_bot, "message")
    await bot_runner.start(intents_bot)
    user = await intents_bot.fetch_user(alice.id)
    sent = await user.send("you have been warned")
    dm = emulator.dm_channel(alice)
    assert [m.content for m in emulator.messages(dm)] == ["you have been warned"] and sent.guild is None
    emulator.send(alice, dm, "sorry")
    await emulator.wait_for(lambda: any(m.content == "sorry" and m.guild is None for m in seen))
    for who in (stranger, closed):
        with pytest.raises(discord.Forbidden) as refused:
            await (await intents_bot.fetch_user(who.id)).send("hello?")
        assert refused.value.code == 50007


async def test_slowmode_applies_to_members_not_moderators(emulator: DiscordEmulator) -> None:
    guild, news, alice = await _world(emulator)
    emulator.world.update_channel(news, rate_limit_per_user=60)
    emulator.send(alice, news, "first")
    with pytest.raises(ApiError) as slow:
        emulator.send(alice, news, "second")
    assert slow.value.status == 429 and slow.value.code == 20016 and slow.value.body()["retry_after"] > 0
    mod = emulator.create_role(guild, "mod", Perm.MANAGE_MESSAGES)
    emulator.set_roles(guild, alice, [mod])
    emulator.send(alice, news, "moderators are exempt")


async def test_kick_ban_and_message_purge(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    guild, news, alice = await _world(emulator)
    spammer = emulator.create_user("spammer")
    emulator.add_member(guild, spammer)
    for i in range(3):
        emulator.send(spammer, news, f"buy now {i}")
    emulator.send(alice, news, "legit")
    bot = make_bot()
    bans = record(bot, "member_ban")
    removed = record(bot, "member_remove")
    purged = record(bot, "raw_bulk_message_delete")
    await bot_runner.start(bot)
    g = bot.get_guild(guild.id)
    assert g is not None
    await g.ban(discord.Object(spammer.id), reason="spam", delete_message_seconds=3600)
    await emulator.wait_for(lambda: bans and removed and purged)
    assert [m.content for m in emulator.messages(news)] == ["legit"]
    assert emulator.world.guilds[guild.id].bans == {spammer.id: "spam"}
    assert [entry.user.id async for entry in g.bans()] == [spammer.id]
    with pytest.raises(ApiError):
        emulator.add_member(guild, spammer)  # banned users cannot rejoin
    await g.unban(discord.Object(spammer.id))
    emulator.add_member(guild, spammer)
    await g.kick(discord.Object(spammer.id))
    assert spammer.id not in emulator.world.guilds[guild.id].members
    with pytest.raises(discord.Forbidden):
        await g.ban(discord.Object(guild.owner_id))
