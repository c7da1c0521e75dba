"""/mod lock|unlock|close|reopen|slowmode: the state of the article thread the command runs in."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.moderation import actions
from bot.moderation.rules import format_duration
from cogs.moderation.base import ModerationBase

__all__ = ["ThreadCommands"]


class ThreadCommands(ModerationBase):
    async def _set_thread(self, interaction: discord.Interaction, action: str, reason: str | None, *,
                          done: str, details: dict[str, Any] | None = None, **edit: Any) -> None:
        """Change the thread on Discord, then store its state and log `action` (a name from
        bot.moderation.actions); `done` is how the moderator's answer says it ("locked")."""
        assert interaction.guild_id is not None
        thread = await self.article_thread(interaction)
        await interaction.response.defer(ephemeral=True)
        await thread.edit(**edit, reason=reason)
        await self.services.moderation.thread_changed(
            guild_id=interaction.guild_id, moderator_id=interaction.user.id, action=action, thread_id=thread.id,
            reason=reason, details=details, locked=edit.get("locked"), archived=edit.get("archived"),
            slowmode_seconds=edit.get("slowmode_delay"))
        await interaction.followup.send(f"Done: {done} {thread.mention}.", ephemeral=True)

    @app_commands.command(name="lock", description="Lock this article thread (only moderators can write)")
    @app_commands.checks.has_permissions(manage_threads=True)
    async def lock(self, interaction: discord.Interaction, reason: str | None = None) -> None:
        await self._set_thread(interaction, actions.LOCK, reason, done="locked", locked=True)

    @app_commands.command(name="unlock", description="Unlock this article thread")
    @app_commands.checks.has_permissions(manage_threads=True)
    async def unlock(self, interaction: discord.Interaction, reason: str | None = None) -> None:
        await self._set_thread(interaction, actions.UNLOCK, reason, done="unlocked", locked=False)

    @app_commands.command(name="close", description="Close this article thread (archive and lock)")
    @app_commands.checks.has_permissions(manage_threads=True)
    async def close(self, interaction: discord.Interaction, reason: str | None = None) -> None:
        await self._set_thread(interaction, actions.CLOSE, reason, done="closed", locked=True, archived=True)

    @app_commands.command(name="reopen", description="Reopen a closed article thread")
    @app_commands.checks.has_permissions(manage_threads=True)
    async def reopen(self, interaction: discord.Interaction, reason: str | None = None) -> None:
        await self._set_thread(interaction, actions.REOPEN, reason, done="reopened", archived=False, locked=False)

    @app_commands.command(name="slowmode", description="Set this thread's slowmode (0 turns it off)")
    @app_commands.checks.has_permissions(manage_threads=True)
    async def slowmode(self, interaction: discord.Interaction, seconds: app_commands.Range[int, 0, 21600]) -> None:
        done = f"set slowmode to {format_duration(seconds)} in" if seconds else "turned slowmode off in"
        await self._set_thread(interaction, actions.SLOWMODE, None, done=done, details={"seconds": seconds},
                               slowmode_delay=seconds)
