"""What the /mod cog does when a persisted timer fires: a mute ends, a thread's auto-close is due."""

from __future__ import annotations

from bot.storage.timers import Timer
from cogs.moderation.base import ModerationBase

__all__ = ["TimerHandlers"]


class TimerHandlers(ModerationBase):
    async def mute_expired(self, timer: Timer) -> None:
        await self.services.moderation.expire_mute(guild_id=timer.payload["guild_id"], user_id=timer.payload["user_id"],
                                                   moderator_id=self.bot_user_id)

    async def auto_close(self, timer: Timer) -> None:
        thread_id = timer.payload["thread_id"]
        channel = await self.thread(thread_id)
        if channel is not None and not (channel.archived and channel.locked):
            await channel.edit(archived=True, locked=True, reason="auto-close")
            await self.services.moderation.auto_closed(guild_id=timer.payload["guild_id"], thread_id=thread_id,
                                                       moderator_id=self.bot_user_id)
