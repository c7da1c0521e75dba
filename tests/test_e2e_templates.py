"""Story templates with the real bot: `/feed template` previews a template against the feed's latest story
and saves it only on Save; new stories are then posted as plain text or as a Components V2 card (the
emulator checks the card as Discord does), edits keep the style, and a reset brings today's embed back."""

from __future__ import annotations

from typing import Any

from emulator.components import IS_COMPONENTS_V2
from emulator.model import Message
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


async def _follow(room: Newsroom) -> str:
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.news})
    assert "Following **Loopback News**" in rec.content, rec.content
    choices = await room.emu.autocomplete(room.admin, room.news, "feed template", {"feed": ""}, "feed")
    return str(choices[0]["value"])


async def _stored(room: Newsroom) -> tuple[str | None, str]:
    sub = (await room.svc.feed_subscriptions.for_guild(room.guild.id))[0][0]
    return sub.template, sub.card_style


def _walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        out.append(item)
        out += _walk(item.get("components") or [])
        if isinstance(item.get("accessory"), dict):
            out.append(item["accessory"])
    return out


def _texts(message: Message) -> str:
    return "\n".join(c["content"] for c in _walk(message.components) if c.get("type") == 10)


async def test_a_plain_text_template_written_in_the_form_is_previewed_saved_and_used(newsroom: Newsroom) -> None:
    room = newsroom
    room.feeds.add("seen", "Council approves the harbour budget", published=1_796_549_400.0)  # 09:30 UTC
    await room.start()
    feed = await _follow(room)
    await room.slash(room.admin, "settings set", {"time_zone": "Europe/Paris", "time_format": "%H:%M"})

    opened = await room.emu.run_slash_command(room.admin, room.news, "feed template", {"feed": feed, "style": "text"})
    assert opened.modal is not None  # no template given: the form, prefilled with the style's starter
    template = "📰 **{title}**\n{excerpt:45}\n{published} · {outlet} @everyone\n{link}"
    answered = await room.emu.submit_modal(room.admin, opened, {"template": template})
    await room.emu.wait_for(lambda: answered.followups, what="the preview")
    question, preview = answered.original, answered.followups[0]
    assert question is not None and answered.ephemeral and preview.is_ephemeral
    assert "**Preview** of plain text, made from the feed's latest story" in question.content
    assert preview.content == ("📰 **Council approves the harbour budget**\nCouncil approves the harbour budget. More…\n"
                               f"10:30 · Loopback News @\u200beveryone\n{room.feeds.base}/articles/seen")
    assert not preview.embeds
    assert await _stored(room) == (None, "embed")  # a preview saves nothing
    stranger = await room.emu.press_button(room.alice, question, label="Save")
    assert stranger.content == "Only the person who asked can confirm this." and stranger.ephemeral
    assert await _stored(room) == (None, "embed")

    saved = await room.emu.press_button(room.admin, question, label="Save")
    assert saved.original is not None and "Saved: new stories of this feed are posted as plain text" in \
        saved.original.content
    assert await _stored(room) == (template, "text")

    room.feeds.add("new", "Ferry timetable changes on Monday", published=1_796_560_200.0)  # 12:30 UTC
    assert (await room.publish_pass())[0] == 1
    [post] = room.emu.bot_messages(room.news)
    assert post.content.startswith("📰 **Ferry timetable changes on Monday**\n")
    assert "13:30 · Loopback News @\u200beveryone" in post.content and post.content.endswith("/articles/new")
    assert not post.embeds and post.thread_id is not None
    assert any(c.get("custom_id", "").startswith("newsdesk:summarize:") for c in _walk(post.components))

    room.feeds.change("new", title="Ferry timetable changes on Tuesday")
    assert await room.publish_pass() == (0, 1)
    assert room.emu.bot_messages(room.news)[0].content.startswith("📰 **Ferry timetable changes on Tuesday**")


