"""The real bot, the emulator and a feed server on 127.0.0.1: subscribing, posting, editing, restarts."""

from __future__ import annotations

from bot.sandbox import Perm
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


async def subscribe(room: Newsroom, **options: object) -> None:
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news, **options})
    assert "Following **Loopback News**" in rec.content, rec.content


async def test_subscribe_post_edit_and_restart_without_duplicates(newsroom: Newsroom) -> None:
    room = newsroom
    room.feeds.add("old-story", "An old story already in the feed")
    await room.start()
    await subscribe(room)
    assert await room.publish_pass() == (0, 0)  # the existing item was marked seen: no flood
    assert room.emu.bot_messages(room.news) == []

    room.feeds.add("ban", "US bans transactions with a Chinese messaging app @everyone **now**")
    posted, _ = await room.publish_pass()
    assert posted == 1
    [post] = room.emu.bot_messages(room.news)
    embed = post.embeds[0]
    assert embed["url"].endswith("/articles/ban") and "@everyone" not in embed["title"]
    assert "\\*\\*now\\*\\*" in embed["title"]
    assert post.thread_id is not None
    [thread] = room.emu.threads(room.news)
    assert "Chinese messaging app" in thread.name and "@everyone" not in thread.name
    assert any(c.get("custom_id", "").startswith("newsdesk:summarize:") for row in post.components
               for c in row.get("components", []))

    room.feeds.change("ban", description="Updated: the ban takes effect on Sunday.")
    assert await room.publish_pass() == (0, 1)
    assert "takes effect on Sunday" in room.emu.bot_messages(room.news)[0].embeds[0]["description"]

    await room.restart()
    assert await room.publish_pass() == (0, 0)
    assert len(room.emu.bot_messages(room.news)) == 1


async def test_crash_between_store_and_post_loses_nothing(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    await subscribe(room)
    room.feeds.add("late", "A story stored just before a crash")
    assert room.services is not None
    for feed in await room.services.feeds.list():
        await room.services.feeds.poll_soon(feed.id)
    await room.services.scheduler.run_cycle()  # stored and announced, but the bot "dies" before posting
    await room.restart()
    posted, _ = await room.publish_pass()
    assert posted == 1 and len(room.emu.bot_messages(room.news)) == 1


async def test_missing_permission_marks_failing_and_tells_admins_once(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    await room.slash(room.admin, "settings set", {"admin_channel": room.admin_channel})
    await subscribe(room)
    room.emu.set_overwrites(room.news, {room.emu.bot_role(room.guild): (0, int(Perm.SEND_MESSAGES))})
    room.feeds.add("a", "First blocked story")
    assert (await room.publish_pass())[0] == 0
    room.feeds.add("b", "Second blocked story")
    assert (await room.publish_pass())[0] == 0
    warnings = room.emu.bot_messages(room.admin_channel)
    assert len(warnings) == 1 and "Send Messages" in warnings[0].content
    listing = await room.slash(room.admin, "feed list")
    assert "cannot post" in listing.content

    room.emu.set_overwrites(room.news, {})
    choices = await room.emu.autocomplete(room.admin, room.news, "feed resume", {"feed": ""}, "feed")
    await room.slash(room.admin, "feed resume", {"feed": choices[0]["value"]})
    posted, _ = await room.publish_pass()
    assert posted == 2  # nothing was lost while blocked


async def test_forum_mode_creates_tagged_posts(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.base + "/", "channel": room.forum})
    assert "forum mode" in rec.content
    room.feeds.add("f", "A forum story")
    assert (await room.publish_pass())[0] == 1
    [post] = room.emu.threads(room.forum)
    assert post.name == "A forum story"
    assert post.applied_tags == [room.emu.tag_id(room.forum, "Loopback News")]  # tagged by its feed


async def test_commands_are_gated_for_members_without_permission(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    for command in ("feed add", "feed list", "settings show"):
        try:
            await room.emu.run_slash_command(room.alice, room.news, command, {"url": "x"} if "add" in command else {})
        except PermissionError:
            continue
        raise AssertionError(f"{command} was usable without permission")
