"""Stories, not items (issue 15 point 1), end to end: three outlets reporting one story make one post that
lists the other two under "Also reported by", with one thread noting each; a related but different story
gets its own post; /feed why says where a merged report went; a subscription with stories off posts alone."""

from __future__ import annotations

from typing import Any

import httpx

from newsdesk.dashboard import serve_dashboard
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import FeedServer, Newsroom, newsroom_on_each_engine

pytestmark = E2E_MARKS
__all__ = ["newsroom_on_each_engine"]

BUSES = [
    ("Council approves five night bus routes for the city centre",
     "The city council approved five night bus routes on Tuesday; the buses start running in March."),
    ("City council backs five new night bus routes from March",
     "Five night bus routes will run from March after the city council approved them on Tuesday."),
    ("Night bus routes approved: five lines start in March, council says",
     "The council approved five night bus routes on Tuesday for the city centre, starting in March."),
]
TRAM = ("Council rejects plan to extend the tram line to the airport",
        "The city council voted on Tuesday against extending the tram line to the airport.")


DASHBOARD = {"WEB_SECRET_KEY": "merging-test-key"}


async def three_outlets(room: Newsroom) -> list[FeedServer]:
    room.feeds.title = "Daily Courier"
    outlets = [room.feeds, await room.another_feed("Evening Post"), await room.another_feed("City Radio")]
    await room.start(DISCORD_CLIENT_ID=str(room.emu.world.application_id),
                     DISCORD_CLIENT_SECRET=room.emu.oauth.client_secret, **DASHBOARD)
    for outlet in outlets:
        await room.svc.feed_subscriptions.subscribe(outlet.feed_url, guild_id=room.guild.id, channel_id=room.news.id)
    return outlets


def also_reported(embed: dict[str, Any]) -> str | None:
    return next((f["value"] for f in embed.get("fields") or [] if f["name"] == "Also reported by"), None)


async def test_three_outlets_make_one_post_and_one_thread(newsroom_on_each_engine: Newsroom) -> None:
    room = newsroom_on_each_engine
    courier, evening, radio = await three_outlets(room)
    first = courier.add("buses", *BUSES[0], published=1_764_000_000.0)
    assert (await room.publish_pass())[0] == 1
    second = evening.add("night-buses", *BUSES[1], published=1_764_000_600.0)
    third = radio.add("routes", *BUSES[2], published=1_764_001_200.0)
    courier.add("tram", *TRAM, published=1_764_001_800.0)
    await room.publish_pass()

    posts = room.emu.bot_messages(room.news)
    assert len(posts) == 2, [m.embeds[0]["title"] for m in posts]  # the buses story, and the tram story apart
    story, tram = posts
    assert story.embeds[0]["url"] == first and tram.embeds[0]["title"].startswith("Council rejects")
    listed = also_reported(story.embeds[0])
    # The two feeds are polled side by side: either report may have come first.
    assert listed is not None and sorted(listed.split("\n")) == sorted([f"[Evening Post]({second})",
                                                                         f"[City Radio]({third})"])
    assert also_reported(tram.embeds[0]) is None
    threads = room.emu.threads(room.news)
    assert len(threads) == 2  # one per story: none for the merged reports
    story_thread = next(t for t in threads if t.id == story.id or t.name.startswith("Council approves"))
    notes = [m.content for m in room.emu.messages(story_thread) if m.content.startswith("Also reported by")]
    in_order = [line.replace("[", "Also reported by ").replace("](", ": <").replace(")", ">")
                for line in listed.split("\n")]
    assert notes == in_order

    # An update of the story's article edits its post: the sources stay listed.
    courier.change("buses", title=BUSES[0][0] + " after a late vote")
    assert (await room.publish_pass())[1] == 1
    edited = room.emu.bot_messages(room.news)[0].embeds[0]
    assert edited["title"].endswith("after a late vote") and also_reported(edited) == listed

    why = await room.slash(room.admin, "feed why", {"url": third})
    assert "merged into the story" in why.content and "Council approves five night bus routes" in why.content
    posted = await room.slash(room.admin, "feed why", {"url": first})
    assert "posted" in posted.content and "merged" not in posted.content
    page = await delivery_page(room, radio)
    assert "merged into the story" in page and "Council approves five night bus routes" in page


async def delivery_page(room: Newsroom, outlet: FeedServer) -> str:
    """The dashboard's delivery history of `outlet` in #news, as the admin sees it."""
    subs = {feed.url: sub for sub, feed in await room.svc.feed_subscriptions.for_guild(room.guild.id) if feed}
    settings = room.settings(DISCORD_CLIENT_ID=str(room.emu.world.application_id),
                             DISCORD_CLIENT_SECRET=room.emu.oauth.client_secret, **DASHBOARD)
    async with serve_dashboard(room.svc, settings, 0) as url, httpx.AsyncClient() as client:
        landed = await room.emu.log_in(
            client, f"{url}/login?next=/g/{room.guild.id}/feeds/{subs[outlet.feed_url].id}", room.admin)
        page = await client.get(f"{url}{landed.headers['location']}")
    assert page.status_code == 200
    return page.text


async def test_stories_off_posts_each_report_alone(newsroom_on_each_engine: Newsroom) -> None:
    room = newsroom_on_each_engine
    courier, evening, _ = await three_outlets(room)
    subs = {feed.url: sub for sub, feed in await room.svc.feed_subscriptions.for_guild(room.guild.id) if feed}
    answer = await room.slash(room.admin, "feed edit", {"feed": str(subs[evening.feed_url].id), "stories": False,
                                                         "story_window_hours": 12})
    assert answer.content.startswith("Saved"), answer.content
    settings = await room.svc.stories.settings(subs[evening.feed_url].id)
    assert settings is not None and not settings.enabled and settings.window_hours == 12
    courier.add("buses", *BUSES[0], published=1_764_000_000.0)
    assert (await room.publish_pass())[0] == 1
    second = evening.add("night-buses", *BUSES[1], published=1_764_000_600.0)
    assert (await room.publish_pass())[0] == 1  # Evening Post's report gets its own post and thread

    first_post, second_post = room.emu.bot_messages(room.news)
    assert second_post.embeds[0]["url"] == second
    assert also_reported(first_post.embeds[0]) is None and len(room.emu.threads(room.news)) == 2


async def test_a_story_whose_post_was_deleted_does_not_swallow_a_report(newsroom_on_each_engine: Newsroom) -> None:
    room = newsroom_on_each_engine
    courier, evening, _ = await three_outlets(room)
    courier.add("buses", *BUSES[0], published=1_764_000_000.0)
    assert (await room.publish_pass())[0] == 1
    room.emu.delete(room.admin, room.emu.bot_messages(room.news)[0])
    second = evening.add("night-buses", *BUSES[1], published=1_764_000_600.0)
    assert (await room.publish_pass())[0] == 1  # posted on its own: there is no post left to add it to
    (post,) = room.emu.bot_messages(room.news)
    assert post.embeds[0]["url"] == second and also_reported(post.embeds[0]) is None
