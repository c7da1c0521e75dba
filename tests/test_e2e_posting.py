"""The real bot, the emulator and a feed server on 127.0.0.1: subscribing, posting, editing, restarts."""

from __future__ import annotations

from emulator import Perm
from newsdesk.app import build_publisher
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
    for feed in await room.svc.stores.feeds.list():
        await room.svc.stores.feeds.poll_soon(feed.id)
    await room.svc.scheduler.run_cycle()  # stored and announced, but the bot "dies" before posting
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


async def test_story_whose_thread_failed_gets_its_thread_on_the_next_pass(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    await subscribe(room)
    assert room.services is not None
    thread_route = "POST /channels/{channel_id}/messages/{message_id}/threads"
    # The message is sent, then Discord refuses the thread (a permission taken away meanwhile): the story
    # must not end up without its discussion thread once that is fixed, nor be posted twice.
    emu.faults.fail(thread_route, status=403, times=1)
    room.feeds.add("t1", "A story whose thread failed once")
    await room.publish_pass()
    assert len(emu.bot_messages(room.news)) == 1 and emu.threads(room.news) == []
    choices = await emu.autocomplete(room.admin, room.news, "feed resume", {"feed": ""}, "feed")
    await room.slash(room.admin, "feed resume", {"feed": choices[0]["value"]})
    await room.publish_pass()
    [message] = emu.bot_messages(room.news)
    [thread] = emu.threads(room.news)
    assert message.thread_id == thread.id
    post = await room.svc.stores.posts.by_message(message.id)
    assert post is not None and post.thread_id == thread.id
    assert await room.svc.stores.threads.get(thread.id) is not None

    # Discord created the thread but the answer was lost (a crash, a dropped connection): adopt it.
    emu.faults.fail(thread_route, status=403, times=1)
    room.feeds.add("t2", "A story whose thread answer was lost")
    await room.publish_pass()
    second = emu.bot_messages(room.news)[-1]
    emu.create_thread(emu.world.bot_user, room.news, "A story whose thread answer was lost", message=second)
    choices = await emu.autocomplete(room.admin, room.news, "feed resume", {"feed": ""}, "feed")
    await room.slash(room.admin, "feed resume", {"feed": choices[0]["value"]})
    await room.publish_pass()
    assert len(emu.bot_messages(room.news)) == 2 and len(emu.threads(room.news)) == 2
    post2 = await room.svc.stores.posts.by_message(second.id)
    assert post2 is not None and post2.thread_id == second.thread_id
    assert await room.svc.stores.threads.get(second.id) is not None

    # A thread Discord rejects as invalid would fail the same way forever: posted without one, queue goes on.
    emu.faults.fail(thread_route, status=400, times=1)
    room.feeds.add("t3", "A story whose thread is refused as invalid")
    room.feeds.add("t4", "The story after it")
    assert (await room.publish_pass())[0] == 2
    assert len(emu.bot_messages(room.news)) == 4 and len(emu.threads(room.news)) == 3


async def test_update_of_a_deleted_forum_post_does_not_stall_other_edits(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.forum})
    assert "forum mode" in rec.content
    await subscribe(room)
    room.feeds.add("u", "A story in two places")
    assert (await room.publish_pass())[0] == 2
    [forum_post] = emu.threads(room.forum)
    emu.world.delete_channel(forum_post)  # a moderator deleted the forum post
    await emu.wait_for(lambda: room.bot is not None and room.client.get_channel(forum_post.id) is None, 5,
                       what="the bot saw the deletion")
    room.feeds.change("u", description="Updated: new details emerged.")
    assert (await room.publish_pass())[1] == 2  # the gone post is settled, the other one edited
    assert "new details emerged" in emu.bot_messages(room.news)[0].embeds[0]["description"]
    assert await room.publish_pass() == (0, 0)  # nothing left to retry


