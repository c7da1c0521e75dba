"""Reports and held comments on Discord: the "Report comment" menu (for everyone), taking a held comment down,
re-posting an approved one, and the automatic hold's expiry. The decisions are `CommentReview`'s
(bot/moderation/review.py); this part does only what Discord needs."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands

from bot.moderation.review import REPORT_REASONS, QueueItem, repost_text
from bot.moderation.service import ModerationError
from bot.storage.timers import Timer
from cogs.moderation.base import ModerationBase
from cogs.moderation.views import explain
from cogs.support.replies import UserFacingError

__all__ = ["ReportCommands", "take_down_held"]

log = logging.getLogger(__name__)


class ReportDetails(discord.ui.Modal, title="Report comment"):
    details: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Anything the moderators should know? (optional)", style=discord.TextStyle.paragraph,
        required=False, max_length=300)

    def __init__(self, cog: ReportCommands, message: discord.Message, reason: str) -> None:
        super().__init__()
        self.cog, self.message, self.reason = cog, message, reason

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.finish_report(interaction, self.message, self.reason, self.details.value)

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        await explain(interaction, error)


class ReportReasonView(discord.ui.View):
    """The reporter picks a reason from a short list; a form for free text follows."""

    def __init__(self, cog: ReportCommands, message: discord.Message) -> None:
        super().__init__(timeout=300)
        self.cog, self.message = cog, message
        self.pick: discord.ui.Select[Any] = discord.ui.Select(
            placeholder="Why are you reporting this comment?",
            options=[discord.SelectOption(label=r, value=r) for r in REPORT_REASONS])
        self.pick.callback = self._picked  # type: ignore[method-assign]
        self.add_item(self.pick)

    async def _picked(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(ReportDetails(self.cog, self.message, self.pick.values[0]))

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        await explain(interaction, error)


async def take_down_held(message: discord.Message | discord.PartialMessage) -> bool:
    """Delete a comment that is being held (Discord cannot hide one). False if the bot may not delete it."""
    try:
        await message.delete()
    except discord.NotFound:
        pass
    except discord.Forbidden:
        log.warning("cannot hold comment %s in %s: missing Manage Messages", message.id, message.channel.id)
        return False
    return True


class ReportCommands(ModerationBase):
    async def report_from_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """The "Report comment" message menu, for every member."""
        if not await self.services.recorder.is_article_thread(message.channel.id) or message.author.bot:
            raise UserFacingError("Only comments in article threads can be reported.")
        if message.author.id == interaction.user.id:
            raise UserFacingError("You cannot report your own comment.")
        await interaction.response.send_message("Report this comment to the moderators:",
                                                view=ReportReasonView(self, message), ephemeral=True)

    async def finish_report(self, interaction: discord.Interaction, message: discord.Message, reason: str,
                            details: str) -> None:
        assert interaction.guild_id is not None
        try:
            outcome = await self.services.review.report(guild_id=interaction.guild_id, message_id=message.id,
                                                        reporter_id=interaction.user.id, reason=reason,
                                                        details=details)
        except ModerationError as exc:
            raise UserFacingError(str(exc)) from None
        if outcome.hide and await take_down_held(message):
            await self.services.review.held(guild_id=interaction.guild_id, message_id=message.id, kind="reports")
        await interaction.response.edit_message(
            content="Thank you: the moderators will look at this comment. Its author is not told who reported it.",
            view=None)

    async def repost(self, item: QueueItem) -> int | None:
        """Post an approved held comment again, by the bot; returns the new message's id (None: thread gone)."""
        c = item.comment
        channel = await self.thread(c.thread_id)
        if channel is None:
            return None
        sent = await channel.send(repost_text(c), allowed_mentions=discord.AllowedMentions.none(),
                                  suppress_embeds=True)
        return sent.id

    @commands.Cog.listener("on_ready")
    async def _review_acts_as_bot(self) -> None:
        # The bot's user is known only once logged in; before that its own actions are logged as by 0,
        # which the mod-log also words as the bot.
        self.services.review.acting_as(self.bot_user_id)

    async def hold_expired(self, timer: Timer) -> None:
        await self.services.review.expire_hold(guild_id=timer.payload["guild_id"], user_id=timer.payload["user_id"])
