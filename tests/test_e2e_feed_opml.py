"""OPML through Discord with the real bot: `/feed import` with an attached file shows what would be followed
and follows it only on Confirm; `/feed export` attaches an .opml that lists the same feeds (round trip); a
hostile file gets one clear error and changes nothing."""

from __future__ import annotations

from bot.feeds.opml import parse_opml
from emulator import Upload
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


async def followed(room: Newsroom) -> set[tuple[int, str]]:
    assert room.services is not None
    return {(sub.channel_id, feed.url) for sub, feed in await room.services.feed_subscriptions.for_guild(room.guild.id)
            if feed is not None}


async def test_import_previews_then_follows_on_confirm_and_export_round_trips(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    room.feeds.add("old", "Yesterday's council news")
    world = room.feeds.feed_url + "?edition=world"
    opml = (f'<?xml version="1.0"?><opml version="1.0"><head><title>Reader</title></head><body>'
            f'<outline text="Local"><outline text="City Desk" xmlUrl="{room.feeds.feed_url}"/>'
            f'<outline text="World Desk" xmlUrl="{world}"/></outline>'
            f'<outline text="Mail" xmlUrl="mailto:desk@example.org"/></body></opml>').encode()
    rec = await room.slash(room.admin, "feed import", {"file": Upload("reader.opml", opml, "text/x-opml"),
                                                       "channel": room.news})
    preview = rec.original
    assert preview is not None and rec.ephemeral
    assert "**2 feeds** would be followed in" in preview.content
    assert "City Desk" in preview.content and "World Desk" in preview.content
    assert "Not importable: 1 outline" in preview.content
    assert await followed(room) == set()  # a preview changes nothing

    done = await room.emu.press_button(room.admin, preview, label="Follow 2")
    await room.emu.wait_for(lambda: "Imported" in (done.original.content if done.original else ""),
                            what="the import's answer")
    assert "now following 2 feeds" in done.original.content  # type: ignore[union-attr]
    assert await followed(room) == {(room.news.id, room.feeds.feed_url), (room.news.id, world)}
    # Quiet like /feed add: what the feeds carried is not posted.
    await room.publish_pass()
    assert room.emu.bot_messages(room.news) == []

    again = await room.slash(room.admin, "feed import", {"file": Upload("reader.opml", opml), "channel": room.news})
    assert "**0 feeds** would be followed" in again.original.content  # type: ignore[union-attr]
    assert "Already followed there: 2 feeds" in again.original.content  # type: ignore[union-attr]

    exported = await room.slash(room.admin, "feed export")
    message = exported.original
    assert message is not None and message.attachments[0]["filename"] == "newsdesk-feeds.opml"
    data = room.emu.files[int(message.attachments[0]["id"])][0]
    assert {(f.channel_id, f.url) for f in parse_opml(data).feeds} == await followed(room)


async def test_a_hostile_file_gets_one_clear_error_and_changes_nothing(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
              b'<opml><body><outline text="&lol2;" xmlUrl="' + room.feeds.feed_url.encode() + b'"/></body></opml>')
    rec = await room.slash(room.admin, "feed import", {"file": Upload("laughs.opml", laughs), "channel": room.news})
    answer = rec.original.content if rec.original else rec.content
    assert "Cannot import laughs.opml" in answer and "declares a DTD or entities" in answer
    assert "Nothing was imported" in answer and not (rec.original and rec.original.components)
    assert await followed(room) == set()
    empty = await room.slash(room.admin, "feed export")
    assert "No feeds are followed here yet" in (empty.original.content if empty.original else empty.content)
