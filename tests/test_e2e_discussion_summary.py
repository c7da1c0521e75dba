"""/summarize discussion: end to end: quotes linked comments, never a removed one, never pings anyone."""

from __future__ import annotations

from tests.comments_support import db_rows, eventually, story_thread
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


async def _status(room: Newsroom, message_id: int) -> str | None:
    rows = await db_rows(room, "SELECT status FROM comments WHERE message_id = ?", (message_id,))
    return rows[0]["status"] if rows else None


async def test_summarize_discussion_quotes_and_links_visible_comments_only(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, _post = await story_thread(room)
    await room.slash(room.moderator, "mod slowmode", {"seconds": 0}, channel=thread)
    liked = emu.send(room.alice, thread, f"<@{room.bob.id}> @everyone the tram extension to the airport is the "
                                         "best part of the transit plan, buses alone never fixed the commute.")
    emu.send(room.bob, thread, "The tram extension to the airport will help the commute, agreed.", reply_to=liked)
    emu.send(room.bob, thread, "Twelve new bus routes sound good but the [budget](https://evil.example) for "
                               "drivers is missing.")
    bad = emu.send(room.bob, thread, "The tram extension airport transit plan commute scandal: the mayor lies!!")
    emu.react(room.bob, liked, "👍")
    await eventually(room, lambda: _status(room, bad.id), what="comments recorded")
    link = f"https://discord.com/channels/{room.guild.id}/{thread.id}/{bad.id}"
    rec = await room.slash(room.moderator, "mod remove", {"message": link, "reason": "rude"}, channel=room.news)
    assert "removed" in rec.content
    await eventually(room, lambda: _is_removed(room, bad.id), what="removal recorded")

    rec = await room.slash(room.alice, "summarize discussion", channel=thread)
    await room.settled(rec)
    message = rec.messages[-1]
    embed = message.embeds[0]
    assert embed["title"].startswith("What readers are saying")
    body = embed["description"]
    assert f"https://discord.com/channels/{room.guild.id}/{thread.id}/{liked.id}" in body
    assert "tram extension to the airport" in body
    assert "scandal" not in body and str(bad.id) not in body
    assert "evil.example" in body and "](https://evil.example)" not in body  # readers' markdown is shown as text, not as a masked link
    assert f"<@{room.bob.id}>" not in body and "@everyone" not in body
    # The emulator does not model allowed_mentions, so what would ping is checked in the text itself.
    assert "<@" not in (message.content or "") + body


async def _is_removed(room: Newsroom, message_id: int) -> bool:
    return await _status(room, message_id) == "removed"


async def test_summarize_discussion_outside_a_thread_says_where_to_use_it(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    rec = await room.slash(room.alice, "summarize discussion")
    assert rec.ephemeral and "article's thread" in rec.content


def _labels(message: object) -> list[str]:
    found: list[str] = []
    stack = list(getattr(message, "components", []) or [])
    while stack:
        item = stack.pop()
        if item.get("label"):
            found.append(item["label"])
        stack.extend(item.get("components") or [])
    return found


async def test_discussion_button_appears_past_the_threshold_and_works_after_restart(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start(DISCUSSION_BUTTON_COMMENTS="2")
    loop = room.client.get_cog("SummarizeCog").discussion_buttons.background  # type: ignore[union-attr]
    await emu.wait_for(lambda: loop.steps >= 1, 10, what="the first pass (it only takes its mark)")
    thread, post = await story_thread(room)
    await room.slash(room.moderator, "mod slowmode", {"seconds": 0}, channel=thread)
    first = emu.send(room.alice, thread, "The airport tram is the best part of this transit plan.")
    second = emu.send(room.bob, thread, "Bus drivers are missing from the transit budget.")
    await eventually(room, lambda: _status(room, second.id), what="two comments recorded")
    steps = loop.steps
    loop.wake()
    await emu.wait_for(lambda: loop.steps > steps, 10, what="a pass over two comments")
    assert _labels(post) == ["Summarize"]  # two comments are not more than two

    third = emu.send(room.alice, thread, "The tram to the airport will cut the commute.", reply_to=first)
    await eventually(room, lambda: _status(room, third.id), what="third comment recorded")
    loop.wake()
    await emu.wait_for(lambda: "Summarize discussion" in _labels(post), 10, what="the discussion button")
    assert "Summarize" in _labels(post)

    await room.restart(DISCUSSION_BUTTON_COMMENTS="2")
    rec = await emu.press_button(room.bob, post, label="Summarize discussion")
    await room.settled(rec)
    assert rec.ephemeral
    body = rec.messages[-1].embeds[0]["description"]
    assert f"/{thread.id}/{first.id}" in body or f"/{thread.id}/{third.id}" in body
