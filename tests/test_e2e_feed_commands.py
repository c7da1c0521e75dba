"""/feed list|remove|pause|resume|test|edit, /settings, /article info and /trending, end to end."""

from __future__ import annotations

import time

from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


async def feed_choice(room: Newsroom, command: str) -> str:
    choices = await room.emu.autocomplete(room.admin, room.news, command, {"feed": ""}, "feed")
    assert len(choices) == 1 and "Loopback News" in choices[0]["name"]
    return str(choices[0]["value"])


async def test_feed_lifecycle_commands(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.base + "/", "channel": room.news})
    assert "Following" in rec.content and rec.ephemeral  # found through the site's <link rel="alternate">
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    assert "already follows" in rec.content

    feed = await feed_choice(room, "feed test")
    room.feeds.add("t1", "Tested story about elections")
    rec = await room.slash(room.admin, "feed test", {"feed": feed})
    assert "The feed works" in rec.content and rec.messages[-1].embeds[0]["title"].startswith("Tested story")
    assert room.emu.bot_messages(room.news) == []  # test never posts

    rec = await room.slash(room.admin, "feed edit", {"feed": feed, "include": "sports", "interval_minutes": 30})
    assert rec.content == "Saved."
    assert (await room.publish_pass())[0] == 0  # filtered out: not about sports
    await room.slash(room.admin, "feed edit", {"feed": feed, "include": ""})

    await room.slash(room.admin, "feed pause", {"feed": feed})
    room.feeds.add("t2", "Story while paused")
    assert (await room.publish_pass())[0] == 0
    await room.slash(room.admin, "feed resume", {"feed": feed})
    room.feeds.add("t3", "Story after resuming")
    assert (await room.publish_pass())[0] == 1  # only the new one: no flood of what came while paused
    listing = await room.slash(room.admin, "feed list")
    assert "Loopback News" in listing.content and "1 post" in listing.content and "1 posts" not in listing.content and "✅ ok" in listing.content

    await room.slash(room.admin, "feed remove", {"feed": feed})
    listing = await room.slash(room.admin, "feed list")
    assert "No feeds yet" in listing.content


async def test_settings_show_set_and_validation(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    rec = await room.slash(room.admin, "settings set", {"news_channel": room.news, "digest_time": "07:30",
                                                        "auto_close_days": 3, "default_mode": "plain"})
    assert "Saved." in rec.content and "07:30 UTC" in rec.content and "3 days" in rec.content
    rec = await room.slash(room.admin, "settings set", {"digest_time": "7pm"})
    assert "Not saved" in rec.content and "HH:MM" in rec.content
    rec = await room.slash(room.admin, "settings show")
    assert f"<#{room.news.id}>" in rec.content and "plain" in rec.content
    # /feed add without a channel uses the news channel and the default mode
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url})
    assert "plain mode" in rec.content
    room.feeds.add("p", "Plain story")
    assert (await room.publish_pass())[0] == 1
    assert room.emu.threads(room.news) == []


