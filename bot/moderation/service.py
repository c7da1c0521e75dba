"""Moderation actions as the domain sees them: what is stored, logged and scheduled for each.

The cog performs the Discord side (delete a message, lock a thread) and then calls here, so the action
log, the comment records, the mute caches and the persisted timers all agree.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from bot.comments.recorder import CommentRecorder
from bot.moderation import actions
from bot.storage.comments import Comment, CommentStore
from bot.storage.database import Database
from bot.storage.moderation import ModerationStore, Mute, WordFilter
from bot.storage.timers import TimerStore

__all__ = ["MUTE_EXPIRED", "ModerationError", "ModerationService", "PurgePlan"]

MUTE_EXPIRED = "mute_expired"
AUTO_CLOSE = "auto_close"


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
        self, *, db: Database, moderation: ModerationStore, comments: CommentStore, timers: TimerStore,
        recorder: CommentRecorder,
    ) -> None:
        self._db = db
        self._moderation = moderation
        self._comments = comments
        self._timers = timers
        self._recorder = recorder

    async def log(self, **fields: object) -> int:
        return await self._moderation.log(**fields)  # type: ignore[arg-type]

    # --- removal ---------------------------------------------------------------------------------

    async def removed(self, *, guild_id: int, moderator_id: int, message_id: int, reason: str,
                      thread_id: int | None = None) -> Comment | None:
        """Record that a comment was removed (the cog already deleted it on Discord)."""
        comment = await self._comments.get(message_id)
        await self._comments.mark_removed(message_id, moderator_id, reason, time.time())
        await self._moderation.log(
            guild_id=guild_id, moderator_id=moderator_id, action=actions.REMOVE, reason=reason,
            target_message_id=message_id, target_user_id=comment.author_id if comment else None,
            target_thread_id=thread_id or (comment.thread_id if comment else None),
            article_id=comment.article_id if comment else None,
        )
        return comment

    async def plan_purge(self, guild_id: int, user_id: int, *, article_id: int | None = None,
                         since: float | None = None) -> PurgePlan:
        sql = ("SELECT message_id FROM comments WHERE guild_id = ? AND author_id = ?"
               " AND status IN ('visible', 'flagged')")
        params: list[object] = [guild_id, user_id]
        if article_id is not None:
            sql += " AND article_id = ?"
            params.append(article_id)
        if since is not None:
            sql += " AND created_at >= ?"
            params.append(since)
        rows = await self._db.fetchall(sql + " ORDER BY message_id", params)
        comments = [c for r in rows if (c := await self._comments.get(r[0])) is not None]
        return PurgePlan(guild_id, user_id, comments, article_id, since)

    async def purged(self, plan: PurgePlan, *, moderator_id: int) -> int:
        """Record a purge the cog carried out on Discord: every planned comment removed, one log entry."""
        now = time.time()
        for c in plan.comments:
            await self._comments.mark_removed(c.message_id, moderator_id, "purge", now)
        await self._moderation.log(
            guild_id=plan.guild_id, moderator_id=moderator_id, action=actions.PURGE, target_user_id=plan.user_id,
            article_id=plan.article_id,
            details={"count": plan.count, "messages": [c.message_id for c in plan.comments],
                     "article_id": plan.article_id, "since": plan.since})
        return plan.count

    # --- mutes -----------------------------------------------------------------------------------

    async def mute(self, *, guild_id: int, user_id: int, moderator_id: int, seconds: int | None,
                   reason: str | None) -> Mute:
        expires_at = None if seconds is None else time.time() + seconds
        await self._moderation.mute(guild_id, user_id, muted_by=moderator_id, reason=reason, expires_at=expires_at)
        self._recorder.set_mute(guild_id, user_id, expires_at)
        if expires_at is not None:
            await self._timers.schedule(MUTE_EXPIRED, expires_at, {"guild_id": guild_id, "user_id": user_id},
                                        key=f"mute:{guild_id}:{user_id}")
        await self._moderation.log(guild_id=guild_id, moderator_id=moderator_id, action=actions.MUTE,
                                   target_user_id=user_id, reason=reason, expires_at=expires_at)
        mute = await self._moderation.active_mute(guild_id, user_id)
        assert mute is not None
        return mute

    async def unmute(self, *, guild_id: int, user_id: int, moderator_id: int, reason: str | None) -> bool:
        """A moderator lifts a mute. False if the user was not muted."""
        existed = await self._moderation.unmute(guild_id, user_id)
        self._recorder.clear_mute(guild_id, user_id)
        await self._timers.cancel_key(f"mute:{guild_id}:{user_id}")
        if existed:
            await self._moderation.log(guild_id=guild_id, moderator_id=moderator_id, action=actions.UNMUTE,
                                       target_user_id=user_id, reason=reason)
        return existed

    async def expire_mute(self, *, guild_id: int, user_id: int, now: float | None = None) -> bool:
        """A mute's expiry timer fired: lift the mute if it is over (logged as done by the bot, id 0).

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
        await self._moderation.log(guild_id=guild_id, moderator_id=0, action=actions.UNMUTE,
                                   target_user_id=user_id, reason="mute expired")
        return True

    # --- filters ---------------------------------------------------------------------------------

    async def add_filter(self, *, guild_id: int, pattern: str, is_regex: bool, action: str,
                         moderator_id: int) -> WordFilter:
        pattern = pattern.strip()
        if not pattern or len(pattern) > 200:
            raise ModerationError("a filter pattern must be 1 to 200 characters")
        try:
            word_filter = await self._moderation.add_filter(guild_id, pattern, is_regex=is_regex, action=action,
                                                            created_by=moderator_id)
        except re.error as exc:
            raise ModerationError(f"{pattern!r} is not a valid regular expression: {exc}") from None
        await self._recorder.refresh_filters(guild_id)
        await self._moderation.log(guild_id=guild_id, moderator_id=moderator_id, action=actions.FILTER_ADD,
                                   details={"pattern": pattern, "action": action, "regex": is_regex})
        return word_filter

    async def remove_filter(self, *, guild_id: int, pattern: str, moderator_id: int) -> bool:
        pattern = pattern.strip()
        removed = await self._moderation.remove_filter(guild_id, pattern)
        await self._recorder.refresh_filters(guild_id)
        if removed:
            await self._moderation.log(guild_id=guild_id, moderator_id=moderator_id, action=actions.FILTER_REMOVE,
                                       details={"pattern": pattern})
        return removed

    async def queue(self, guild_id: int, limit: int = 25) -> list[Comment]:
        rows = await self._db.fetchall(
            "SELECT message_id FROM comments WHERE guild_id = ? AND status = 'flagged' ORDER BY message_id LIMIT ?",
            (guild_id, limit),
        )
        return [c for r in rows if (c := await self._comments.get(r[0])) is not None]

    async def approve(self, *, guild_id: int, message_id: int, moderator_id: int) -> bool:
        """Clear a flagged comment. False if it is not waiting for review any more (removed, deleted,
        already approved) — a review card can sit open while someone else deals with the comment."""
        comment = await self._comments.get(message_id)
        if comment is None or comment.guild_id != guild_id or comment.status != "flagged":
            return False
        await self._comments.set_status(message_id, "visible", only_if="flagged")
        await self._moderation.log(guild_id=guild_id, moderator_id=moderator_id, action=actions.APPROVE,
                                   target_message_id=message_id, target_user_id=comment.author_id,
                                   target_thread_id=comment.thread_id, article_id=comment.article_id)
        return True

    # --- auto-close ------------------------------------------------------------------------------

    async def schedule_auto_close(self, *, guild_id: int, thread_id: int, days: int, start: float | None = None) -> None:
        due = (time.time() if start is None else start) + days * 86400
        await self._timers.schedule(AUTO_CLOSE, due, {"guild_id": guild_id, "thread_id": thread_id},
                                    key=f"close:{thread_id}")

    async def reschedule_auto_close(self, *, guild_id: int, days: int | None,
                                    open_threads: Iterable[tuple[int, float]]) -> int:
        """Apply a changed `auto_close_days` to threads that already exist, not only to new ones.

        Every pending auto-close of the guild is dropped; with `days`, each open thread (id, created_at) gets a
        timer `days` after its creation (already due if that has passed, so the runner closes it at once).
        Returns how many timers were scheduled."""
        await self._timers.cancel_event_for_guild(AUTO_CLOSE, guild_id)
        if not days:
            return 0
        timers = [(created_at + days * 86400, {"guild_id": guild_id, "thread_id": thread_id}, f"close:{thread_id}")
                  for thread_id, created_at in open_threads]
        if timers:
            await self._timers.schedule_many(AUTO_CLOSE, timers)
        return len(timers)
