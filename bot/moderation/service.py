"""Moderation actions as the domain sees them: what is stored, logged and scheduled for each.

The adapter performs the Discord side (delete a message, lock a thread) and then calls here, so the action
log, the comment records, the mute caches and the persisted timers all agree.

Every action, a moderator's or the bot's own, is logged through `record`, the one way into the mod-log
(like Red's `modlog.create_case`): it stores the entry, then hands it to each subscriber (`on_record`) —
the adapter subscribes the poster that echoes entries to the guild's mod-log channel. Actions the bot
takes by itself (a filter's or a mute's removal, auto-close, a mute's expiry) pass the bot's own user id
as `moderator_id`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import regex

from bot.comments.filters import too_slow
from bot.comments.recorder import CommentRecorder
from bot.moderation import actions
from bot.storage.comments import Comment, CommentStore
from bot.storage.moderation import MemberNote, ModerationAction, ModerationStore, Mute, WordFilter
from bot.storage.threads import ThreadStore
from bot.storage.timers import TimerStore

__all__ = ["AUTO_CLOSE", "MUTE_EXPIRED", "ModerationError", "ModerationService", "PurgePlan", "RecordSink"]

log = logging.getLogger(__name__)

MUTE_EXPIRED = "mute_expired"
AUTO_CLOSE = "auto_close"

RecordSink = Callable[[ModerationAction], Awaitable[None]]


MAX_NOTE = 1000


class ModerationError(ValueError):
    """A moderation request that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class PurgePlan:
    guild_id: int
    user_id: int
    comments: list[Comment]
    article_id: int | None = None
    since: float | None = None

    @property
    def count(self) -> int:
        return len(self.comments)