async def test_forum_requiring_a_tag_without_a_fitting_one_is_reported_not_retried_forever(
        newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    forum = emu.create_channel(room.guild, "strict", kind="forum", tags=["World"])
    emu.world.update_channel(forum, flags=16)  # "Require people to select tags when posting"
    await room.start()
    await room.slash(room.admin, "settings set", {"admin_channel": room.admin_channel})
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": forum})
    assert "forum mode" in rec.content
    room.feeds.add("x", "A story for a strict forum")
    assert (await room.publish_pass())[0] == 0
    [warning] = emu.bot_messages(room.admin_channel)
    assert "requires a tag" in warning.content and "Loopback News" in warning.content, warning.content
    listing = await room.slash(room.admin, "feed list")
    assert "cannot post" in listing.content

    # The admin adds a tag named after the feed: after /feed resume the waiting story is posted with it.
    emu.world.update_channel(forum, available_tags=["World", "Loopback News"])
    await emu.wait_for(lambda: room.bot is not None and len(getattr(room.client.get_channel(forum.id),
                                                                    "available_tags", [])) == 2, 5)
    choices = await emu.autocomplete(room.admin, room.news, "feed resume", {"feed": ""}, "feed")
    await room.slash(room.admin, "feed resume", {"feed": choices[0]["value"]})
    assert (await room.publish_pass())[0] == 1
    [post] = emu.threads(forum)
    assert post.applied_tags == [emu.tag_id(forum, "Loopback News")]


async def test_a_failing_summary_costs_only_the_summary(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    await subscribe(room, summary=True)
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.forum})
    assert room.bot is not None and room.services is not None

    async def broken_summary(article_id: int) -> str | None:
        raise RuntimeError("summarizer bug")

    await room.client.publisher.stop()  # only the publisher with the broken summarizer publishes
    publisher = build_publisher(room.bot, room.services, summary_text=broken_summary)
    room.feeds.add("s1", "First story with a broken summarizer")
    room.feeds.add("s2", "Second story with a broken summarizer")
    assert await room.publish_pass(publisher) == (4, 0)  # both stories in both channels, the pass completes
    assert len(emu.threads(room.news)) == 2 and len(emu.threads(room.forum)) == 2
    assert all(emu.bot_messages(t) == [] for t in emu.threads(room.news))


async def test_forum_stories_with_the_same_title_each_get_a_post(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.forum})
    room.feeds.add("mon", "Daily briefing", "Monday: the council meets about the budget and the tram line.")
    assert (await room.publish_pass())[0] == 1
    room.feeds.add("tue", "Daily briefing", "Tuesday: floods close two bridges; schools stay open as planned.")
    assert (await room.publish_pass())[0] == 1
    posts = room.emu.threads(room.forum)
    assert len(posts) == 2 and {p.name for p in posts} == {"Daily briefing"}
    assert await room.publish_pass() == (0, 0)


