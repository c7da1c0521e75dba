"""Moderation service defects found in review, on real SQLite files (fixture from test_comments_domain)."""

from __future__ import annotations

import time

from bot.comments.recorder import Verdict
from tests.test_comments_domain import GUILD, Env, env, msg

__all__ = ["env"]


async def test_a_stale_expiry_does_not_lift_a_newer_mute(env: Env) -> None:
    # The timer runner reads a batch of due timers, then runs their handlers one after another; a
    # moderator can re-mute the user (a longer mute, same timer key) before the old expiry is handled.
    await env.moderation.mute(guild_id=GUILD, user_id=7, moderator_id=9, seconds=1, reason="short")
    await env.moderation.mute(guild_id=GUILD, user_id=7, moderator_id=9, seconds=3600, reason="longer")
    assert not await env.moderation.expire_mute(guild_id=GUILD, user_id=7, now=time.time() + 5)
    assert (await env.recorder.on_message(msg(1001))).verdict is Verdict.REMOVE_MUTED
    timer = await env.timers.get_key(f"mute:{GUILD}:7")
    assert timer is not None and timer.due_at > time.time() + 3000
    # When it really is over, the expiry lifts it.
    assert await env.moderation.expire_mute(guild_id=GUILD, user_id=7, now=time.time() + 3601)
    assert (await env.recorder.on_message(msg(1002))).verdict is Verdict.RECORDED
    assert await env.timers.get_key(f"mute:{GUILD}:7") is None
