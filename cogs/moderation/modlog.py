"""Echoes every recorded moderation action to the guild's mod-log channel.

The domain records an action and words it (`ModerationService.record`, `bot.moderation.actions.entry_text`);
this is the Discord half: subscribed to the service, it posts each entry through `GuildChannels`, so a
moderator's action and one the bot took by itself (a filter's removal, a muted user's comment, auto-close,
a mute's expiry) reach #mod-log the same way.
"""

from __future__ import annotations

import discord

from bot.moderation.actions import entry_text
from bot.storage.moderation import ModerationAction
from cogs.support.channels import GuildChannels

__all__ = ["ModLogChannel"]


class ModLogChannel:
    def __init__(self, bot: discord.Client, channels: GuildChannels) -> None:
        self._bot = bot
        self._channels = channels

    async def post(self, entry: ModerationAction) -> None:
        bot_id = self._bot.user.id if self._bot.user is not None else None
        await self._channels.post(entry.guild_id, "modlog", entry_text(entry, bot_user_id=bot_id))