async def test_a_story_discord_refuses_as_invalid_does_not_hold_up_the_channel(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    await room.slash(room.admin, "settings set", {"admin_channel": room.admin_channel})
    await subscribe(room)
    send_route = f"POST /channels/{room.news.id}/messages"
    emu.faults.fail(send_route, status=400, times=1)  # refused once: sent again without image and author
    room.feeds.add("r1", "A story refused once")
    assert (await room.publish_pass())[0] == 1
    emu.faults.fail(send_route, status=400, times=2)  # refused whatever we do: skipped, admins told
    room.feeds.add("r2", "A story Discord will not take")
    room.feeds.add("r3", "The story after it")
    assert (await room.publish_pass())[0] == 1
    titles = [m.embeds[0]["title"] for m in emu.bot_messages(room.news)]
    assert titles == ["A story refused once", "The story after it"]
    [warning] = emu.bot_messages(room.admin_channel)
    assert "/articles/r2" in warning.content and "skipped" in warning.content
    assert await room.publish_pass() == (0, 0)
    assert room.services is not None  # `/feed why` and the dashboard say so too, not "being sent"
    [refused] = await room.svc.feed_subscriptions.why(room.guild.id, f"{room.feeds.base}/articles/r2")
    assert refused.outcome == "skipped" and refused.detail


async def test_stories_arriving_together_are_posted_oldest_first(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    await subscribe(room)
    room.feeds.add("morning", "Morning story", published=1_764_000_000.0)
    room.feeds.add("noon", "Noon story", published=1_764_010_000.0)
    room.feeds.add("evening", "Evening story", published=1_764_020_000.0)  # feeds list newest first
    assert (await room.publish_pass())[0] == 3
    titles = [m.embeds[0]["title"] for m in room.emu.bot_messages(room.news)]
    assert titles == ["Morning story", "Noon story", "Evening story"]  # the channel reads in order


async def test_pausing_drops_what_was_waiting_so_resume_brings_new_stories_only(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    await subscribe(room)
    emu.set_overwrites(room.news, {emu.bot_role(room.guild): (0, int(Perm.SEND_MESSAGES))})
    room.feeds.add("w1", "A story that waited while blocked")
    room.feeds.add("w2", "Another story that waited")
    assert (await room.publish_pass())[0] == 0
    choices = await emu.autocomplete(room.admin, room.news, "feed pause", {"feed": ""}, "feed")
    rec = await room.slash(room.admin, "feed pause", {"feed": choices[0]["value"]})
    assert "new stories only" in rec.content
    emu.set_overwrites(room.news, {})
    await room.slash(room.admin, "feed edit", {"feed": choices[0]["value"], "summary": False})  # clears failing
    assert (await room.publish_pass())[0] == 0  # paused: nothing is posted
    await room.slash(room.admin, "feed resume", {"feed": choices[0]["value"]})
    assert (await room.publish_pass())[0] == 0  # as promised: no backlog after a pause
    room.feeds.add("w3", "A story after resuming")
    assert (await room.publish_pass())[0] == 1
    assert [m.embeds[0]["title"] for m in emu.bot_messages(room.news)] == ["A story after resuming"]


async def test_recovery_without_read_message_history_says_which_permission(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    assert room.services is not None and room.bot is not None
    await room.slash(room.admin, "settings set", {"admin_channel": room.admin_channel})
    await subscribe(room)
    publisher = room.client.publisher
    await publisher.stop()  # only this test's passes publish
    room.feeds.add("old", "A story reserved before a restart")
    for feed in await room.svc.stores.feeds.list():
        await room.svc.stores.feeds.poll_soon(feed.id)
    await room.svc.scheduler.run_cycle()
    await publisher.outbox.reserve_announced()
    # Reserved two minutes ago by a run that died: the bot must look in the channel before posting again.
    await room.svc.stores.db.execute("UPDATE posts SET created_at = created_at - 120")
    emu.set_overwrites(room.news, {emu.bot_role(room.guild): (0, int(Perm.READ_MESSAGE_HISTORY))})
    news = room.client.get_channel(room.news.id)
    await emu.wait_for(lambda: not news.permissions_for(news.guild.me).read_message_history,  # type: ignore[union-attr]
                       5, what="the bot saw the overwrite")
    assert (await room.publish_pass())[0] == 0
    [warning] = emu.bot_messages(room.admin_channel)
    assert "Read Message History" in warning.content, warning.content


async def test_a_story_announced_during_a_pass_gets_the_next_pass_at_once(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    assert room.bot is not None and room.services is not None
    await subscribe(room)
    await room.client.publisher.stop()
    # An interval no test outlasts: the second story can only go out if its wake-up was kept.
    publisher = build_publisher(room.bot, room.services, pass_interval=3600)
    room.svc.feed_events.listen(publisher.on_feed_event)
    publisher.start()
    try:
        # The first story's send is held until the second story has been announced.
        slow_send = emu.faults.slow(f"POST /channels/{room.news.id}/messages", 30.0, times=1)
        [feed] = await room.svc.stores.feeds.list()
        room.feeds.add("first", "The story being sent")
        await room.svc.stores.feeds.poll_soon(feed.id)
        await room.svc.scheduler.run_cycle()  # NewArticle wakes the publisher: the first pass starts
        await emu.wait_for(lambda: slow_send.hits, 10, what="the first story's send under way")
        room.feeds.add("second", "The story announced meanwhile")
        await room.svc.stores.feeds.poll_soon(feed.id)
        await room.svc.scheduler.run_cycle()  # announced while the first pass is still sending
        assert emu.bot_messages(room.news) == []
        emu.faults.release_delayed()
        await emu.wait_for(lambda: len(emu.bot_messages(room.news)) == 2, 20, what="the second story posted")
        assert [m.embeds[0]["title"] for m in emu.bot_messages(room.news)] == [
            "The story being sent", "The story announced meanwhile"]
    finally:
        room.svc.feed_events.forget(publisher.on_feed_event)
        await publisher.stop()
