"""Why was this story posted, or not: the delivery record of every feed item in every following channel, end
to end with the real bot (baseline, posted with its message, filtered by which word, duplicate of which story,
paused), and the dashboard's delivery history page."""

from __future__ import annotations

import httpx

from newsdesk.dashboard import serve_dashboard
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import FeedItemSpec, Newsroom, newsroom_on_each_engine

pytestmark = E2E_MARKS
__all__ = ["newsroom_on_each_engine"]


async def fates(room: Newsroom, subscription_id: int) -> dict[str, tuple[str, str | None]]:
    assert room.services is not None
    return {d.title: (d.outcome, d.detail) for d in await room.svc.feed_subscriptions.history(subscription_id)}


async def test_every_item_has_a_recorded_fate_and_the_dashboard_shows_why(newsroom_on_each_engine: Newsroom) -> None:
    room = newsroom_on_each_engine
    room.feeds.add("old", "Yesterday's council news")
    overrides = {"DISCORD_CLIENT_ID": str(room.emu.world.application_id),
                 "DISCORD_CLIENT_SECRET": room.emu.oauth.client_secret, "WEB_SECRET_KEY": "deliveries-test-key"}
    await room.start(**overrides)
    services = room.services
    assert services is not None
    added = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news,
                                                      "exclude": "weather"})
    assert "Following" in added.content
    (sub, feed), = await services.feed_subscriptions.for_guild(room.guild.id)
    assert feed is not None
    room.feeds.add("posted", "Council approves night buses")
    room.feeds.add("filtered", "Weather: a sunny week ahead")
    assert (await room.publish_pass())[0] == 1
    # Another channel follows the feed too, so it is still polled while #news pauses it.
    await services.feed_subscriptions.subscribe(room.feeds.feed_url, guild_id=room.guild.id,
                                                channel_id=room.admin_channel.id)
    await services.feed_subscriptions.pause(sub.id)
    room.feeds.add("paused", "Bridge closes for repairs")
    # The same story again under another link (a copy the feed lists twice) is taken for a duplicate.
    first = next(i for i in room.feeds.items if i.guid == "posted")
    copy = f"{room.feeds.base}/articles/posted-copy"
    room.feeds.items.insert(0, FeedItemSpec("again", first.title, copy, first.description, first.published + 60))
    await room.publish_pass()

    got = await fates(room, sub.id)
    assert got["Yesterday's council news"] == ("baseline", "already in the feed when this channel followed it")
    assert got["Council approves night buses"][0] == "posted"
    assert got["Weather: a sunny week ahead"] == ("filtered", "has the excluded word 'weather'")
    assert got["Bridge closes for repairs"] == ("paused", "the feed is paused in this channel")
    (again,) = [d for d in await services.feed_subscriptions.history(sub.id) if d.fate == "duplicate"]
    assert again.url == copy and "the same story as 'Council approves night buses'" in (again.detail or "")

    message = room.emu.bot_messages(room.news)[-1]
    settings = room.settings(**overrides)
    async with serve_dashboard(services, settings, 0) as url, httpx.AsyncClient() as client:
        landed = await room.emu.log_in(client, f"{url}/login?next=/g/{room.guild.id}/feeds/{sub.id}", room.admin)
        page = await client.get(f"{url}{landed.headers['location']}")
    assert page.status_code == 200
    assert f"/channels/{room.guild.id}/{room.news.id}/{message.id}" in page.text  # the post, linked
    assert "not posted: filtered" in page.text and "has the excluded word &#39;weather&#39;" in page.text
    assert "not posted: already there when followed" in page.text and "not posted: paused" in page.text


async def test_feed_why_answers_in_one_private_message(newsroom_on_each_engine: Newsroom) -> None:
    room = newsroom_on_each_engine
    await room.start()
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news, "exclude": "weather"})
    posted = room.feeds.add("posted", "Council approves night buses")
    filtered = room.feeds.add("filtered", "Weather: a sunny week ahead")
    await room.publish_pass()
    choices = await room.emu.autocomplete(room.admin, room.news, "feed why", {"url": "sunny"}, "url")
    assert [c["value"] for c in choices] == [filtered]
    why = await room.slash(room.admin, "feed why", {"url": filtered})
    assert why.ephemeral and f"<#{room.news.id}>: not posted: filtered out (has the excluded word 'weather')" in why.content
    message = room.emu.bot_messages(room.news)[-1]
    why = await room.slash(room.admin, "feed why", {"url": posted})
    assert f"/channels/{room.guild.id}/{room.news.id}/{message.id}" in why.content
    unknown = await room.slash(room.admin, "feed why", {"url": "https://example.org/never"})
    assert "No feed followed here has carried that link" in unknown.content
