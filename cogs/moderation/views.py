"""The /mod cog's form and buttons: the removal reason modal and the review card's Approve/Remove."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from cogs.support.replies import explain_error, send_private

if TYPE_CHECKING:
    from cogs.moderation.base import ModerationBase

__all__ = ["ReasonModal", "ReviewView"]

log = logging.getLogger(__name__)


async def _explain(interaction: discord.Interaction, error: Exception, *, edit: bool = False) -> None:
    """A modal's or button's failure, told to the moderator (views do not reach the tree's error handler)."""
    message, loud = explain_error(error)
    if loud:
        log.error("moderation %s failed", type(error).__name__, exc_info=error)
    try:
        if edit and interaction.response.is_done():
            await interaction.edit_original_response(content=message, view=None)
        else:
            await send_private(interaction, message)
    except discord.HTTPException:
        log.warning("cannot tell the moderator: %s", message)


class ReasonModal(discord.ui.Modal, title="Remove comment"):
    reason: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Reason", max_length=300)

    def __init__(self, on_submit: Callable[[discord.Interaction, str], Awaitable[None]]) -> None:
        super().__init__()
        self._submit = on_submit

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._submit(interaction, self.reason.value)

    # discord.ui.Modal itself narrows BaseView.on_error's signature; mypy sees the base's.
    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        await _explain(interaction, error)


class ReviewView(discord.ui.View):
    """A flagged comment's review card (`/mod queue`): keep it or remove it."""

    def __init__(self, cog: ModerationBase, thread_id: int, message_id: int, owner_id: int) -> None:
        super().__init__(timeout=600)
        self.cog, self.thread_id, self.message_id, self.owner_id = cog, thread_id, message_id, owner_id

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        await _explain(interaction, error, edit=True)

    @discord.ui.button(label="Approve", style=discord.ButtonStyle.success)
    async def approve(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        assert interaction.guild_id is not None
        if not await self.cog.services.moderation.approve(guild_id=interaction.guild_id, message_id=self.message_id,
                                                          moderator_id=interaction.user.id):
            await interaction.response.edit_message(
                content="That comment is no longer waiting for review (removed, deleted or already approved).",
                view=None)
            return
        await interaction.response.edit_message(content="Approved: the comment stays.", view=None)

    @discord.ui.button(label="Remove", style=discord.ButtonStyle.danger)
    async def remove(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        channel = await self.cog.thread(self.thread_id)
        if channel is None:
            await interaction.response.edit_message(content="That thread is gone.", view=None)
            return
        await interaction.response.edit_message(content="Removing…", view=None)
        await self.cog.remove_comment(interaction, channel.get_partial_message(self.message_id),
                                      "flagged and removed")
        await interaction.edit_original_response(content="Removed.")
