"""ModerationService rules on both engines (SQLite, PostgreSQL): mute expiry vs newer mutes, approving, filters on edits."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest

from bot.comments.filters import FilterHit, check_filters, too_slow
from bot.comments.recorder import Verdict
from bot.moderation import actions
from bot.moderation.actions import entry_text
from bot.moderation.service import ModerationError
from bot.storage.moderation import ModerationAction, ModerationStore, WordFilter
from tests.hang_guard import finishes
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


async def test_a_backtracking_regex_filter_is_refused_when_added(env: Env) -> None:
    # `(a+)+$` takes Python's re seconds on 30 a's and years on a comment of 2,000: it would stall the bot.
    with pytest.raises(ModerationError, match="too slow on some comments"):
        await env.moderation.add_filter(guild_id=GUILD, pattern="(a+)+$", is_regex=True, action="remove",
                                        moderator_id=9)
    with pytest.raises(ModerationError, match="not a valid regular expression"):
        await env.moderation.add_filter(guild_id=GUILD, pattern="(unclosed", is_regex=True, action="remove",
                                        moderator_id=9)
    await env.moderation.add_filter(guild_id=GUILD, pattern=r"buy\s+now", is_regex=True, action="remove",
                                    moderator_id=9)
    assert (await env.recorder.on_message(msg(1001, content="BUY  now!"))).verdict is Verdict.REMOVE_FILTERED


def test_a_filter_that_backtracks_on_one_comment_gives_up_on_it() -> None:
    # Passes the check when added (no long run of x in the baits), explodes on this comment: 2^40 paths.
    slow = WordFilter(id=1, guild_id=GUILD, pattern="(x+x+)+y", is_regex=True, action="remove")
    plain = WordFilter(id=2, guild_id=GUILD, pattern="spam", is_regex=False, action="flag")
    assert not too_slow(slow.compiled())
    filters = [(slow, slow.compiled()), (plain, plain.compiled())]
    assert finishes(check_filters, "x" * 40, filters) is None
    assert finishes(check_filters, "x" * 40 + " spam", filters) == FilterHit("spam", "flag")


async def test_every_action_reaches_the_mod_log_subscribers_even_if_one_fails(env: Env) -> None:
    # One call records an action and publishes it: moderators' and the bot's own alike. A subscriber that
    # fails (a mod-log channel gone) costs only its own post.
    seen: list[ModerationAction] = []

    async def broken(entry: ModerationAction) -> None:
        raise RuntimeError("channel gone")

    async def collect(entry: ModerationAction) -> None:
        seen.append(entry)

    env.moderation.on_record(broken)
    env.moderation.on_record(collect)
    await env.moderation.add_filter(guild_id=GUILD, pattern="idiot", is_regex=False, action="remove", moderator_id=9)
    decision = await env.recorder.on_message(msg(1001, content="you idiot"))
    assert decision.verdict is Verdict.REMOVE_FILTERED
    await env.moderation.removed(guild_id=GUILD, moderator_id=BOT, message_id=1001, reason=decision.reason or "")
    await env.moderation.mute(guild_id=GUILD, user_id=8, moderator_id=9, seconds=1, reason="heated")
    muted = await env.recorder.on_message(msg(1002, author=8))
    assert muted.reason == "the author is muted in article comments" and muted.to_author == (
        "you are muted in article comments")
    await env.moderation.expire_mute(guild_id=GUILD, user_id=8, moderator_id=BOT, now=time.time() + 5)
    env.moderation.forget_sink(collect)
    await env.moderation.remove_filter(guild_id=GUILD, pattern="idiot", moderator_id=9)
    assert [(e.action, e.moderator_id) for e in seen] == [("filter_add", 9), ("remove", BOT), ("mute", 9),
                                                          ("unmute", BOT)]
    assert [e.id for e in seen] == [a.id for a in reversed(await env.moderation.history(GUILD))][:4]
    assert seen[1].article_id == env.article_id and seen[1].target_user_id == 7


def _entry(action: str, **fields: Any) -> ModerationAction:
    return replace(ModerationAction(id=1, guild_id=GUILD, moderator_id=9, action=action, target_user_id=7,
                                    target_message_id=None, target_thread_id=THREAD, article_id=None, reason=None,
                                    details={}, created_at=1000.0, expires_at=None), **fields)


def test_mod_log_entries_read_as_one_sentence_with_a_past_tense_verb() -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        (actions.LOCK, {}), (actions.UNLOCK, {}), (actions.REOPEN, {}),
        (actions.CLOSE, {"moderator_id": BOT, "details": {"automatic": True}}),
        (actions.SLOWMODE, {"details": {"seconds": 90}}), (actions.REMOVE, {"reason": "the author is muted"}),
        (actions.APPROVE, {}), (actions.PURGE, {"details": {"count": 1}}),
        (actions.MUTE, {"expires_at": 1000.0 + 7200}), (actions.UNMUTE, {"moderator_id": 0}),
        (actions.FILTER_ADD, {"details": {"pattern": "x", "action": "flag", "regex": True}}),
        (actions.FILTER_REMOVE, {"details": {"pattern": "x"}}),
    ]
    lines = {name: entry_text(_entry(name, **extra), bot_user_id=BOT) for name, extra in cases}
    assert lines[actions.LOCK] == f"<@9> **locked** <#{THREAD}>"
    assert lines[actions.CLOSE] == f"Newsdesk **closed** <#{THREAD}> automatically"
    assert lines[actions.SLOWMODE] == f"<@9> **set slowmode** to 1m30s in <#{THREAD}>"
    assert lines[actions.REMOVE] == f"<@9> **removed** a comment by <@7> in <#{THREAD}> — reason: the author is muted"
    assert lines[actions.PURGE] == "<@9> **purged** 1 comment by <@7>"
    assert lines[actions.MUTE] == "<@9> **muted** <@7> for 2h, until <t:8200:f>"
    assert lines[actions.UNMUTE] == "Newsdesk **unmuted** <@7>"  # records from before the bot's id was used
    assert lines[actions.FILTER_ADD] == "<@9> **added the filter** `x` → flag (regex)"
    verbs = {line.split("**")[1].split()[0] for line in lines.values()}
    assert verbs == {"locked", "unlocked", "reopened", "closed", "set", "removed", "approved", "purged",
                     "muted", "unmuted", "added"}, verbs
    pinging = entry_text(_entry(actions.LOCK, reason="@everyone look"), bot_user_id=BOT)
    assert "@everyone" not in pinging
