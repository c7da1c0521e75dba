"""Reader reports and pre-moderation (issue 16, points 1-3): what is held, why, and how a hold is settled.

Discord cannot hide a message, nor show a deleted one again. So a held comment (a new member's first
comments, a member on an automatic hold, a comment reported by enough distinct members) is deleted from its
thread at once by the adapter, kept here with its text (comment status 'removed', a pending `comment_holds`
row), listed in the review queue, and, if a moderator approves it, re-posted by the bot as `repost_text`
words it: the author's name, the text quoted, and a link to where it was written.

The recorder decides holds on its synchronous path from memory (`CommentRecorder.hold_reason`); this
service keeps those caches true (`load`, `settings_changed`, holds starting and ending). Rejections are
counted from the mod-log: every `remove` entry about a member checks the automatic-hold rule
(more than `auto_hold_rejected` of their last `auto_hold_window` comments rejected), which puts them on
hold for `auto_hold_hours` with a persisted timer, like a mute. Reporters are stored but never shown:
the queue gives counts and reasons only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.comments.recorder import MUTED_REASON, CommentRecorder
from bot.formats import plural
from bot.moderation import actions
from bot.moderation.service import ModerationError, ModerationService
from bot.posting.format import escape_mentions, truncate_words
from bot.storage.comments import Comment, CommentStore
from bot.storage.guilds import GuildSettings, GuildSettingsStore
from bot.storage.moderation import ModerationAction
from bot.storage.reports import Hold, MemberReview, ReportSummary, ReviewStore
from bot.storage.timers import TimerStore

__all__ = ["HOLD_EXPIRED", "REPORT_REASONS", "CommentReview", "QueueItem", "ReportOutcome", "repost_text"]

HOLD_EXPIRED = "hold_expired"
REPORT_REASONS = ("Spam", "Harassment or abuse", "Hate speech", "Misinformation", "Off topic", "Other")
MAX_REPORT_DETAILS = 300
HELD_PREFIX = "held for review"
_KIND_WORDS = {"new_member": "the author is new here", "auto_hold": "the author is on an automatic hold",
               "reports": "reported by members"}
NOTICES = {
    "new_member": ("comments from members new to this server's article threads are read by a moderator before "
                   "they appear; once approved, the bot posts them for you with your name"),
    "auto_hold": ("several of your recent comments were removed, so for a while your comments are read by a "
                  "moderator before they appear; once approved, the bot posts them for you with your name"),
}


@dataclass(frozen=True)
class ReportOutcome:
    count: int          # distinct members with an open report on the comment
    hide: bool          # the threshold is reached: the adapter takes the comment down, then calls `held`


@dataclass(frozen=True)
class QueueItem:
    """One comment waiting for a moderator: flagged by a filter (still up), held (taken down), or reported."""

    comment: Comment
    held: Hold | None
    reports: ReportSummary | None

    @property
    def why(self) -> str:
        parts = []
        if self.held is not None:
            parts.append(f"held: {_KIND_WORDS.get(self.held.kind, self.held.kind)}")
        elif self.comment.status == "flagged":
            parts.append("flagged by a filter")
        if self.reports is not None:
            parts.append(f"reported by {plural(self.reports.count, 'member')} ({'; '.join(self.reports.reasons)})")
        return "; ".join(parts)


def repost_text(comment: Comment) -> str:
    """How an approved held comment reads when the bot posts it: who wrote it, their words, and a link to
    where it was written (the comment it answered, else the thread)."""
    context_url = f"https://discord.com/channels/{comment.guild_id}/{comment.thread_id}" + (
        f"/{comment.parent_id}" if comment.parent_id else "")
    quoted = "\n".join("> " + line for line in truncate_words(comment.content, 1700).splitlines() or [""])
    name = escape_mentions(comment.author_name)
    return (f"**{name}** wrote (held for review, approved; [original context]({context_url})):\n"
            f"{escape_mentions(quoted)}")


# How each kind of hold reads for moderators (/mod user, the dashboard's member page).
HOLD_WORDS = {"new_member": "new member", "auto_hold": "automatic hold", "reports": "reported"}


class CommentReview:
    def __init__(self, *, store: ReviewStore, comments: CommentStore, recorder: CommentRecorder,
                 moderation: ModerationService, guild_settings: GuildSettingsStore, timers: TimerStore) -> None:
        self._store = store
        self._comments = comments
        self._recorder = recorder
        self._moderation = moderation
        self._settings = guild_settings
        self._timers = timers
        self._bot_user_id = 0
        moderation.on_record(self._after_record)

    async def load(self, *, bot_user_id: int) -> None:
        """Fill the recorder's pre-moderation caches (at start-up); `bot_user_id` acts for automatic holds."""
        self._bot_user_id = bot_user_id
        for guild_id, first in await self._store.premod_guilds():
            self._recorder.set_premod(guild_id, first, await self._store.approved_counts(guild_id))
        now = time.time()
        for hold in await self._store.member_holds():
            if hold.expires_at is None or hold.expires_at > now:
                self._recorder.set_member_hold(hold.guild_id, hold.user_id, hold.expires_at)

    def acting_as(self, bot_user_id: int) -> None:
        """The bot's user id, the moderator of its own holds."""
        self._bot_user_id = bot_user_id

    async def settings_changed(self, settings: GuildSettings) -> None:
        """`premod_first` changed: the recorder holds accordingly from the next comment on."""
        counts = await self._store.approved_counts(settings.guild_id) if settings.premod_first else {}
        self._recorder.set_premod(settings.guild_id, settings.premod_first, counts)

    # --- reports ---------------------------------------------------------------------------------

    async def report(self, *, guild_id: int, message_id: int, reporter_id: int, reason: str,
                     details: str | None) -> ReportOutcome:
        if reason not in REPORT_REASONS:
            raise ModerationError(f"Pick one of the reasons: {', '.join(REPORT_REASONS)}.")
        comment = await self._comments.get(message_id)
        if comment is None or comment.guild_id != guild_id:
            raise ModerationError("Only comments in article threads can be reported.")
        if comment.author_id == reporter_id:
            raise ModerationError("You cannot report your own comment.")
        if comment.status not in ("visible", "flagged"):
            raise ModerationError("That comment is already with the moderators.")
        details = " ".join((details or "").split())[:MAX_REPORT_DETAILS] or None
        count = await self._store.add_report(guild_id=guild_id, message_id=message_id, reporter_id=reporter_id,
                                             reason=reason, details=details, at=time.time())
        threshold = (await self._settings.get(guild_id)).report_threshold
        return ReportOutcome(count, count >= threshold)

    # --- holding ---------------------------------------------------------------------------------

    async def held(self, *, guild_id: int, message_id: int, kind: str) -> str | None:
        """The adapter took a comment down to hold it (`kind`: new_member, auto_hold, reports). Returns what to
        tell its author privately, or None (told before, or a report: reporters are never named to anyone)."""
        comment = await self._comments.get(message_id)
        now = time.time()
        await self._comments.mark_removed(message_id, self._bot_user_id, f"{HELD_PREFIX}: {_KIND_WORDS[kind]}", now)
        await self._store.hold(guild_id=guild_id, message_id=message_id, kind=kind, at=now)
        if kind == "reports":
            reports = (await self._store.open_reports(guild_id, [message_id])).get(message_id)
            await self._moderation.record(
                guild_id=guild_id, moderator_id=self._bot_user_id, action=actions.HOLD,
                reason=f"reported by {plural(reports.count if reports else 0, 'member')}",
                target_message_id=message_id, target_user_id=comment.author_id if comment else None,
                target_thread_id=comment.thread_id if comment else None,
                details={"kind": kind, "reports": reports.count if reports else 0})
            return None
        if comment is None or not await self._store.first_notice(guild_id, comment.author_id, now):
            return None
        return NOTICES[kind]

    async def about_member(self, guild_id: int, user_id: int) -> MemberReview:
        """Reports against a member's comments (counts and reasons, never the reporters), their held comments
        and their own hold: part of the member's history for moderators."""
        return await self._store.about_member(guild_id, user_id)

    async def queue(self, guild_id: int, limit: int = 25) -> list[QueueItem]:
        """Held, flagged and reported comments, oldest first."""
        holds = {h.message_id: h for h in await self._store.pending_holds(guild_id, limit)}
        flagged = {c.message_id: c for c in await self._comments.flagged(guild_id, limit)}
        reported_ids = await self._store.reported_ids(guild_id, limit)
        ids = sorted(set(holds) | set(flagged) | set(reported_ids))[:limit]
        reports = await self._store.open_reports(guild_id, ids)
        items = []
        for mid in ids:
            comment = flagged.get(mid) or await self._comments.get(mid)
            if comment is None:
                continue
            if mid not in holds and comment.status not in ("visible", "flagged"):
                await self._store.resolve_reports(mid, time.time())  # removed or deleted meanwhile
                continue
            items.append(QueueItem(comment, holds.get(mid), reports.get(mid)))
        return items

    async def item(self, guild_id: int, message_id: int) -> QueueItem | None:
        """One comment of the queue, as it is now; None if it no longer waits for a moderator."""
        comment = await self._comments.get(message_id)
        if comment is None or comment.guild_id != guild_id:
            return None
        hold = await self._store.get_hold(message_id)
        pending = hold if hold is not None and hold.decision is None else None
        reports = (await self._store.open_reports(guild_id, [message_id])).get(message_id)
        if pending is None and not (comment.status == "flagged" or (reports and comment.status == "visible")):
            return None
        return QueueItem(comment, pending, reports)

    async def claim_approval(self, item: QueueItem) -> bool:
        """Take the decision on a held comment before re-posting it, so two moderators approving at once
        post it once. False if someone decided first. Follow with `approved_held`, or `approval_failed`."""
        return await self._store.decide(item.comment.message_id, "approved", time.time())

    async def approval_failed(self, item: QueueItem) -> None:
        await self._store.reopen(item.comment.message_id)

    async def approved_held(self, *, item: QueueItem, moderator_id: int, repost_id: int) -> None:
        """The adapter re-posted the claimed held comment as `repost_id`: it counts as shown again."""
        c = item.comment
        await self._store.reposted(c.message_id, repost_id)
        await self._comments.set_status(c.message_id, "visible")
        await self._store.resolve_reports(c.message_id, time.time())
        self._recorder.comment_stood(c.guild_id, c.author_id)
        await self._moderation.record(guild_id=c.guild_id, moderator_id=moderator_id, action=actions.APPROVE,
                                      target_message_id=c.message_id, target_user_id=c.author_id,
                                      target_thread_id=c.thread_id, article_id=c.article_id,
                                      details={"reposted_as": repost_id})

    async def reject_held(self, *, item: QueueItem, moderator_id: int, reason: str) -> bool:
        c = item.comment
        if not await self._store.decide(c.message_id, "rejected", time.time()):
            return False
        await self._store.resolve_reports(c.message_id, time.time())
        await self._moderation.removed(guild_id=c.guild_id, moderator_id=moderator_id, message_id=c.message_id,
                                       reason=reason, thread_id=c.thread_id)
        return True

    async def keep(self, *, item: QueueItem, moderator_id: int) -> bool:
        """A comment still up (flagged or reported) stays: its reports are settled."""
        c = item.comment
        await self._store.resolve_reports(c.message_id, time.time())
        if c.status == "flagged":
            return await self._moderation.approve(guild_id=c.guild_id, message_id=c.message_id,
                                                  moderator_id=moderator_id)
        await self._moderation.record(guild_id=c.guild_id, moderator_id=moderator_id, action=actions.APPROVE,
                                      target_message_id=c.message_id, target_user_id=c.author_id,
                                      target_thread_id=c.thread_id, article_id=c.article_id)
        return True

    async def removed(self, message_id: int) -> None:
        """A comment still up was removed from the queue (the adapter used the one removal path)."""
        await self._store.resolve_reports(message_id, time.time())

    # --- automatic holds -------------------------------------------------------------------------

    async def _after_record(self, entry: ModerationAction) -> None:
        if entry.action == actions.REMOVE and entry.target_user_id is not None:
            await self.check_auto_hold(entry.guild_id, entry.target_user_id)

    async def check_auto_hold(self, guild_id: int, user_id: int) -> bool:
        """Put the member on hold if more than X of their last Y comments were rejected (and they are not
        on hold already). Returns whether a hold started."""
        settings = await self._settings.get(guild_id)
        limit = settings.auto_hold_rejected
        if limit is None or self._recorder.hold_reason(guild_id, user_id, time.time()) == "auto_hold":
            return False
        rejected = await self._store.rejected_of_last(guild_id, user_id, settings.auto_hold_window,
                                                      not_reason=MUTED_REASON)
        if rejected <= limit:
            return False
        now = time.time()
        expires_at = now + settings.auto_hold_hours * 3600
        await self._store.hold_member(guild_id, user_id, reason="rejected comments", at=now, expires_at=expires_at)
        self._recorder.set_member_hold(guild_id, user_id, expires_at)
        await self._timers.schedule(HOLD_EXPIRED, expires_at, {"guild_id": guild_id, "user_id": user_id},
                                    key=f"hold:{guild_id}:{user_id}")
        await self._moderation.record(
            guild_id=guild_id, moderator_id=self._bot_user_id, action=actions.AUTO_HOLD, target_user_id=user_id,
            reason=f"rejected: {rejected} of their last {plural(settings.auto_hold_window, 'comment')}",
            details={"rejected": rejected, "window": settings.auto_hold_window, "limit": limit,
                     "hours": settings.auto_hold_hours}, expires_at=expires_at)
        return True

    async def expire_hold(self, *, guild_id: int, user_id: int, now: float | None = None) -> bool:
        """The hold's timer fired: lift it if it is over (a newer, longer hold stays)."""
        now = time.time() if now is None else now
        if not await self._store.release_expired(guild_id, user_id, now):
            return False
        self._recorder.clear_member_hold(guild_id, user_id)
        await self._moderation.record(guild_id=guild_id, moderator_id=self._bot_user_id, action=actions.HOLD_END,
                                      target_user_id=user_id, reason="the automatic hold expired")
        return True
