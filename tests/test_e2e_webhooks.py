"""Posting through a channel webhook under the outlet's name and icon (issue 15 point 5), end to end: a text
channel (the bot opens the thread from the webhook's message), a forum (the webhook creates the post), edits
through the webhook ("Also reported by", an updated article), a deleted webhook made again, and a channel without
Manage Webhooks where the stories go out as the bot itself, with a clear note."""

from __future__ import annotations

from typing import Any

import httpx

from emulator import Channel, Message, Perm
from newsdesk.dashboard import serve_dashboard
from tests.comments_support import db_rows, eventually
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom
from tests.test_story_merging import BUSES, DASHBOARD, also_reported

pytestmark = E2E_MARKS
__all__ = ["newsroom"]

ICON = "https://images.example.org/daily-icon.png"


async def follow(room: Newsroom, channel: Channel, **edit: Any) -> str:
    """/feed add the loopback feed in `channel`, then /feed edit webhook:True (and `edit`); the edit's reply."""
    added = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": channel})
    assert "Following" in added.content, added.content
    choices = await room.emu.autocomplete(room.admin, channel, "feed edit", {"feed": ""}, "feed")
    edited = await room.slash(room.admin, "feed edit", {"feed": choices[0]["value"], "webhook": True, **edit})
    assert edited.content.startswith("Saved."), edited.content
    return edited.content


async def sub_id(room: Newsroom) -> int:
    [(sub, _)] = await room.svc.feed_subscriptions.for_guild(room.guild.id)
    return sub.id


async def dashboard_page(room: Newsroom, path: str) -> str:
    """A dashboard page of the guild (`feeds`, `feeds/ID` the delivery history), as the admin sees it."""
    settings = room.settings(DISCORD_CLIENT_ID=str(room.emu.world.application_id),
                             DISCORD_CLIENT_SECRET=room.emu.oauth.client_secret, **DASHBOARD)
    async with serve_dashboard(room.svc, settings, 0) as url, httpx.AsyncClient() as client:
        landed = await room.emu.log_in(client, f"{url}/login?next=/g/{room.guild.id}/{path}", room.admin)
        page = await client.get(f"{url}{landed.headers['location']}")
    assert page.status_code == 200
    return page.text


def webhook_posts(room: Newsroom, channel: Channel) -> list[Message]:
    return [m for m in room.emu.messages(channel) if m.webhook_id is not None]


