"""Replying to interactions: private error messages that say what went wrong and what to do."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.storage.errors import StorageUnavailable

__all__ = ["UserFacingError", "explain_error", "send_private"]


class UserFacingError(app_commands.AppCommandError):
    """Raised by a command to tell the user something went wrong (the message says what to do)."""


def _permission_names(perms: list[str]) -> str:
    return ", ".join(p.replace("_", " ").replace("guild", "server").title() for p in perms)


def explain_error(error: BaseException) -> tuple[str, bool]:
    """(message for the user, whether this is a bug worth logging loudly)."""
    original = getattr(error, "original", None) or error
    if isinstance(error, UserFacingError):
        return str(error), False
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_permission_names(error.missing_permissions)} permission to use this command.", False
    if isinstance(error, app_commands.BotMissingPermissions):
        return (f"I am missing the {_permission_names(error.missing_permissions)} permission here. "
                "Ask an admin to grant it to my role, then try again."), False
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server.", False
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s.", False
    if isinstance(error, app_commands.CheckFailure):
        return "You are not allowed to use this command here.", False
    if isinstance(original, discord.Forbidden):
        return ("Discord refused: I lack a permission for that here (for example Manage Messages or "
                "Manage Threads). Ask an admin to check my role."), False
    if isinstance(original, UserFacingError):
        return str(original), False
    if isinstance(original, StorageUnavailable):  # logged once by storage, with what the admin must do
        return ("I cannot save anything right now: my database is not writable (full disk, permissions or a "
                "disk error), so nothing was changed. The bot's admin has it in the logs; try again later."), False
    return "Something went wrong on my side; it has been logged. Please try again in a moment.", True


async def send_private(interaction: discord.Interaction, message: str) -> None:
    """`message` to the user alone, also after a public "thinking…" deferral, which a follow-up would
    otherwise turn into a public message in the channel."""
    if not interaction.response.is_done():
        await interaction.response.send_message(message, ephemeral=True)
        return
    if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
        try:
            original = await interaction.original_response()
        except discord.HTTPException:
            original = None
        if original is not None and original.flags.loading and not original.flags.ephemeral:
            await interaction.delete_original_response()
    await interaction.followup.send(message, ephemeral=True)
