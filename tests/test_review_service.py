"""CommentReview rules on both engines (SQLite, PostgreSQL): which rejections count towards an automatic hold, a stale hold
expiry, pre-moderation counting what stood, the fast path's hand-off, and one re-post when two approve."""

from __future__ import annotations

import time

from bot.comments.recorder import MUTED_REASON, Verdict
from bot.moderation.review import CommentReview
from bot.storage.guilds import GuildSettingsStore
from bot.storage.reports import ReviewStore
from tests.test_comments_domain import BOT, GUILD, Env, env, msg

__all__ = ["env"]


async def review_of(env: Env, **settings: int | None) -> CommentReview:
    guilds = GuildSettingsStore(env.db)
    if settings:
        await guilds.update(GUILD, **settings)
    review = CommentReview(store=ReviewStore(env.db), comments=env.comments, recorder=env.recorder,
                           moderation=env.moderation, guild_settings=guilds, timers=env.timers)
    await review.load(bot_user_id=BOT)
    return review


async def test_only_moderators_rejections_count_towards_an_automatic_hold(env: Env) -> None:
    await review_of(env, auto_hold_rejected=1, auto_hold_window=4, auto_hold_hours=1)
    for mid in (1001, 1002, 1003):
        await env.recorder.on_message(msg(mid, author=7))
    # Removals while muted are not rejections of what was said: no hold.
    await env.moderation.removed(guild_id=GUILD, moderator_id=BOT, message_id=1001, reason=MUTED_REASON)
    await env.moderation.removed(guild_id=GUILD, moderator_id=9, message_id=1002, reason="rude")
    assert (await env.recorder.on_message(msg(1004, author=7))).verdict is Verdict.RECORDED
    await env.moderation.removed(guild_id=GUILD, moderator_id=9, message_id=1003, reason="rude again")
    assert (await env.recorder.on_message(msg(1005, author=7))).verdict is Verdict.HOLD
    assert (await env.recorder.on_message(msg(1006, author=8))).verdict is Verdict.RECORDED  # others are not held
    holds = [a for a in await env.moderation.history(GUILD) if a.action == "auto_hold"]
    assert len(holds) == 1 and holds[0].details == {"rejected": 2, "window": 4, "limit": 1, "hours": 1}
    timer = await env.timers.get_key(f"hold:{GUILD}:7")
    assert timer is not None and 3500 < timer.due_at - time.time() <= 3600


async def test_a_stale_expiry_does_not_lift_a_hold_that_is_not_over(env: Env) -> None:
    review = await review_of(env)
    await ReviewStore(env.db).hold_member(GUILD, 7, reason="test", at=time.time(), expires_at=time.time() + 3600)
    await review.load(bot_user_id=BOT)
    assert not await review.expire_hold(guild_id=GUILD, user_id=7, now=time.time() + 5)
    assert (await env.recorder.on_message(msg(1001, author=7))).verdict is Verdict.HOLD
    assert await review.expire_hold(guild_id=GUILD, user_id=7, now=time.time() + 3601)
    assert (await env.recorder.on_message(msg(1002, author=7))).verdict is Verdict.RECORDED


async def test_premoderation_counts_what_stood_and_hands_new_members_to_the_slow_path(env: Env) -> None:
    await env.recorder.on_message(msg(1001, author=8))  # before pre-moderation: it stood
    review = await review_of(env, premod_first=2)
    await env.comments.flush()
    assert env.recorder.may_act_on(GUILD, 9999)  # a new member's comment needs acting on
    assert env.recorder.may_act_on(GUILD, 8)  # one of two stood: still held
    assert (await env.recorder.on_message(msg(1002, author=8))).verdict is Verdict.HOLD
    notice = await review.held(guild_id=GUILD, message_id=1002, kind="new_member")
    assert notice is not None and "read by a moderator" in notice
    assert (await env.recorder.on_message(msg(1003, author=8))).verdict is Verdict.HOLD
    assert await review.held(guild_id=GUILD, message_id=1003, kind="new_member") is None  # told once
    item = await review.item(GUILD, 1002)
    assert item is not None and item.held is not None
    # Two moderators approve at once: one claim wins, so the comment is posted again once.
    assert await review.claim_approval(item) and not await review.claim_approval(item)
    await review.approved_held(item=item, moderator_id=9, repost_id=5555)
    assert not env.recorder.may_act_on(GUILD, 8)  # two stood: the fast path takes their comments again
    assert (await env.recorder.on_message(msg(1004, author=8))).verdict is Verdict.RECORDED
    assert [i.comment.message_id for i in await review.queue(GUILD)] == [1003]