async def test_a_components_v2_card_cancel_then_save_post_edit_and_reset(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    feed = await _follow(room)
    line = "### [{title}]({link})\\n{excerpt:80}\\n-# {outlet} · {tags|\"no tags\"}"
    first = await room.slash(room.admin, "feed template", {"feed": feed, "style": "card", "template": line})
    await room.emu.wait_for(lambda: first.followups, what="the preview")
    question, preview = first.original, first.followups[0]
    assert question is not None and "made from a sample story" in question.content
    assert preview.flags & IS_COMPONENTS_V2 and preview.content == "" and not preview.embeds
    [container] = preview.components
    assert container["type"] == 17
    assert [c["type"] for c in container["components"]] == [10, 12]  # the sample has an image: a gallery
    assert _texts(preview).startswith("### [Harbour bridge reopens after a year of repairs](https://news.example/")

    cancelled = await room.emu.press_button(room.admin, question, label="Cancel")
    assert cancelled.original is not None and "nothing was changed" in cancelled.original.content
    assert await _stored(room) == (None, "embed")

    again = await room.slash(room.admin, "feed template", {"feed": feed, "style": "card", "template": line})
    await room.emu.press_button(room.admin, again.original, label="Save")  # type: ignore[arg-type]
    assert await _stored(room) == (line, "card")

    room.feeds.add("storm", "Storm closes the coast road")
    assert (await room.publish_pass())[0] == 1
    [post] = room.emu.bot_messages(room.news)
    assert post.flags & IS_COMPONENTS_V2 and post.content == "" and not post.embeds
    kinds = [c["type"] for c in _walk(post.components)]
    assert kinds[0] == 17 and 10 in kinds and 1 in kinds and 2 in kinds  # container, text, Summarize row
    assert _texts(post) == (f"### [Storm closes the coast road]({room.feeds.base}/articles/storm)\n"
                            "Storm closes the coast road. More details follow.\n-# Loopback News · no tags")
    assert post.thread_id is not None

    room.feeds.change("storm", description="The road reopens at noon.")
    assert await room.publish_pass() == (0, 1)
    edited = room.emu.bot_messages(room.news)[0]
    assert edited.flags & IS_COMPONENTS_V2 and "The road reopens at noon." in _texts(edited)

    reset = await room.slash(room.admin, "feed template", {"feed": feed, "reset": True})
    await room.emu.wait_for(lambda: reset.followups, what="the preview")
    assert reset.followups[0].embeds and not reset.followups[0].flags & IS_COMPONENTS_V2
    await room.emu.press_button(room.admin, reset.original, label="Save")  # type: ignore[arg-type]
    assert await _stored(room) == (None, "embed")
    room.feeds.add("calm", "Calm returns to the coast")
    assert (await room.publish_pass())[0] == 1
    newest = room.emu.bot_messages(room.news)[-1]
    assert newest.embeds and newest.embeds[0]["title"] == "Calm returns to the coast"
    assert not newest.flags & IS_COMPONENTS_V2


async def test_a_bad_template_gets_one_clear_line_and_nothing_is_saved(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    feed = await _follow(room)
    rec = await room.slash(room.admin, "feed template", {"feed": feed, "style": "text", "template": "Hi {titel"})
    answer = rec.original.content if rec.original else rec.content
    assert "Not saved: the `{` at character 4 is never closed" in answer
    opened = await room.emu.run_slash_command(room.admin, room.news, "feed template", {"feed": feed})
    answered = await room.emu.submit_modal(room.admin, opened, {"template": "{headline}"})
    assert answered.original is not None
    assert "there is no field `headline`" in answered.original.content and not answered.original.components
    assert await _stored(room) == (None, "embed")


async def test_a_compact_card_in_a_forum_with_the_role_mention_first(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    readers = room.emu.create_role(room.guild, "Readers")
    rec = await room.slash(room.admin, "feed add", {"url": room.feeds.feed_url, "channel": room.forum,
                                                    "mention": readers})
    assert "forum mode" in rec.content
    choices = await room.emu.autocomplete(room.admin, room.news, "feed template", {"feed": ""}, "feed")
    saved = await room.slash(room.admin, "feed template", {"feed": choices[0]["value"], "style": "compact"})
    assert saved.modal is not None
    answered = await room.emu.submit_modal(room.admin, saved, {"template": "**{title}**\n{excerpt:60}"})
    await room.emu.wait_for(lambda: answered.followups, what="the preview")
    await room.emu.press_button(room.admin, answered.original, label="Save")  # type: ignore[arg-type]
    room.feeds.add("f", "A forum story told as a card")
    assert (await room.publish_pass())[0] == 1
    [post] = room.emu.threads(room.forum)
    assert post.name == "A forum story told as a card"
    [starter] = room.emu.bot_messages(post)
    assert starter.flags & IS_COMPONENTS_V2 and starter.content == ""
    assert starter.components[0] == {"type": 10, "content": f"<@&{readers.id}>", "id": 1}
    assert _texts(starter).endswith("**A forum story told as a card**\nA forum story told as a card. More details follow.")


async def test_summary_is_newsdesks_summary_of_the_article(newsroom: Newsroom) -> None:
    room = newsroom
    text = ("The harbour bridge reopened to traffic on Saturday after a year of repairs. The city said the work "
            "came in under budget. Ferries that replaced the crossing will stop running next week. Cyclists get "
            "a separate lane for the first time. The mayor cut the ribbon at dawn.")
    room.feeds.add("bridge", "Harbour bridge reopens", text)
    await room.start()
    feed = await _follow(room)
    rec = await room.slash(room.admin, "feed template",
                           {"feed": feed, "style": "text", "template": "{summary|\"no summary\"}"})
    await room.emu.wait_for(lambda: rec.followups, what="the preview")
    summary = rec.followups[0].content
    # Whole sentences of the article, fewer than it has: a summary, not the teaser.
    assert summary.startswith("The harbour bridge reopened to traffic on Saturday"), summary
    assert summary != text and all(sentence in text for sentence in summary.split(". ")), summary


async def test_plain_and_card_posts_sent_before_a_crash_are_found_again_not_repeated(newsroom: Newsroom) -> None:
    room, emu = newsroom, newsroom.emu
    await room.start()
    feed = await _follow(room)
    thread_route = "POST /channels/{channel_id}/messages/{message_id}/threads"
    for n, (style, template) in enumerate((("text", "{title}\\n{link}"), ("card", "[{title}]({link})"))):
        rec = await room.slash(room.admin, "feed template", {"feed": feed, "style": style, "template": template})
        await emu.press_button(room.admin, rec.original, label="Save")  # type: ignore[arg-type]
        # Sent, then the thread refused: the reservation stays pending. Long enough ago that Discord's nonce
        # check no longer covers a retry, only the channel's history can tell that the story was sent.
        emu.faults.fail(thread_route, status=403, times=1)
        room.feeds.add(f"s{n}", f"A {style} story sent before a crash")
        await room.publish_pass()
        sent = emu.bot_messages(room.news)[-1]
        assert len(emu.bot_messages(room.news)) == n + 1 and sent.thread_id is None
        sent.nonce = None  # Discord's nonce window has passed
        await room.svc.stores.db.execute("UPDATE posts SET created_at = created_at - 600")
        await room.slash(room.admin, "feed resume", {"feed": feed})
        await room.publish_pass()
        assert len(emu.bot_messages(room.news)) == n + 1, f"the {style} story was posted twice"
        assert sent.thread_id is not None


async def test_a_card_story_lists_the_other_outlets_that_report_it(newsroom: Newsroom) -> None:
    room = newsroom
    room.feeds.title = "Daily Courier"
    evening = await room.another_feed("Evening Post")
    await room.start()
    for outlet in (room.feeds, evening):
        await room.svc.feed_subscriptions.subscribe(outlet.feed_url, guild_id=room.guild.id, channel_id=room.news.id)
    for sub, _ in await room.svc.feed_subscriptions.for_guild(room.guild.id):
        await room.svc.story_templates.save(sub.id, style="card", template="**{title}**")
    room.feeds.add("buses", "Council approves five night bus routes for the city centre",
                   "The city council approved five night bus routes on Tuesday; the buses start running in March.",
                   published=1_764_000_000.0)
    assert (await room.publish_pass())[0] == 1
    second = evening.add("night-buses", "City council backs five new night bus routes from March",
                         "Five night bus routes will run from March after the city council approved them on Tuesday.",
                         published=1_764_000_600.0)
    await room.publish_pass()
    [story] = room.emu.bot_messages(room.news)  # one post: the second report joined it
    assert story.flags & IS_COMPONENTS_V2
    assert _texts(story).endswith(f"**Also reported by**\n[Evening Post]({second})")


async def test_every_placeholder_in_a_preview_of_the_sample_story(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    feed = await _follow(room)  # the feed has no stored story yet: the preview uses the sample
    await room.slash(room.admin, "settings set", {"time_zone": "Asia/Tokyo"})
    every = ("{title}|{link}|{url}|{summary|\"-\"}|{excerpt:30}|{author}|{outlet}|{published}|{published_relative}|"
             "{image}|{tags}|{keywords}")
    rec = await room.slash(room.admin, "feed template", {"feed": feed, "style": "text", "template": every})
    await room.emu.wait_for(lambda: rec.followups, what="the preview")
    assert rec.followups[0].content == (
        "Harbour bridge reopens after a year of repairs|https://news.example/2026/12/06/harbour-bridge-reopens|"
        "https://news.example/2026/12/06/harbour-bridge-reopens|-|The bridge carries its first…|Sam Reporter|"
        "Loopback News|06 Dec 2026, 18:30 JST|<t:1796549400:R>|https://news.example/images/bridge.jpg|"
        "Local, Transport|bridge, repairs, Harbour, reopens, carries")
