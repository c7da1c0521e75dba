"""Posts each guild's daily digest at its configured time (UTC)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.background import BackgroundTask
from bot.comments.digest import due_digest, render_digest
from bot.storage.guilds import GuildSettings
from cogs.support.channels import GuildChannels

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["DigestCog"]

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 30.0


class DigestCog(commands.Cog):
    def __init__(self, bot: commands.Bot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.channels = GuildChannels(bot, services.guild_settings)
        self.background = BackgroundTask("newsdesk-digest", self._step, every=CHECK_EVERY_SECONDS)

    async def cog_load(self) -> None:
        self.background.start(after=self.bot.wait_until_ready)

    async def cog_unload(self) -> None:
        await self.background.stop()

    async def _step(self) -> None:
        await self.post_due_digests()

    async def post_due_digests(self) -> int:
        posted = 0
        for settings in await self.services.guild_settings.with_digest():
            try:
                posted += await self._post_digest(settings)
            except Exception:  # one guild's failure must not hold up the others
                log.exception("guild %s: digest failed; trying again at the next pass", settings.guild_id)
        return posted

    async def _post_digest(self, settings: GuildSettings) -> int:
        """Post one guild's digest if it is due. Returns 1 if posted."""
        if self.bot.get_guild(settings.guild_id) is None or settings.digest_time is None:
            return 0  # another shard's guild, or we were removed from it
        due = due_digest(discord.utils.utcnow(), settings.digest_time, settings.digest_last_day)
        if due is None:
            return 0
        day, since, until = due
        ranked = await self.services.stats.ranked(settings.guild_id, since=since, until=until, limit=5)
        featured = await self.services.featured.for_digest(settings.guild_id, since, until)
        text = render_digest(day, ranked, featured)
        if await self.channels.post(settings.guild_id, "digest", text, settings=settings) is None:
            return 0
        await self.services.guild_settings.digest_posted(settings.guild_id, day)
        return 1