async def test_article_info_and_trending(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    rec = await room.slash(room.alice, "trending")
    assert "No discussion" in rec.content
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    room.feeds.add("hot", "A hotly debated story")
    await room.publish_pass()
    [thread] = room.emu.threads(room.news)
    first = room.emu.send(room.alice, thread, "I disagree with this")
    room.emu.send(room.bob, thread, "Why?", reply_to=first)
    room.emu.react(room.bob, first, "👍")
    await room.emu.wait_for(lambda: len(room.emu.messages(thread)) >= 2)
    rec = await room.slash(room.alice, "article info", channel=thread)
    assert "A hotly debated story" in rec.content and "Comments: 2" in rec.content
    assert "Participants: 2" in rec.content and "Reactions: 1" in rec.content
    rec = await room.slash(room.alice, "trending", {"period": "week"})
    assert "A hotly debated story" in rec.content and "2 comments" in rec.content


async def test_auto_close_setting_applies_to_existing_threads(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    assert room.services is not None
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    room.feeds.add("older", "A story posted before auto-close was set")
    room.feeds.add("newer", "A second story posted before auto-close was set")
    assert (await room.publish_pass())[0] == 2
    old, new = sorted(room.emu.threads(room.news), key=lambda t: t.id)
    assert await room.svc.stores.timers.get_key(f"close:{old.id}") is None  # no auto-close yet
    # The first thread is three days old; the second was just created.
    await room.svc.stores.db.execute("UPDATE threads SET created_at = created_at - 3 * 86400 WHERE thread_id = ?",
                                   (old.id,))

    await room.slash(room.admin, "settings set", {"auto_close_days": 5})
    stored_new = await room.svc.stores.threads.get(new.id)
    timer = await room.svc.stores.timers.get_key(f"close:{new.id}")
    assert stored_new is not None and timer is not None
    assert abs(timer.due_at - (stored_new.created_at + 5 * 86400)) < 1  # counted from the thread's creation
    old_timer = await room.svc.stores.timers.get_key(f"close:{old.id}")
    assert old_timer is not None and old_timer.due_at < time.time() + 2 * 86400 + 60

    await room.slash(room.admin, "settings set", {"auto_close_days": 0})  # never: existing timers go
    assert await room.svc.stores.timers.get_key(f"close:{new.id}") is None
    assert await room.svc.stores.timers.get_key(f"close:{old.id}") is None

    await room.slash(room.admin, "settings set", {"auto_close_days": 2})  # the old thread is overdue: closed now
    await room.emu.wait_for(lambda: old.archived and old.locked, 10, what="the overdue thread closed")
    assert not new.locked and await room.svc.stores.timers.get_key(f"close:{new.id}") is not None


async def test_feed_and_settings_commands_check_manage_server_at_run_time(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    assert room.services is not None
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    [sub] = await room.svc.stores.subscriptions.list_for_guild(room.guild.id)
    before = await room.svc.stores.guild_settings.get(room.guild.id)
    # An admin's per-command override lets alice past Discord's UI gate; the bot must still refuse.
    emu.allow_command(room.guild, "feed", room.alice)
    emu.allow_command(room.guild, "settings", room.alice)
    attempts: list[tuple[str, dict[str, object]]] = [
        ("feed add", {"url": room.feeds.base + "/other.xml", "channel": room.news}),
        ("feed list", {}), ("feed remove", {"feed": str(sub.id)}), ("feed pause", {"feed": str(sub.id)}),
        ("feed resume", {"feed": str(sub.id)}), ("feed test", {"feed": str(sub.id)}),
        ("feed edit", {"feed": str(sub.id), "include": "sports"}),
        ("settings show", {}), ("settings set", {"auto_close_days": 3, "news_channel": room.modlog}),
    ]
    for command, options in attempts:
        rec = await room.slash(room.alice, command, options)
        assert rec.ephemeral and "Manage Server permission to use this command" in rec.content, (command, rec.content)
    assert await room.svc.stores.subscriptions.list_for_guild(room.guild.id) == [sub]
    assert await room.svc.stores.guild_settings.get(room.guild.id) == before


async def test_feed_add_refuses_a_mode_the_channel_cannot_carry(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    assert room.services is not None
    for channel, mode in ((room.forum, "plain"), (room.forum, "thread"), (room.news, "forum")):
        rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": channel, "mode": mode})
        assert "Forum mode goes with a forum channel" in rec.content, (mode, rec.content)
    assert await room.svc.stores.subscriptions.list_for_guild(room.guild.id) == []


async def test_trending_with_ten_long_links_fits_one_message(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    for n in range(10):  # ordinary news links are often 120+ characters long
        slug = f"2026/11/28/story-number-{n}-" + "with-a-long-descriptive-slug-" * 4
        room.feeds.add(slug, f"Story {n} about the council's long-running budget debate and the tram line")
    assert (await room.publish_pass())[0] == 10
    for thread in emu.threads(room.news):
        emu.send(room.alice, thread, "An opinion")
    await emu.wait_for(lambda: all(len(emu.messages(t)) == 1 for t in emu.threads(room.news)))
    rec = await room.slash(room.alice, "trending")
    assert rec.content.startswith("**Most discussed in the last 24 hours**") and len(rec.content) <= 2000
    assert "1. [Story" in rec.content and "— 1 comment from 1 person, 0 reactions" in rec.content


async def test_article_info_of_a_story_with_a_huge_title_fits_one_message(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    room.feeds.add("huge", "A *hostile* (feed) title_that goes on " * 60)  # ~2,200 characters
    assert (await room.publish_pass())[0] == 1
    [thread] = room.emu.threads(room.news)
    rec = await room.slash(room.alice, "article info", channel=thread)
    assert rec.content.startswith("**A \\*hostile\\*") and len(rec.content) <= 2000
    assert room.feeds.base + "/articles/huge" in rec.content and f"<#{thread.id}>" in rec.content


async def test_feed_add_of_a_feed_with_a_huge_title_confirms(newsroom: Newsroom) -> None:
    room = newsroom
    room.feeds.title = "Loopback News " + "(and a *very* long tagline) " * 90  # ~2,500 characters
    room.feeds.add("one", "The newest story")
    await room.start()
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    assert rec.content.startswith("Following **Loopback News") and len(rec.content) <= 2000
    listing = await room.slash(room.admin, "feed list")
    assert "Loopback News" in listing.content


async def test_feed_list_pages_through_many_feeds(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    channels = [emu.create_channel(room.guild, f"desk-{n:02d}") for n in range(30)]
    await emu.wait_for(lambda: room.bot is not None and all(room.client.get_channel(c.id) for c in channels))
    for channel in channels:
        rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": channel})
        assert "Following" in rec.content
    rec = await room.slash(room.admin, "feed list")
    seen = rec.content
    assert len(rec.content) <= 2000 and rec.ephemeral
    message = rec.messages[-1]
    for _ in range(len(channels)):
        if all(f"<#{c.id}>" in seen for c in channels):
            break
        page = await emu.press_button(room.admin, message, label="Next ▶")
        await room.settled(page)
        seen += message.content
    assert all(f"<#{c.id}>" in seen for c in channels), "some feeds cannot be seen in /feed list"


async def test_feed_resume_answers_in_time_when_the_feed_is_slow(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    feed = await feed_choice(room, "feed pause")
    await room.slash(room.admin, "feed pause", {"feed": feed})
    # Resuming takes a fresh baseline from the feed; a slow site must not make Discord drop the answer
    # (an interaction must be answered within 3 s, here made shorter than the site's delay).
    room.feeds.delay = 0.6
    room.emu.interaction_response_timeout = 0.3
    rec = await room.slash(room.admin, "feed resume", {"feed": feed})
    assert "Resumed." in rec.content and rec.ephemeral
