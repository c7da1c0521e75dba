"""The emulator's channel webhooks against a real discord.py bot: Manage Webhooks, Discord's name rules, execution
with ?wait, username/avatar_url, thread_id and forum thread_name, components, editing a webhook's message, and
10015 / 50027 once the webhook is deleted or the token is wrong."""

from __future__ import annotations

import discord
import pytest

from emulator import DiscordEmulator, Perm
from tests.emulator_fixtures import E2E_MARKS, BotRunner, make_bot

pytestmark = E2E_MARKS


async def test_webhooks_as_discord_runs_them(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    guild = emulator.create_guild("Newsroom")
    news = emulator.create_channel(guild, "news")
    forum = emulator.create_channel(guild, "stories", kind="forum", tags=["World"])
    seen: list[discord.Message] = []
    bot = make_bot()

    @bot.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message)

    await bot_runner.start(bot)
    channel, forum_channel = bot.get_channel(news.id), bot.get_channel(forum.id)
    assert isinstance(channel, discord.TextChannel) and isinstance(forum_channel, discord.ForumChannel)

    with pytest.raises(discord.HTTPException) as named:
        await channel.create_webhook(name="Clyde's news")
    assert named.value.status == 400 and "clyde" in named.value.text
    hook = await channel.create_webhook(name="Newsdesk")
    assert hook.token and hook.channel_id == news.id and [w.id for w in await channel.webhooks()] == [hook.id]

    sent = await hook.send("hello", username="Evening Post", avatar_url="https://example.org/icon.png", wait=True)
    stored = emulator.last_message(news)
    assert stored is not None and stored.id == sent.id and stored.webhook_id == hook.id
    assert stored.author.username == "Evening Post" and stored.avatar_url == "https://example.org/icon.png"
    assert sent.webhook_id == hook.id and sent.author.bot and sent.author.display_name == "Evening Post"
    await emulator.wait_for(lambda: any(m.id == sent.id and m.webhook_id == hook.id for m in seen))
    assert await hook.send("no wait") is None  # without ?wait Discord answers 204
    with pytest.raises(discord.HTTPException) as bad_name:
        await hook.send("x", username="discord bot", wait=True)
    assert bad_name.value.status == 400

    # Components: dropped without with_components (discord.py asks for them with a view).
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="Read", url="https://example.org/"))
    with_view = await hook.send("with a link button", view=view, wait=True)
    assert emulator.last_message(news).components  # type: ignore[union-attr]

    # A thread of the channel through thread_id; a forum post through thread_name (owned by the webhook).
    thread = await sent.channel.get_partial_message(sent.id).create_thread(name="discussion")  # type: ignore[union-attr]
    in_thread = await hook.send("in the thread", thread=thread, wait=True)
    assert in_thread.channel.id == thread.id and emulator.last_message(emulator.world.channel(thread.id)).webhook_id == hook.id

    forum_hook = await forum_channel.create_webhook(name="Newsdesk")
    with pytest.raises(discord.HTTPException) as no_thread:
        await forum_hook.send("where?", wait=True)
    assert no_thread.value.code == 220001
    post = await forum_hook.send("first message", thread_name="A forum post", username="City Radio", wait=True,
                                 applied_tags=[forum_channel.available_tags[0]])
    [made] = emulator.threads(forum)
    assert made.id == post.channel.id and made.name == "A forum post" and made.owner_id == forum_hook.id
    assert made.applied_tags == [forum_channel.available_tags[0].id]

    # Editing: only the webhook's own messages, with thread_id for one in a thread.
    edited = await hook.edit_message(with_view.id, content="edited")
    assert edited.content == "edited" and emulator.world.message_index[with_view.id].content == "edited"
    await forum_hook.edit_message(post.id, content="first message, edited", thread=discord.Object(made.id))
    assert emulator.world.message_index[post.id].content == "first message, edited"
    with pytest.raises(discord.NotFound) as not_its_own:
        await forum_hook.edit_message(sent.id, content="not mine")
    assert not_its_own.value.code == 10008

    # A wrong token, then the webhook deleted by a person: 50027, then 10015 for every use.
    with pytest.raises(discord.HTTPException) as wrong:
        await discord.Webhook.partial(hook.id, "wrong-token", client=bot).send("x", wait=True)
    assert wrong.value.status == 401 and wrong.value.code == 50027
    emulator.delete_webhook(emulator.world.owner_user, emulator.webhooks(news)[0])
    for use in (hook.send("gone", wait=True), hook.edit_message(sent.id, content="gone")):
        with pytest.raises(discord.NotFound) as gone:
            await use
        assert gone.value.code == 10015
    assert emulator.world.message_index[sent.id].content == "hello"  # its messages stay


async def test_managing_webhooks_needs_the_permission(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    guild = emulator.create_guild("Newsroom")
    news = emulator.create_channel(guild, "news")
    emulator.set_overwrites(news, {emulator.bot_role(guild): (0, int(Perm.MANAGE_WEBHOOKS))})
    bot = make_bot()
    await bot_runner.start(bot)
    channel = bot.get_channel(news.id)
    assert isinstance(channel, discord.TextChannel) and not channel.permissions_for(channel.guild.me).manage_webhooks
    for attempt in (channel.create_webhook(name="Newsdesk"), channel.webhooks()):
        with pytest.raises(discord.Forbidden) as refused:
            await attempt
        assert refused.value.code == 50013
    assert emulator.webhooks(news) == []
    # A person with Manage Webhooks made one: executing it needs only the token.
    hook = emulator.create_webhook(emulator.world.owner_user, news, "Captain Hook")
    sent = await discord.Webhook.partial(hook.id, hook.token, client=bot).send("hi", wait=True)
    assert sent.author.name == "Captain Hook" and emulator.last_message(news).application_id is None  # type: ignore[union-attr]
