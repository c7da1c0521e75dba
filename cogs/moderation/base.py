"""What every part of the /mod cog shares: its services, and finding threads and articles."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from cogs.support.article_picker import chosen_article
from cogs.support.replies import UserFacingError

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["MESSAGE_LINK", "ModerationBase"]

MESSAGE_LINK = re.compile(r"(?:channels/\d+/(?P<channel>\d+)/)?(?P<message>\d{15,22})/?$")


class ModerationBase(commands.Cog):
    """The base of the /mod cog's parts (mixins in the manner of Red's Mod cog); `ModerationCog` sets these."""

    bot: commands.Bot
    services: Services

    @property
    def bot_user_id(self) -> int:
        """The bot's own id: the moderator of every action it takes by itself."""
        assert self.bot.user is not None
        return self.bot.user.id

    async def remove_comment(self, interaction: discord.Interaction,
                             message: discord.Message | discord.PartialMessage, reason: str) -> None:
        """Delete a comment on Discord, then record and log its removal (`RemovalCommands` does it)."""
        raise NotImplementedError

    async def article_thread(self, interaction: discord.Interaction) -> discord.Thread:
        channel = interaction.channel
        if not isinstance(channel, discord.Thread) or not await self.services.recorder.is_article_thread(channel.id):
            raise UserFacingError("Run this inside an article's discussion thread.")
        return channel

    async def thread(self, thread_id: int) -> discord.Thread | None:
        """A thread by id, also a closed one: discord.py drops archived threads from its cache."""
        channel = self.bot.get_channel(thread_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(thread_id)
            except (discord.NotFound, discord.Forbidden):
                return None
        return channel if isinstance(channel, discord.Thread) else None

    async def article_option(self, value: str | None) -> int | None:
        """An `article` option: an article id or its link; None when not given (see `chosen_article`)."""
        return await chosen_article(self.services.articles, value)
