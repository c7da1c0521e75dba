"""Permission checks for slash commands that the built-in ones do not cover."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from cogs.support.replies import UserFacingError

__all__ = ["has_server_permissions"]

T = TypeVar("T")


def has_server_permissions(**perms: bool) -> Callable[[T], T]:
    """Like `app_commands.checks.has_permissions`, but server-wide. `has_permissions` looks at the channel
    the command is run in; a command that acts on every article thread (purge, mute, filters, the queue,
    the log, export) must not be opened by a permission granted in one channel only."""
    async def predicate(interaction: discord.Interaction) -> bool:
        user = interaction.user
        have = user.guild_permissions if isinstance(user, discord.Member) else discord.Permissions.none()
        missing = [name for name, value in perms.items() if getattr(have, name) != value]
        if missing:
            names = " and ".join(m.replace("_", " ").title() for m in missing)
            raise UserFacingError(f"You need the {names} permission to use this command — server-wide "
                                  "(from a role), not only in one channel.")
        return True
    return app_commands.check(predicate)