class ModerationService:
    def __init__(
        self, *, moderation: ModerationStore, comments: CommentStore, timers: TimerStore,
        recorder: CommentRecorder, threads: ThreadStore,
    ) -> None:
        self._moderation = moderation
        self._comments = comments
        self._timers = timers
        self._recorder = recorder
        self._threads = threads
        self._sinks: list[RecordSink] = []

    # --- the mod-log -----------------------------------------------------------------------------

    def on_record(self, sink: RecordSink) -> None:
        """Call `sink` with every entry recorded from now on (the mod-log channel's poster)."""
        self._sinks.append(sink)

    def forget_sink(self, sink: RecordSink) -> None:
        if sink in self._sinks:
            self._sinks.remove(sink)

    async def record(self, *, guild_id: int, moderator_id: int, action: str, reason: str | None = None,
                     target_user_id: int | None = None, target_message_id: int | None = None,
                     target_thread_id: int | None = None, article_id: int | None = None,
                     details: dict[str, Any] | None = None, expires_at: float | None = None) -> ModerationAction:
        """Log one moderation action (`action`: a name from bot.moderation.actions) and publish it.

        A subscriber's failure (the mod-log channel is gone, say) is logged: the action itself is done."""
        if target_thread_id is not None and article_id is None:
            article_id = self._recorder.article_for(target_thread_id)
        entry = await self._moderation.log(
            guild_id=guild_id, moderator_id=moderator_id, action=action, reason=reason,
            target_user_id=target_user_id, target_message_id=target_message_id,
            target_thread_id=target_thread_id, article_id=article_id, details=details, expires_at=expires_at)
        for sink in list(self._sinks):
            try:
                await sink(entry)
            except Exception:
                log.exception("guild %s: could not publish mod-log entry %s", guild_id, entry.id)
        return entry

    async def history(self, guild_id: int, *, user_id: int | None = None, article_id: int | None = None,
                      limit: int = 20) -> list[ModerationAction]:
        """The guild's latest entries, newest first; only those by or about `user_id`, or on one article."""
        return await self._moderation.actions(guild_id, user_id=user_id, article_id=article_id, limit=limit)

    # --- thread state ----------------------------------------------------------------------------

    async def thread_changed(self, *, guild_id: int, moderator_id: int, action: str, thread_id: int,
                             reason: str | None = None, details: dict[str, Any] | None = None,
                             locked: bool | None = None, archived: bool | None = None,
                             slowmode_seconds: int | None = None) -> ModerationAction:
        """Record a thread the adapter just locked, closed, reopened or slowed down, and log it."""
        await self._threads.record_state(thread_id, locked=locked, archived=archived,
                                         slowmode_seconds=slowmode_seconds)
        return await self.record(guild_id=guild_id, moderator_id=moderator_id, action=action, reason=reason,
                                 target_thread_id=thread_id, details=details)

    # --- removal ---------------------------------------------------------------------------------

    async def removed(self, *, guild_id: int, moderator_id: int, message_id: int, reason: str,
                      thread_id: int | None = None) -> Comment | None:
        """Record that a comment was removed (the adapter already deleted it on Discord)."""
        comment = await self._comments.get(message_id)
        await self._comments.mark_removed(message_id, moderator_id, reason, time.time())
        await self.record(
            guild_id=guild_id, moderator_id=moderator_id, action=actions.REMOVE, reason=reason,
            target_message_id=message_id, target_user_id=comment.author_id if comment else None,
            target_thread_id=thread_id or (comment.thread_id if comment else None),
            article_id=comment.article_id if comment else None,
        )
        return comment

    async def plan_purge(self, guild_id: int, user_id: int, *, article_id: int | None = None,
                         since: float | None = None) -> PurgePlan:
        comments = await self._comments.up_by_author(guild_id, user_id, article_id=article_id, since=since)
        return PurgePlan(guild_id, user_id, comments, article_id, since)

    async def purged(self, plan: PurgePlan, *, moderator_id: int) -> int:
        """Record a purge the adapter carried out on Discord: every planned comment removed, one log entry."""
        await self._comments.mark_removed_many([c.message_id for c in plan.comments], moderator_id, "purge",
                                               time.time())
        await self.record(
            guild_id=plan.guild_id, moderator_id=moderator_id, action=actions.PURGE, target_user_id=plan.user_id,
            article_id=plan.article_id,
            details={"count": plan.count, "messages": [c.message_id for c in plan.comments],
                     "article_id": plan.article_id, "since": plan.since})
        return plan.count

    # --- mutes -----------------------------------------------------------------------------------

    async def mute(self, *, guild_id: int, user_id: int, moderator_id: int, seconds: int | None,
                   reason: str | None, action: str = actions.MUTE, details: dict[str, Any] | None = None) -> Mute:
        """Mute a member (for `seconds`, or without an end: a ban, logged as `action`)."""
        expires_at = None if seconds is None else time.time() + seconds
        await self._moderation.mute(guild_id, user_id, muted_by=moderator_id, reason=reason, expires_at=expires_at)
        self._recorder.set_mute(guild_id, user_id, expires_at)
        if expires_at is not None:
            await self._timers.schedule(MUTE_EXPIRED, expires_at, {"guild_id": guild_id, "user_id": user_id},
                                        key=f"mute:{guild_id}:{user_id}")
        mute = await self._moderation.active_mute(guild_id, user_id)
        assert mute is not None
        await self.record(guild_id=guild_id, moderator_id=moderator_id, action=action,
                          target_user_id=user_id, reason=reason, expires_at=expires_at, details=details)
        return mute

    async def unmute(self, *, guild_id: int, user_id: int, moderator_id: int, reason: str | None,
                     action: str = actions.UNMUTE) -> bool:
        """A moderator lifts a mute. False if the user was not muted."""
        existed = await self._moderation.unmute(guild_id, user_id)
        self._recorder.clear_mute(guild_id, user_id)
        await self._timers.cancel_key(f"mute:{guild_id}:{user_id}")
        if existed:
            await self.record(guild_id=guild_id, moderator_id=moderator_id, action=action,
                              target_user_id=user_id, reason=reason)
        return existed

    async def expire_mute(self, *, guild_id: int, user_id: int, moderator_id: int, now: float | None = None) -> bool:
        """A mute's expiry timer fired: lift the mute if it is over (logged as done by `moderator_id`, the bot).

        The timer may be stale: the runner reads due timers in a batch, and a moderator may have muted
        the user again (longer, same timer key) meanwhile. That newer mute, its cache entry and its timer
        stay; only a mute whose own end has passed is lifted."""
        now = time.time() if now is None else now
        if not await self._moderation.unmute_expired(guild_id, user_id, now):
            return False
        self._recorder.clear_mute(guild_id, user_id)
        timer = await self._timers.get_key(f"mute:{guild_id}:{user_id}")
        if timer is not None and timer.due_at <= now:
            await self._timers.cancel(timer.id)
        await self.record(guild_id=guild_id, moderator_id=moderator_id, action=actions.UNMUTE,
                          target_user_id=user_id, reason="the mute expired")
        return True

    # --- filters ---------------------------------------------------------------------------------

    async def add_note(self, *, guild_id: int, user_id: int, author_id: int, text: str) -> MemberNote:
        """A moderator's note about a member, for the other moderators (not a moderation action: not echoed)."""
        text = " ".join(text.split())
        if not text:
            raise ModerationError("A note needs some text.")
        if len(text) > MAX_NOTE:
            raise ModerationError(f"A note is at most {MAX_NOTE} characters.")
        return await self._moderation.add_note(guild_id, user_id, author_id, text, time.time())

    async def notes(self, guild_id: int, user_id: int) -> list[MemberNote]:
        return await self._moderation.notes(guild_id, user_id)

    async def active_mutes(self, guild_id: int) -> list[Mute]:
        """Who is muted in the guild now (the dashboard's list)."""
        return await self._moderation.active_mutes(guild_id, time.time())

    async def active_mute(self, guild_id: int, user_id: int) -> Mute | None:
        return await self._moderation.active_mute(guild_id, user_id)

    async def filters(self, guild_id: int) -> list[WordFilter]:
        return await self._moderation.filters(guild_id)

    async def add_filter(self, *, guild_id: int, pattern: str, is_regex: bool, action: str,
                         moderator_id: int) -> WordFilter:
        pattern = pattern.strip()
        if not pattern or len(pattern) > 200:
            raise ModerationError("a filter pattern must be 1 to 200 characters")
        if is_regex:
            try:
                compiled = regex.compile(pattern, regex.IGNORECASE | regex.V0)
            except regex.error as exc:
                raise ModerationError(f"{pattern!r} is not a valid regular expression: {exc}") from None
            if too_slow(compiled):
                raise ModerationError(f"{pattern!r} is too slow on some comments (it backtracks, like `(a+)+`); "
                                      "write it without nested or overlapping repeats")
        word_filter = await self._moderation.add_filter(guild_id, pattern, is_regex=is_regex, action=action,
                                                        created_by=moderator_id)
        await self._recorder.refresh_filters(guild_id)
        await self.record(guild_id=guild_id, moderator_id=moderator_id, action=actions.FILTER_ADD,
                          details={"pattern": pattern, "action": action, "regex": is_regex})
        return word_filter

    async def remove_filter(self, *, guild_id: int, pattern: str, moderator_id: int) -> bool:
        pattern = pattern.strip()
        removed = await self._moderation.remove_filter(guild_id, pattern)
        await self._recorder.refresh_filters(guild_id)
        if removed:
            await self.record(guild_id=guild_id, moderator_id=moderator_id, action=actions.FILTER_REMOVE,
                              details={"pattern": pattern})
        return removed

    # --- the review queue ------------------------------------------------------------------------

    async def queue(self, guild_id: int, limit: int = 25) -> list[Comment]:
        return await self._comments.flagged(guild_id, limit)

    async def approve(self, *, guild_id: int, message_id: int, moderator_id: int) -> bool:
        """Clear a flagged comment. False if it is not waiting for review any more (removed, deleted,
        already approved) — a review card can sit open while someone else deals with the comment."""
        comment = await self._comments.get(message_id)
        if comment is None or comment.guild_id != guild_id or comment.status != "flagged":
            return False
        await self._comments.set_status(message_id, "visible", only_if="flagged")
        await self.record(guild_id=guild_id, moderator_id=moderator_id, action=actions.APPROVE,
                          target_message_id=message_id, target_user_id=comment.author_id,
                          target_thread_id=comment.thread_id, article_id=comment.article_id)
        return True

    # --- auto-close ------------------------------------------------------------------------------

    async def schedule_auto_close(self, *, guild_id: int, thread_id: int, days: int, start: float | None = None) -> None:
        due = (time.time() if start is None else start) + days * 86400
        await self._timers.schedule(AUTO_CLOSE, due, {"guild_id": guild_id, "thread_id": thread_id},
                                    key=f"close:{thread_id}")

    async def auto_closed(self, *, guild_id: int, thread_id: int, moderator_id: int) -> ModerationAction:
        """The auto-close timer closed a thread (the adapter archived and locked it on Discord)."""
        return await self.thread_changed(guild_id=guild_id, moderator_id=moderator_id, action=actions.CLOSE,
                                         thread_id=thread_id, details={"automatic": True}, locked=True,
                                         archived=True)

    async def replan_auto_close(self, *, guild_id: int, days: int | None) -> int:
        """Apply a changed `auto_close_days` to threads that already exist, not only to new ones.

        Every pending auto-close of the guild is dropped; with `days`, each open thread gets a timer `days`
        after its creation (already due if that has passed, so the runner closes it at once).
        Returns how many timers were scheduled."""
        await self._timers.cancel_event_for_guild(AUTO_CLOSE, guild_id)
        if not days:
            return 0
        timers = [(t.created_at + days * 86400, {"guild_id": guild_id, "thread_id": t.thread_id},
                   f"close:{t.thread_id}") for t in await self._threads.open_threads([guild_id])]
        if timers:
            await self._timers.schedule_many(AUTO_CLOSE, timers)
        return len(timers)
