"""Bans from comments: a mute without an end, and optionally the removal of the member's earlier comments.

The removal is persisted comment by comment (`BanRemovalStore`) before any is deleted, so the adapter can do
it in batches at Discord's pace and a restart finishes what is left. `removal_batches` plans the deletes of one
thread: bulk deletes of up to 100 messages younger than 14 days (Discord refuses older ones in bulk), single
deletes for the rest.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.moderation import actions
from bot.moderation.service import ModerationService
from bot.storage.bans import BanRemovalStore, PendingRemoval
from bot.storage.comments import CommentStore

__all__ = ["BULK_MAX", "BULK_MAX_AGE", "Batch", "CommentBans", "PendingRemoval", "removal_batches",
           "snowflake_time"]

BULK_MAX = 100  # Discord's bulk delete takes 2 to 100 messages
BULK_MAX_AGE = 14 * 86400  # and none older than 14 days
_DISCORD_EPOCH_MS = 1_420_070_400_000
_MARGIN = 3600  # an hour's margin, so a message does not turn 14 days old between the plan and the call


def snowflake_time(snowflake: int) -> float:
    """When a Discord id was created (unix seconds)."""
    return ((snowflake >> 22) + _DISCORD_EPOCH_MS) / 1000


@dataclass(frozen=True)
class Batch:
    message_ids: tuple[int, ...]
    bulk: bool  # one bulk delete; else one delete per message


def removal_batches(message_ids: Sequence[int], now: float | None = None) -> list[Batch]:
    """How to delete one thread's `message_ids`: bulk batches for the recent ones, single deletes for the old."""
    now = time.time() if now is None else now
    recent = [m for m in message_ids if now - snowflake_time(m) < BULK_MAX_AGE - _MARGIN]
    old = [m for m in message_ids if m not in set(recent)]
    batches = []
    for start in range(0, len(recent), BULK_MAX):
        chunk = tuple(recent[start:start + BULK_MAX])
        batches.append(Batch(chunk, bulk=len(chunk) >= 2))
    # single deletes go in small batches so that progress is saved as they go
    batches += [Batch(tuple(old[start:start + 10]), bulk=False) for start in range(0, len(old), 10)]
    return batches


class CommentBans:
    def __init__(self, *, moderation: ModerationService, comments: CommentStore, removals: BanRemovalStore) -> None:
        self._moderation = moderation
        self._comments = comments
        self._removals = removals

    async def past_comments(self, guild_id: int, user_id: int) -> list[tuple[int, int]]:
        """(message id, thread id) of the member's comments still up: what `remove_past` would remove."""
        return [(c.message_id, c.thread_id) for c in await self._comments.up_by_author(guild_id, user_id)]

    async def ban(self, *, guild_id: int, user_id: int, moderator_id: int, reason: str | None,
                  remove: Sequence[tuple[int, int]] = ()) -> int:
        """Ban a member from commenting (a mute without an end) and queue the removal of `remove`
        ((message id, thread id) pairs). Returns how many comments were queued."""
        if remove:
            await self._removals.queue(guild_id, user_id, moderator_id, remove)
        await self._moderation.mute(guild_id=guild_id, user_id=user_id, moderator_id=moderator_id, seconds=None,
                                    reason=reason, action=actions.BAN, details={"remove_past": len(remove)})
        return len(remove)

    async def unban(self, *, guild_id: int, user_id: int, moderator_id: int, reason: str | None) -> bool:
        """Lift a ban (any mute, in fact); removals still pending are dropped. False if not banned or muted."""
        await self._removals.cancel(guild_id, user_id)
        return await self._moderation.unmute(guild_id=guild_id, user_id=user_id, moderator_id=moderator_id,
                                             reason=reason, action=actions.UNBAN)

    async def pending(self) -> list[PendingRemoval]:
        """Every removal not finished yet (also those a restart interrupted)."""
        return await self._removals.pending()

    async def removed(self, job: PendingRemoval, message_ids: Sequence[int]) -> None:
        """A batch of `job` is gone on Discord: mark the comments removed and drop them from the queue."""
        await self._comments.mark_removed_many(message_ids, job.moderator_id, "ban", time.time())
        await self._removals.done(message_ids)

    async def refused(self, message_ids: Sequence[int]) -> None:
        """Discord refused these deletes for good (a missing permission): stop trying them."""
        await self._removals.done(message_ids)

    async def finished(self, job: PendingRemoval, *, removed: int, refused: int) -> None:
        """Log the end of a ban's removal (one entry, like a purge)."""
        await self._moderation.record(
            guild_id=job.guild_id, moderator_id=job.moderator_id, action=actions.PURGE, target_user_id=job.user_id,
            reason="ban from comments", details={"count": removed, "refused": refused})