async def test_text_channel_posts_as_the_outlet_and_edits_through_the_webhook(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    room.feeds.title, room.feeds.icon = "Discord Daily", ICON  # a name Discord refuses as it is
    evening = await room.another_feed("Evening Post")
    await room.start()
    reply = await follow(room, room.news)
    assert "under the outlet's name and icon" in reply

    first = room.feeds.add("buses", *BUSES[0])
    assert (await room.publish_pass())[0] == 1
    [hook] = emu.webhooks(room.news)  # made by the bot, once, for this channel
    assert hook.name == "Newsdesk" and hook.application_id == emu.world.application_id
    [post] = webhook_posts(room, room.news)
    assert emu.bot_messages(room.news) == []  # nothing went out as the bot itself
    assert post.webhook_id == hook.id and post.author.username == "D\u0456scord Daily"  # a look-alike "i"
    assert post.avatar_url == ICON and post.embeds[0]["url"] == first
    assert any(c.get("custom_id", "").startswith("newsdesk:summarize:")
               for row in post.components for c in row.get("components", []))
    [thread] = emu.threads(room.news)
    assert thread.id == post.id == post.thread_id  # the bot opened the thread from the webhook's message
    [row] = await db_rows(room, "SELECT webhook_id, message_id, thread_id FROM posts")
    assert row == {"webhook_id": hook.id, "message_id": post.id, "thread_id": thread.id}

    # Another outlet reports the story: the webhook edits its post, and notes it in the thread as that outlet.
    await room.svc.feed_subscriptions.subscribe(evening.feed_url, guild_id=room.guild.id, channel_id=room.news.id)
    subs = {f.url: s for s, f in await room.svc.feed_subscriptions.for_guild(room.guild.id) if f}
    await room.svc.feed_subscriptions.edit(subs[evening.feed_url].id, webhook=True)
    second = evening.add("night-buses", *BUSES[1], published=1_764_000_600.0)
    assert (await room.publish_pass())[0] == 0  # merged, not posted
    assert also_reported(emu.world.message_index[post.id].embeds[0]) == f"[Evening Post]({second})"
    [note] = [m for m in emu.messages(thread) if m.content.startswith("Also reported by")]
    assert note.webhook_id == hook.id and note.author.username == "Evening Post"  # posted with thread_id

    # An update of the article edits the post through the webhook; the sources stay listed.
    room.feeds.change("buses", title=BUSES[0][0] + " after a late vote")
    assert (await room.publish_pass())[1] == 1
    edited = emu.world.message_index[post.id]
    assert edited.embeds[0]["title"].endswith("after a late vote") and edited.edited_at is not None
    assert also_reported(edited.embeds[0]) == f"[Evening Post]({second})"

    # A reader's comment is recorded; the webhook's own messages never are, live or by the start-up backfill.
    said = emu.send(room.alice, thread, "Finally, night buses!")
    await eventually(room, lambda: db_rows(room, "SELECT 1 FROM comments WHERE message_id = ?", (said.id,)),
                     what="the reader's comment")
    await room.restart()
    listener = room.client.comment_listener
    await emu.wait_for(lambda: listener.backfills_done >= 1, 10, what="the start-up backfill")  # type: ignore[union-attr]
    assert [r["message_id"] for r in await db_rows(room, "SELECT message_id FROM comments")] == [said.id]

    # The token is a secret: not in /feed list, nor in the subscription rows the dashboard reads.
    listing = await room.slash(room.admin, "feed list")
    assert "posts under the outlet's name" in listing.content and hook.token not in listing.content


async def test_forum_posts_are_created_by_the_webhook(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    room.feeds.title, room.feeds.icon = "World", ICON  # the forum's tag is named after the feed
    await room.start()
    await follow(room, room.forum)
    room.feeds.add("f", "A forum story")
    assert (await room.publish_pass())[0] == 1
    [hook] = emu.webhooks(room.forum)
    [post] = emu.threads(room.forum)
    assert post.name == "A forum story" and post.owner_id == hook.id  # created by the webhook (thread_name)
    assert post.applied_tags == [emu.tag_id(room.forum, "World")]
    starter = emu.messages(post)[0]
    assert starter.webhook_id == hook.id and starter.author.username == "World" and starter.avatar_url == ICON
    said = emu.send(room.bob, post, "Interesting")  # the post is registered: comments are recorded
    await eventually(room, lambda: db_rows(room, "SELECT 1 FROM comments WHERE message_id = ?", (said.id,)),
                     what="the comment in the forum post")

    room.feeds.change("f", description="Updated: more details on the forum story.")
    assert (await room.publish_pass())[1] == 1  # edited through the webhook, with thread_id
    assert "more details" in emu.world.message_index[starter.id].embeds[0]["description"]


async def test_a_deleted_webhook_is_made_again(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    await follow(room, room.news)
    room.feeds.add("one", "The first story of the day")
    assert (await room.publish_pass())[0] == 1
    [old] = emu.webhooks(room.news)
    emu.delete_webhook(room.admin, old)  # someone cleaned up the channel's integrations

    room.feeds.add("two", "The second story of the day")
    assert (await room.publish_pass())[0] == 1
    [new] = emu.webhooks(room.news)
    assert new.id != old.id
    first, second = webhook_posts(room, room.news)
    assert (first.webhook_id, second.webhook_id) == (old.id, new.id) and len(emu.threads(room.news)) == 2
    assert emu.bot_messages(room.news) == []

    # The first post's webhook is gone, so nobody can edit it any more: its update is dropped, nothing breaks.
    room.feeds.change("one", title="The first story of the day, updated")
    assert (await room.publish_pass())[1] == 1
    assert emu.world.message_index[first.id].embeds[0]["title"] == "The first story of the day"

    # Deleted again, and Manage Webhooks taken away meanwhile: the story goes out as the bot, with a note.
    emu.delete_webhook(room.admin, new)
    emu.set_overwrites(room.news, {emu.bot_role(room.guild): (0, int(Perm.MANAGE_WEBHOOKS))})
    room.feeds.add("three", "The third story of the day")
    assert (await room.publish_pass())[0] == 1
    [as_itself] = emu.bot_messages(room.news)
    assert as_itself.embeds[0]["title"] == "The third story of the day" and emu.webhooks(room.news) == []
    listing = await room.slash(room.admin, "feed list")
    assert "posting as Newsdesk itself" in listing.content


async def test_without_manage_webhooks_it_posts_as_itself_and_says_so(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start(DISCORD_CLIENT_ID=str(emu.world.application_id), DISCORD_CLIENT_SECRET=emu.oauth.client_secret,
                     **DASHBOARD)
    await room.slash(room.admin, "settings set", {"admin_channel": room.admin_channel})
    emu.set_overwrites(room.news, {emu.bot_role(room.guild): (0, int(Perm.MANAGE_WEBHOOKS))})
    reply = await follow(room, room.news)
    assert "missing **Manage Webhooks**" in reply and "nothing is lost" in reply

    url = room.feeds.add("a", "A story while webhooks are refused")
    room.feeds.add("b", "Another one")
    assert (await room.publish_pass())[0] == 2  # nothing held back
    assert len(emu.bot_messages(room.news)) == 2 and webhook_posts(room, room.news) == []
    assert emu.webhooks(room.news) == []
    [notice] = emu.bot_messages(room.admin_channel)  # told once, not per story
    assert "Manage Webhooks" in notice.content and "No story is lost" in notice.content
    listing = await room.slash(room.admin, "feed list")
    assert "posting as Newsdesk itself" in listing.content and "Manage Webhooks" in listing.content
    why = await room.slash(room.admin, "feed why", {"url": url})
    assert "posted" in why.content and "as Newsdesk itself" in why.content and "Manage Webhooks" in why.content
    for page in (await dashboard_page(room, "feeds"), await dashboard_page(room, f"feeds/{await sub_id(room)}")):
        assert "posting as Newsdesk itself" in page or "as Newsdesk itself, not through the webhook" in page
        assert "Manage Webhooks" in page

    # Given the permission, the next story goes through the webhook and the note goes away.
    emu.set_overwrites(room.news, {})
    room.feeds.add("c", "A story once webhooks are allowed")
    assert (await room.publish_pass())[0] == 1
    assert len(webhook_posts(room, room.news)) == 1
    listing = await room.slash(room.admin, "feed list")
    assert "posting as Newsdesk itself" not in listing.content


async def test_a_retried_webhook_post_is_found_not_sent_twice(newsroom: Newsroom) -> None:
    """A webhook takes no nonce: when the story's message went out but its thread failed, the retry (seconds
    later, well inside the nonce window) finds the webhook's message in the channel instead of posting again."""
    room = newsroom
    emu = room.emu
    await room.start()
    await follow(room, room.news)
    emu.faults.fail("POST /channels/{channel_id}/messages/{message_id}/threads", status=403, times=1)
    room.feeds.add("t1", "A story whose thread failed once")
    await room.publish_pass()
    [sent] = webhook_posts(room, room.news)
    assert emu.threads(room.news) == []
    choices = await emu.autocomplete(room.admin, room.news, "feed resume", {"feed": ""}, "feed")
    await room.slash(room.admin, "feed resume", {"feed": choices[0]["value"]})
    await room.publish_pass()
    assert webhook_posts(room, room.news) == [sent]  # the same message, adopted
    [thread] = emu.threads(room.news)
    post = await room.svc.stores.posts.by_message(sent.id)
    assert thread.id == sent.id and post is not None and post.thread_id == thread.id
    assert post.webhook_id == sent.webhook_id


def _labels(message: Message) -> list[str]:
    return [c.get("label", "") for row in message.components for c in row.get("components", [])]


async def test_the_discussion_button_is_added_through_the_webhook(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start(DISCUSSION_BUTTON_COMMENTS="1")
    loop = room.client.get_cog("SummarizeCog").discussion_buttons.background  # type: ignore[union-attr]
    await emu.wait_for(lambda: loop.steps >= 1, 10, what="the first pass (it only takes its mark)")
    await follow(room, room.news)
    room.feeds.add("transit", "Council approves transit plan", "The city council approved a transit plan.")
    assert (await room.publish_pass())[0] == 1
    [post] = webhook_posts(room, room.news)
    [thread] = emu.threads(room.news)
    emu.send(room.alice, thread, "The airport tram is the best part of this transit plan.")
    last = emu.send(room.bob, thread, "Bus drivers are missing from the transit budget.")
    await eventually(room, lambda: db_rows(room, "SELECT 1 FROM comments WHERE message_id = ?", (last.id,)),
                     what="two comments recorded")
    loop.wake()
    await emu.wait_for(lambda: "Summarize discussion" in _labels(post), 10, what="the discussion button")
    assert post.webhook_id is not None and "Summarize" in _labels(post)  # edited by its webhook, view kept
    rec = await emu.press_button(room.alice, post, label="Summarize discussion")
    await room.settled(rec)
    assert rec.ephemeral and rec.messages[-1].embeds
