"""/summarize article, the Summarize menu and button, and summaries in new threads — end to end."""

from __future__ import annotations

from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]

BODY = ("The city council approved a new transit plan on Tuesday after months of debate. "
        "The plan adds twelve bus routes and extends the tram line to the airport. "
        "Critics say the budget is too small to deliver the promised service.")


async def posted_story(room: Newsroom, summary: bool = False) -> None:
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news, "summary": summary})
    room.feeds.add("transit", "Council approves transit plan", BODY)
    assert (await room.publish_pass())[0] == 1


async def test_thread_gets_summary_and_slash_summarize_in_thread(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    await posted_story(room, summary=True)
    [thread] = room.emu.threads(room.news)
    first = await room.emu.wait_for_message(thread, lambda m: m.author.bot)
    assert first.content.startswith("**Summary**") and "transit" in first.content

    rec = await room.slash(room.alice, "summarize article", {"bullets": True}, channel=thread)
    embed = rec.messages[-1].embeds[0]
    assert embed["url"].endswith("/articles/transit") and "Reduced by" in embed["footer"]["text"]
    assert embed["description"].startswith("•")


async def test_summarize_button_works_after_restart_and_is_private(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    await posted_story(room)
    [post] = room.emu.bot_messages(room.news)
    await room.restart()
    rec = await room.emu.press_button(room.bob, post, label="Summarize")
    await room.settled(rec)
    assert rec.ephemeral and "Reduced by" in rec.messages[-1].embeds[0]["footer"]["text"]
    assert rec.visible_to(room.alice) == []


async def test_summarize_url_and_message_menu(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    room.feeds.add("other", "Unposted story about rivers", BODY)
    url = room.feeds.base + "/articles/other"
    rec = await room.slash(room.alice, "summarize article", {"url": url})
    assert "council" in rec.messages[-1].embeds[0]["description"].lower()
    message = room.emu.send(room.alice, room.news, f"Look at this {url} !")
    rec = await room.emu.use_message_command(room.bob, message, "Summarize")
    await room.settled(rec)
    assert rec.ephemeral and rec.messages[-1].embeds[0]["url"] == url


async def test_summarize_errors_are_private_and_helpful(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    rec = await room.slash(room.alice, "summarize article")
    assert rec.ephemeral and "article's thread" in rec.content
    rec = await room.slash(room.alice, "summarize article", {"url": room.feeds.base + "/articles/missing"})
    assert "could not read" in rec.content and rec.ephemeral is not None
    rec = await room.slash(room.alice, "summarize article", {"url": "not a link"})
    assert "does not look like a link" in rec.content


async def test_summary_of_a_story_with_a_long_markdown_title_fits_discord(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    title = "Live (updates): *the* council_vote " * 8  # ~290 characters, many of them escaped for Discord
    room.feeds.add("long", title, BODY)
    assert (await room.publish_pass())[0] == 1
    [thread] = room.emu.threads(room.news)
    rec = await room.slash(room.alice, "summarize article", channel=thread)
    [embed] = rec.messages[-1].embeds
    assert len(embed["title"]) <= 256 and embed["title"].startswith("Live \\(updates\\)")


async def test_feed_summary_off_wins_over_the_server_default(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    await room.slash(room.admin, "settings set", {"auto_summary": True})
    await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    choices = await emu.autocomplete(room.admin, room.news, "feed edit", {"feed": ""}, "feed")
    rec = await room.slash(room.admin, "feed edit", {"feed": choices[0]["value"], "summary": False})
    assert rec.content == "Saved."
    room.feeds.add("quiet", "Council approves transit plan", BODY)
    assert (await room.publish_pass())[0] == 1
    [thread] = emu.threads(room.news)
    assert emu.bot_messages(thread) == []  # this feed's summaries were turned off

    # Changing the server's setting applies it to the feeds already followed.
    rec = await room.slash(room.admin, "settings set", {"auto_summary": True})
    assert "Saved." in rec.content
    room.feeds.add("loud", "Council approves bike lanes", BODY)
    assert (await room.publish_pass())[0] == 1
    second = next(t for t in emu.threads(room.news) if t.id != thread.id)
    first = await emu.wait_for_message(second, lambda m: m.author.bot)
    assert first.content.startswith("**Summary**")
