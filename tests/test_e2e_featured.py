"""Featured comments end to end through the emulator: /mod feature and the "Feature comment" menu pin a
comment, list it under the story's post (kept by a later edit of the story, and after a restart) and in the
daily digest; /mod unfeature reverses it. Also /mod user export:true."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from emulator.model import Message
from tests.comments_support import db_rows, eventually, story_thread
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


def featured_field(post: Message) -> str | None:
    fields: list[dict[str, Any]] = post.embeds[0].get("fields") or []
    return next((f["value"] for f in fields if f["name"] == "Featured"), None)


async def test_feature_and_unfeature_pin_edit_the_post_and_reach_the_digest(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, post = await story_thread(room)
    good = emu.send(room.bob, thread, "A sharp point about the <@&1> budget, @everyone should read the plan")
    other = emu.send(room.alice, thread, "Another fine comment on the buses")
    await eventually(room, lambda: room.svc.comments.get(other.id), what="comments recorded")
    link = f"https://discord.com/channels/{room.guild.id}/{thread.id}/{good.id}"

    rec = await room.slash(room.moderator, "mod feature", {"message": link}, channel=thread)
    assert rec.ephemeral and "Featured: pinned" in rec.content, rec.content
    assert good.pinned
    await room.publish_pass()  # the feature woke the publisher; a pass of our own makes sure it ran
    await emu.wait_for(lambda: featured_field(post), 10, what="the Featured field on the post")
    line = featured_field(post)
    assert line is not None and "— bob" in line and "sharp point" in line
    assert "<@&1>" not in line and "@everyone" not in line  # quoted, not pinging
    again = await room.slash(room.moderator, "mod feature", {"message": link}, channel=thread)
    assert "featured already" in again.content

    # The message menu; a reader does not have it.
    menu = await emu.use_message_command(room.moderator, other, "Feature comment")
    await room.settled(menu)
    assert "Featured" in menu.content and other.pinned
    try:
        await emu.use_message_command(room.alice, good, "Feature comment")
    except PermissionError:
        pass
    else:
        raise AssertionError("a reader could feature a comment")

    # A later edit of the story (the article changed) keeps the featured lines.
    room.feeds.change("transit", description="The council approved the plan on Tuesday, with changes.")
    await room.publish_pass()
    await emu.wait_for(lambda: "Another fine comment" in (featured_field(post) or ""), 10,
                       what="both featured comments on the post")

    # The digest of the day lists the featured comments.
    await room.svc.stores.db.execute("UPDATE featured_comments SET featured_at = featured_at - 3600")
    due = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%H:%M")
    await room.slash(room.admin, "settings set", {"digest_channel": room.admin_channel, "digest_time": due})
    await room.client.digest.post_due_digests()  # type: ignore[union-attr]
    digest = await emu.wait_for_message(room.admin_channel, lambda m: "Daily digest" in m.content)
    assert "**Featured comments**" in digest.content and "sharp point" in digest.content
    assert f"<#{thread.id}>" in digest.content and "<@&1>" not in digest.content

    # Unfeature: unpinned, dropped from the post (also after a restart: the list is stored).
    await room.restart()
    rec = await room.slash(room.moderator, "mod unfeature", {"message": link}, channel=thread)
    assert "No longer featured" in rec.content and not good.pinned
    await room.publish_pass()
    await emu.wait_for(lambda: "sharp point" not in (featured_field(post) or ""), 10, what="the post edited")
    assert "Another fine comment" in (featured_field(post) or "")
    nothing = await room.slash(room.moderator, "mod unfeature", {"message": link}, channel=thread)
    assert "not featured" in nothing.content
    logged = [r["action"] for r in await db_rows(room, "SELECT action FROM moderation_actions ORDER BY id")]
    assert [a for a in logged if "feature" in a] == ["feature", "feature", "unfeature"]

    # A featured comment removed by a moderator leaves the post at the next pass.
    other_link = f"https://discord.com/channels/{room.guild.id}/{thread.id}/{other.id}"
    await room.slash(room.moderator, "mod remove", {"message": other_link, "reason": "off topic"}, channel=thread)
    await room.publish_pass()
    await emu.wait_for(lambda: featured_field(post) is None, 10, what="the removed comment dropped from the post")

    # The member history export lists it, with ids as strings and UTC times.
    rec = await room.slash(room.moderator, "mod user", {"member": room.bob, "export": True}, channel=thread)
    [attachment] = rec.messages[-1].attachments
    data = json.loads(room.emu.files[int(attachment["id"])][0])
    assert data["user_id"] == str(room.bob.id) and data["comments"][0]["message_id"] == str(good.id)
    assert data["comments"][0]["created_at"].endswith("Z")
    assert [a["action"] for a in data["actions"]][:2] == ["unfeature", "feature"]
