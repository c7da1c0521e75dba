"""The /mod cog's form and buttons: the removal reason modal and the review card's Approve/Remove."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from cogs.support.replies import explain_error, send_private

if TYPE_CHECKING:
    from bot.moderation.review import QueueItem
    from cogs.moderation.reports import ReportCommands

__all__ = ["ReasonModal", "ReviewView", "explain"]

log = logging.getLogger(__name__)


async def explain(interaction: discord.Interaction, error: Exception, *, edit: bool = False) -> None:
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
        await explain(interaction, error)


class ReviewView(discord.ui.View):
    """A review card (`/mod queue`): a flagged or reported comment stays or goes; a held one is re-posted
    by the bot or rejected."""

    def __init__(self, cog: ReportCommands, item: QueueItem, owner_id: int) -> None:
        super().__init__(timeout=600)
        self.cog, self.item, self.owner_id = cog, item, owner_id
        self.thread_id, self.message_id = item.comment.thread_id, item.comment.message_id

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        await explain(interaction, error, edit=True)

    @discord.ui.button(label="Approve", style=discord.ButtonStyle.success)
    async def approve(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        assert interaction.guild_id is not None
        review = self.cog.services.review
        current = await review.item(interaction.guild_id, self.message_id)
        gone = "That comment is no longer waiting for review (removed, deleted or already decided)."
        if current is None:
            await interaction.response.edit_message(content=gone, view=None)
            return
        if current.held is None:
            done = await review.keep(item=current, moderator_id=interaction.user.id)
            await interaction.response.edit_message(content="Approved: the comment stays." if done else gone, view=None)
            return
        if not await review.claim_approval(current):
            await interaction.response.edit_message(content=gone, view=None)
            return
        await interaction.response.edit_message(content="Posting it again…", view=None)
        try:
            repost_id = await self.cog.repost(current)
        except discord.HTTPException:
            await review.approval_failed(current)
            raise
        if repost_id is None:
            await review.approval_failed(current)
            await interaction.edit_original_response(content="That thread is gone: nothing to post it in.")
            return
        await review.approved_held(item=current, moderator_id=interaction.user.id, repost_id=repost_id)
        await interaction.edit_original_response(content="Approved: the bot posted it again with the author's name.")

    @discord.ui.button(label="Remove", style=discord.ButtonStyle.danger)
    async def remove(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        assert interaction.guild_id is not None
        review = self.cog.services.review
        current = await review.item(interaction.guild_id, self.message_id)
        if current is not None and current.held is not None:
            done = await review.reject_held(item=current, moderator_id=interaction.user.id,
                                            reason="rejected after review")
            await interaction.response.edit_message(content="Rejected: it stays off the thread." if done else
                                                    "Someone else decided on it first.", view=None)
            return
        channel = await self.cog.thread(self.thread_id)
        if channel is None:
            await interaction.response.edit_message(content="That thread is gone.", view=None)
            return
        await interaction.response.edit_message(content="Removing…", view=None)
        reason = "reported and removed" if current is not None and current.reports else "flagged and removed"
        await self.cog.remove_comment(interaction, channel.get_partial_message(self.message_id), reason)
        await review.removed(self.message_id)
        await interaction.edit_original_response(content="Removed.")
