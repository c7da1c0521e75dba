"""Delivery control end to end with the real bot: a daily cap set with `/feed add`, the capped item recorded
with its reason and shown by `/feed why`; filter rules set with `/feed edit` (and a backtracking regex refused
without changing anything)."""

from __future__ import annotations

import httpx

from newsdesk.dashboard import serve_dashboard
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


async def test_a_capped_item_is_recorded_and_feed_why_says_why(newsroom: Newsroom) -> None:
    room = newsroom
    overrides = {"DISCORD_CLIENT_ID": str(room.emu.world.application_id),
                 "DISCORD_CLIENT_SECRET": room.emu.oauth.client_secret, "WEB_SECRET_KEY": "caps-test-key"}
    await room.start(**overrides)
    added = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news,
                                                      "daily_cap": 1})
    assert "Following" in added.content
    assert "at most 1 post a day" in (await room.slash(room.admin, "feed list")).content
    first = room.feeds.add("first", "Council approves night buses")
    capped = room.feeds.add("second", "Bridge closes for repairs")
    await room.publish_pass()
    assert len(room.emu.bot_messages(room.news)) == 1
    why = await room.slash(room.admin, "feed why", {"url": capped})
    assert why.ephemeral
    assert (f"<#{room.news.id}>: not posted: capped (the daily cap of 1 post in 24 hours was reached)"
            in why.content)
    posted = await room.slash(room.admin, "feed why", {"url": first})
    assert "/channels/" in posted.content
    # The dashboard's delivery history says the same.
    assert room.services is not None
    (sub, _), = await room.services.feed_subscriptions.for_guild(room.guild.id)
    async with serve_dashboard(room.services, room.settings(**overrides), 0) as url, httpx.AsyncClient() as client:
        landed = await room.emu.log_in(client, f"{url}/login?next=/g/{room.guild.id}/feeds/{sub.id}", room.admin)
        page = await client.get(f"{url}{landed.headers['location']}")
    assert page.status_code == 200
    assert "not posted: capped" in page.text and "the daily cap of 1 post in 24 hours was reached" in page.text


async def test_filter_rules_set_with_feed_edit(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    services = room.services
    assert services is not None
    (sub, _), = await services.feed_subscriptions.for_guild(room.guild.id)
    refused = await room.slash(room.admin, "feed edit", {"feed": str(sub.id), "rules": "title: /(a+)+$/"})
    assert "Not saved" in refused.content and "backtracks" in refused.content
    assert (await services.feed_subscriptions.get(sub.id)).filter_rules is None  # type: ignore[union-attr]
    saved = await room.slash(room.admin, "feed edit", {"feed": str(sub.id), "rules": r"title: /^council\b/; -title: weather",
                                                       "min_gap_minutes": 0})
    assert saved.content.startswith("Saved.")
    listed = await room.slash(room.admin, "feed list")
    assert "rules (all): `title: /^council\\b/; -title: weather`" in listed.content
    kept = room.feeds.add("kept", "Council approves night buses")
    dropped = room.feeds.add("dropped", "Bridge closes for repairs")
    await room.publish_pass()
    assert len(room.emu.bot_messages(room.news)) == 1
    why = await room.slash(room.admin, "feed why", {"url": dropped})
    assert "not posted: filtered out (its title does not match /^council" in why.content
    assert "/channels/" in (await room.slash(room.admin, "feed why", {"url": kept})).content
