"""/settings show|set — a guild's news channel, posting mode, summaries, admin, mod-log and digest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.formats import plural
from bot.storage.guilds import GuildSettings, GuildSettingsError
from bot.times import DEFAULT_TIME_FORMAT
from cogs.support.replies import UserFacingError

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["SettingsCog", "render_settings"]


def _channel(cid: int | None) -> str:
    return f"<#{cid}>" if cid else "not set"


def render_settings(s: GuildSettings) -> str:
    return "\n".join([
        "**Newsdesk settings**",
        f"News channel: {_channel(s.news_channel_id)}",
        f"Default posting mode: {s.default_mode}",
        f"Auto-summary in new threads: {'on' if s.auto_summary else 'off'}",
        f"Admin channel (feed problems): {_channel(s.admin_channel_id)}",
        f"Mod-log channel: {_channel(s.modlog_channel_id)}",
        f"Auto-close threads after: {plural(s.auto_close_days, 'day') if s.auto_close_days else 'never'}",
        "Daily digest: " + (
            f"{_channel(s.digest_channel_id)} at {s.digest_time} UTC" if s.digest_channel_id and s.digest_time
            else f"{_channel(s.digest_channel_id)}, no time set" if s.digest_channel_id
            else f"no channel set (time {s.digest_time} UTC)" if s.digest_time else "off"),
        f"Reports that hide a comment: {s.report_threshold} (distinct members)",
        "Pre-moderation of new commenters: " + (
            f"their first {plural(s.premod_first, 'comment')} held" if s.premod_first else "off"),
        "Automatic hold: " + (
            f"more than {s.auto_hold_rejected} rejected of the last {plural(s.auto_hold_window, 'comment')} →"
            f" held for {plural(s.auto_hold_hours, 'hour')}" if s.auto_hold_rejected else "off"),
        f"Times in story templates: {s.time_zone or 'UTC'}, written `{s.time_format or DEFAULT_TIME_FORMAT}`",
    ])


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCog(commands.GroupCog, group_name="settings", group_description="Newsdesk settings for this server"):
    def __init__(self, services: Services) -> None:
        self.services = services
        self.guild_settings = services.guild_settings
        super().__init__()

    @app_commands.command(name="show", description="Show this server's Newsdesk settings")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        settings = await self.guild_settings.get(interaction.guild_id)
        await interaction.response.send_message(render_settings(settings), ephemeral=True)

    @app_commands.command(name="set", description="Change one or more settings")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(
        news_channel="Default channel for new feeds", default_mode="How stories are posted by default",
        auto_summary="Post a summary as the first message of each thread (all feeds; /feed edit overrides one)",
        admin_channel="Where feed problems are announced", modlog_channel="Where moderation actions are echoed",
        auto_close_days="Close article threads after this many days (0 = never)",
        digest_channel="Where the daily digest goes", digest_time="Digest time in UTC, HH:MM (or 'off')",
        report_threshold="Distinct members whose reports hide a comment until a moderator decides",
        premod_first="Hold each member's first N comments for review (0 = off)",
        auto_hold_rejected="Hold a member whose comments were rejected more than this many times (0 = off)",
        auto_hold_window="... of their last this many comments", auto_hold_hours="How long an automatic hold lasts",
        time_zone="Time zone of {published} in story templates, e.g. Europe/Paris ('default': UTC)",
        time_format="How {published} is written, e.g. %d %b %Y, %H:%M %Z ('default' restores that)",
    )
    async def set_(
        self, interaction: discord.Interaction,
        news_channel: discord.TextChannel | discord.ForumChannel | None = None,
        default_mode: Literal["thread", "forum", "plain"] | None = None,
        auto_summary: bool | None = None,
        admin_channel: discord.TextChannel | None = None,
        modlog_channel: discord.TextChannel | None = None,
        auto_close_days: app_commands.Range[int, 0, 365] | None = None,
        digest_channel: discord.TextChannel | None = None,
        digest_time: str | None = None,
        report_threshold: app_commands.Range[int, 1, 100] | None = None,
        premod_first: app_commands.Range[int, 0, 100] | None = None,
        auto_hold_rejected: app_commands.Range[int, 0, 100] | None = None,
        auto_hold_window: app_commands.Range[int, 1, 200] | None = None,
        auto_hold_hours: app_commands.Range[int, 1, 2160] | None = None,
        time_zone: app_commands.Range[str, 1, 64] | None = None,
        time_format: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        changes: dict[str, Any] = {}
        if news_channel is not None:
            changes["news_channel_id"] = news_channel.id
        if default_mode is not None:
            changes["default_mode"] = default_mode
        if auto_summary is not None:
            changes["auto_summary"] = auto_summary
        if admin_channel is not None:
            changes["admin_channel_id"] = admin_channel.id
        if modlog_channel is not None:
            changes["modlog_channel_id"] = modlog_channel.id
        if auto_close_days is not None:
            changes["auto_close_days"] = auto_close_days or None
        if digest_channel is not None:
            changes["digest_channel_id"] = digest_channel.id
        if digest_time is not None:
            changes["digest_time"] = None if digest_time.strip().lower() in {"off", "none", ""} else digest_time.strip()
        for name, value in (("report_threshold", report_threshold), ("auto_hold_window", auto_hold_window),
                            ("auto_hold_hours", auto_hold_hours)):
            if value is not None:
                changes[name] = value
        for name, value in (("premod_first", premod_first), ("auto_hold_rejected", auto_hold_rejected)):
            if value is not None:
                changes[name] = value or None
        for name, text in (("time_zone", time_zone), ("time_format", time_format)):
            if text is not None:
                changes[name] = None if text.strip().lower() in {"default", "off", "none", ""} else text.strip()
        if not changes:
            raise UserFacingError("Nothing to change: pick at least one option, e.g. `/settings set news_channel:#news`.")
        # Re-planning every open thread's auto-close can take longer than Discord's 3 s to answer.
        deferred = "auto_close_days" in changes
        if deferred:
            await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            settings = await self.guild_settings.change(interaction.guild_id, **changes)
        except GuildSettingsError as exc:
            raise UserFacingError(f"Not saved: {exc}.") from None
        if deferred:
            self.services.timer_runner.wake()  # an auto-close now due runs at once
        send = interaction.followup.send if deferred else interaction.response.send_message
        await send("Saved.\n" + render_settings(settings), ephemeral=True)
