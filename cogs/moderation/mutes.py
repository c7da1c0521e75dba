"""/mod mute|unmute: keep a user out of article comments for a while (their new comments are removed);
/mod note: a note about a member for the other moderators."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
from discord import app_commands

from bot.formats import plural
from bot.moderation.rules import parse_duration
from bot.moderation.service import ModerationError
from cogs.moderation.base import ModerationBase
from cogs.support.checks import has_server_permissions
from cogs.support.replies import UserFacingError

__all__ = ["MuteCommands"]


class MuteCommands(ModerationBase):
    @app_commands.command(name="mute", description="Stop a user from commenting in article threads for a while")
    @has_server_permissions(manage_messages=True)
    @app_commands.describe(duration="e.g. 30m, 2h, 1d, 1w", reason="Shown to the user")
    async def mute(self, interaction: discord.Interaction, user: discord.User, duration: str, reason: str) -> None:
        assert interaction.guild_id is not None
        try:
            seconds = parse_duration(duration)
        except ValueError as exc:
            raise UserFacingError(str(exc)) from None
        mute = await self.services.moderation.mute(guild_id=interaction.guild_id, user_id=user.id,
                                                   moderator_id=interaction.user.id, seconds=seconds, reason=reason)
        self.services.timer_runner.wake()
        until = discord.utils.format_dt(datetime.fromtimestamp(mute.expires_at or 0, tz=UTC), "f")
        await interaction.response.send_message(f"{user.mention} is muted in article threads until {until}.",
                                                ephemeral=True)

    @app_commands.command(name="unmute", description="Let a muted user comment again")
    @has_server_permissions(manage_messages=True)
    async def unmute(self, interaction: discord.Interaction, user: discord.User, reason: str | None = None) -> None:
        assert interaction.guild_id is not None
        if not await self.services.moderation.unmute(guild_id=interaction.guild_id, user_id=user.id,
                                                     moderator_id=interaction.user.id, reason=reason):
            raise UserFacingError(f"{user.mention} is not muted.")
        await interaction.response.send_message(f"{user.mention} can comment again.", ephemeral=True)

    @app_commands.command(name="note", description="Leave a note about a member for the other moderators")
    @has_server_permissions(manage_messages=True)
    @app_commands.describe(text="Seen by moderators only (here and on the dashboard's member page)")
    async def note(self, interaction: discord.Interaction, user: discord.User,
                   text: app_commands.Range[str, 1, 1000]) -> None:
        assert interaction.guild_id is not None
        try:
            await self.services.moderation.add_note(guild_id=interaction.guild_id, user_id=user.id,
                                                    author_id=interaction.user.id, text=text)
        except ModerationError as exc:
            raise UserFacingError(str(exc)) from None
        notes = await self.services.moderation.notes(interaction.guild_id, user.id)
        await interaction.response.send_message(
            f"Noted. {user.mention} has {plural(len(notes), 'note')} from moderators.", ephemeral=True)
