"""Echoes every recorded moderation action to the guild's mod-log channel.

The domain records an action and words it (`ModerationService.record`, `bot.moderation.actions.entry_text`);
this is the Discord half: subscribed to the service, it posts each entry through `GuildChannels`, so a
moderator's action and one the bot took by itself (a filter's removal, a muted user's comment, auto-close,
a mute's expiry) reach #mod-log the same way.

Entries are queued and sent in order by a background task, not while the action's caller waits: a slash
command must answer within 3 seconds, and a rate-limited mod-log channel (a burst of filter removals) can
hold a send for longer. The record itself is already stored; `/mod log` shows it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

import discord

from bot.background import BackgroundTask
from bot.moderation.actions import entry_text
from bot.storage.moderation import ModerationAction
from cogs.support.channels import GuildChannels

__all__ = ["ModLogChannel"]

log = logging.getLogger(__name__)

DRAIN_SECONDS = 5.0  # at shutdown, how long the entries still queued may take to go out


class ModLogChannel:
    def __init__(self, bot: discord.Client, channels: GuildChannels) -> None:
        self._bot = bot
        self._channels = channels
        self._pending: deque[ModerationAction] = deque()
        self._task = BackgroundTask("mod-log", self._send_pending, every=60.0)

    def start(self) -> None:
        self._task.start()

    async def stop(self) -> None:
        """Stop the task; what is still queued gets DRAIN_SECONDS to go out."""
        await self._task.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._send_pending(), DRAIN_SECONDS)

    async def post(self, entry: ModerationAction) -> None:
        """The service's subscriber: queue `entry` for the guild's mod-log channel."""
        self._pending.append(entry)
        self._task.wake()

    async def _send_pending(self) -> None:
        while self._pending:
            entry = self._pending.popleft()
            bot_id = self._bot.user.id if self._bot.user is not None else None
            try:
                await self._channels.post(entry.guild_id, "modlog", entry_text(entry, bot_user_id=bot_id))
            except Exception:  # a bug in one entry's wording must not hold up the others
                log.exception("guild %s: mod-log entry %s not posted", entry.guild_id, entry.id)
