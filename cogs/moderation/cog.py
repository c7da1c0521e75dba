"""/mod: run article comment threads. One cog made of parts with one job each (Red's Mod cog is built so):
thread state, removing comments, mutes and notes, filters with the review queue and the log, member history,
and timer handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.moderation.review import HOLD_EXPIRED
from bot.moderation.service import AUTO_CLOSE, MUTE_EXPIRED
from cogs.moderation.bans import BanCommands, BanRemovals
from cogs.moderation.featured import FeatureCommands
from cogs.moderation.members import MemberCommands
from cogs.moderation.modlog import ModLogChannel
from cogs.moderation.mutes import MuteCommands
from cogs.moderation.removal import RemovalCommands
from cogs.moderation.review import ReviewCommands
from cogs.moderation.threads import ThreadCommands
from cogs.moderation.timers import TimerHandlers
from cogs.support.channels import GuildChannels

if TYPE_CHECKING:
    from bot.services import Services
    from cogs.publishing import StoryPublisher

__all__ = ["ModerationCog"]


# Discord applies default_member_permissions to top-level commands only: the whole /mod group is hidden
# from members without Manage Messages; each command checks its own permission again at run time.
@app_commands.default_permissions(manage_messages=True)
@app_commands.guild_only()
class ModerationCog(ThreadCommands, RemovalCommands, MuteCommands, ReviewCommands, MemberCommands, FeatureCommands,
                    BanCommands, TimerHandlers, commands.GroupCog, group_name="mod", group_description="Moderate article comment threads"):
    def __init__(self, bot: commands.Bot, services: Services, publisher: StoryPublisher | None = None) -> None:
        self.bot = bot
        self.services = services
        self.publisher = publisher  # woken to edit a story's post when its featured comments change
        self.removals = BanRemovals(self)
        self.modlog = ModLogChannel(bot, GuildChannels(bot, services.guild_settings))
        self.remove_menu = app_commands.ContextMenu(name="Remove comment", callback=self.remove_from_menu)
        self.remove_menu.default_permissions = discord.Permissions(manage_messages=True)
        self.remove_menu.guild_only = True
        self.history_menu = app_commands.ContextMenu(name="Member history", callback=self.history_from_menu)
        self.history_menu.default_permissions = discord.Permissions(manage_messages=True)
        self.history_menu.guild_only = True
        # For every member (no default permissions): readers report comments to the moderators.
        self.report_menu = app_commands.ContextMenu(name="Report comment", callback=self.report_from_menu)
        self.report_menu.guild_only = True
        self.feature_menu = app_commands.ContextMenu(name="Feature comment", callback=self.feature_from_menu)
        self.feature_menu.default_permissions = discord.Permissions(manage_messages=True)
        self.feature_menu.guild_only = True
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.remove_menu)
        self.bot.tree.add_command(self.history_menu)
        self.bot.tree.add_command(self.report_menu)
        self.bot.tree.add_command(self.feature_menu)
        self.modlog.start()
        await self.services.review.load(bot_user_id=self.bot.user.id if self.bot.user else 0)
        self.removals.start(after=self.bot.wait_until_ready)
        self.services.moderation.on_record(self.modlog.post)
        runner = self.services.timer_runner
        runner.on(MUTE_EXPIRED, self.mute_expired)
        runner.on(AUTO_CLOSE, self.auto_close)
        runner.on(HOLD_EXPIRED, self.hold_expired)

    async def cog_unload(self) -> None:
        self.services.moderation.forget_sink(self.modlog.post)
        await self.removals.stop()
        await self.modlog.stop()
        self.bot.tree.remove_command(self.remove_menu.name, type=self.remove_menu.type)
        self.bot.tree.remove_command(self.history_menu.name, type=self.history_menu.type)
        self.bot.tree.remove_command(self.report_menu.name, type=self.report_menu.type)
        self.bot.tree.remove_command(self.feature_menu.name, type=self.feature_menu.type)
