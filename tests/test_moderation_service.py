"""ModerationService rules on real SQLite files: mute expiry vs newer mutes, approving, filters on edits."""

from __future__ import annotations

import time

from bot.comments.recorder import Verdict
from bot.storage.moderation import ModerationStore
from tests.test_comments_domain import BOT, GUILD, THREAD, Env, env, msg

__all__ = ["env"]


async def test_a_stale_expiry_does_not_lift_a_newer_mute(env: Env) -> None:
    # The timer runner reads a batch of due timers, then runs their handlers one after another; a
    # moderator can re-mute the user (a longer mute, same timer key) before the old expiry is handled.
    await env.moderation.mute(guild_id=GUILD, user_id=7, moderator_id=9, seconds=1, reason="short")
    await env.moderation.mute(guild_id=GUILD, user_id=7, moderator_id=9, seconds=3600, reason="longer")
    assert not await env.moderation.expire_mute(guild_id=GUILD, user_id=7, moderator_id=BOT, now=time.time() + 5)
    assert (await env.recorder.on_message(msg(1001))).verdict is Verdict.REMOVE_MUTED
    timer = await env.timers.get_key(f"mute:{GUILD}:7")
    assert timer is not None and timer.due_at > time.time() + 3000
    # When it really is over, the expiry lifts it.
    assert await env.moderation.expire_mute(guild_id=GUILD, user_id=7, moderator_id=BOT, now=time.time() + 3601)
    assert (await env.recorder.on_message(msg(1002))).verdict is Verdict.RECORDED
    assert await env.timers.get_key(f"mute:{GUILD}:7") is None


async def test_approving_a_comment_removed_meanwhile_keeps_it_removed(env: Env) -> None:
    # A review card stays open for minutes; another moderator may remove the comment in between.
    await env.moderation.add_filter(guild_id=GUILD, pattern="spoiler", is_regex=False, action="flag", moderator_id=9)
    assert (await env.recorder.on_message(msg(1001, content="spoiler: he dies"))).verdict is Verdict.FLAGGED
    await env.moderation.removed(guild_id=GUILD, moderator_id=10, message_id=1001, reason="spoiler")
    assert not await env.moderation.approve(guild_id=GUILD, message_id=1001, moderator_id=9)
    comment = await env.comments.get(1001)
    assert comment is not None and comment.status == "removed"
    assert "approve" not in [a.action for a in await ModerationStore(env.db).actions(GUILD)]
    # A flagged one is approved, and the log says whose comment it was.
    await env.recorder.on_message(msg(1002, author=8, content="spoiler alert"))
    assert await env.moderation.approve(guild_id=GUILD, message_id=1002, moderator_id=9)
    approved = (await ModerationStore(env.db).actions(GUILD))[0]
    assert (approved.action, approved.target_user_id) == ("approve", 8)
    assert not await env.moderation.approve(guild_id=GUILD, message_id=1002, moderator_id=9)


async def test_an_update_that_does_not_change_the_text_does_not_flag_again(env: Env) -> None:
    # Discord sends MESSAGE_UPDATE for link previews and pins too, with the text unchanged: an approved
    # comment must not go back to the review queue (nor a remove filter fire) because of one.
    await env.moderation.add_filter(guild_id=GUILD, pattern="crypto", is_regex=False, action="flag", moderator_id=9)
    assert (await env.recorder.on_message(msg(1001, content="crypto news"))).verdict is Verdict.FLAGGED
    assert await env.moderation.approve(guild_id=GUILD, message_id=1001, moderator_id=9)
    again = await env.recorder.on_edit(guild_id=GUILD, thread_id=THREAD, message_id=1001, content="crypto news",
                                       edited_at=2000.0)
    assert again.verdict is Verdict.RECORDED
    assert await env.moderation.queue(GUILD) == []
    # A real edit is checked again.
    edited = await env.recorder.on_edit(guild_id=GUILD, thread_id=THREAD, message_id=1001,
                                        content="more crypto news", edited_at=2001.0)
    assert edited.verdict is Verdict.FLAGGED
    assert [c.message_id for c in await env.moderation.queue(GUILD)] == [1001]
