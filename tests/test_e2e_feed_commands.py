"""/feed list|remove|pause|resume|test|edit, /settings, /article info and /trending, end to end."""

from __future__ import annotations

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
    assert "Loopback News" in listing.content and "1 posts" in listing.content and "✅ ok" in listing.content

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
