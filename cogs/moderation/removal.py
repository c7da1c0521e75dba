"""/mod remove, the "Remove comment" message menu and /mod purge: taking comments down on Discord."""

from __future__ import annotations

import time
from dataclasses import replace

import discord
from discord import app_commands

from bot.formats import plural
from bot.moderation.rules import parse_duration
from bot.storage.comments import Comment
from cogs.moderation.base import MESSAGE_LINK, ModerationBase
from cogs.moderation.views import ReasonModal
from cogs.support.checks import has_server_permissions
from cogs.support.deleting import delete_messages
from cogs.support.replies import UserFacingError
from cogs.support.views import ConfirmView

__all__ = ["RemovalCommands"]



class RemovalCommands(ModerationBase):
    async def remove_comment(self, interaction: discord.Interaction,
                             message: discord.Message | discord.PartialMessage, reason: str) -> None:
        """Delete a comment on Discord, then record and log its removal by the interaction's user."""
        assert interaction.guild_id is not None
        if not await self.services.recorder.is_article_thread(message.channel.id):
            raise UserFacingError("That message is not in an article thread.")
        try:
            await message.delete()
        except discord.NotFound:
            # Already gone on Discord (still mark it removed here) — or never in this thread: a bare id is
            # looked up in the thread the command runs in, and a wrong one must not be logged as removed.
            stored = await self.services.comments.get(message.id)
            if stored is None or stored.thread_id != message.channel.id:
                raise UserFacingError("That message is not in this thread (or no longer exists); "
                                      "paste its message link (Copy Message Link).") from None
        await self.services.moderation.removed(guild_id=interaction.guild_id, moderator_id=interaction.user.id,
                                               message_id=message.id, reason=reason, thread_id=message.channel.id)

    @app_commands.command(name="remove", description="Remove a comment (message link or id) with a reason")
    @app_commands.checks.has_permissions(manage_messages=True)
    async def remove(self, interaction: discord.Interaction, message: str, reason: str) -> None:
        match = MESSAGE_LINK.search(message.strip())
        if match is None:
            raise UserFacingError("Give a message link (Copy Message Link) or a message id.")
        channel_id = int(match["channel"]) if match["channel"] else interaction.channel_id
        channel = await self.thread(channel_id) if channel_id else None
        if channel is None:
            raise UserFacingError("I cannot find that message's thread; paste the full message link.")
        # The link may point anywhere the bot is; the command's permission check only covered the channel
        # it was run in. Check the target thread itself: this server, and Manage Messages there.
        if channel.guild.id != interaction.guild_id:
            raise UserFacingError("That message is not in this server.")
        if not isinstance(interaction.user, discord.Member) or not channel.permissions_for(interaction.user).manage_messages:
            raise UserFacingError("You need Manage Messages in that thread to remove its comments.")
        await interaction.response.defer(ephemeral=True)
        await self.remove_comment(interaction, channel.get_partial_message(int(match["message"])), reason)
        await interaction.followup.send("Comment removed.", ephemeral=True)

    async def remove_from_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """The "Remove comment" message menu: asks for a reason in a form, then removes."""
        if not interaction.permissions.manage_messages:
            raise app_commands.MissingPermissions(["manage_messages"])
        modal = ReasonModal(lambda i, reason: self._finish_menu_remove(i, message, reason))
        await interaction.response.send_modal(modal)

    async def _finish_menu_remove(self, interaction: discord.Interaction, message: discord.Message, reason: str) -> None:
        # thinking=True: a plain defer() of a modal submit is "update the message", and a modal opened from
        # a context menu has no message of ours to update (Discord answers 40004).
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.remove_comment(interaction, message, reason)
        await interaction.followup.send("Comment removed.", ephemeral=True)

    @app_commands.command(name="purge", description="Remove a user's comments (all, or one article's, or since a time)")
    @has_server_permissions(manage_messages=True)
    @app_commands.describe(article="Only this article (id)", since="Only comments newer than this, e.g. 2h or 1d")
    async def purge(self, interaction: discord.Interaction, user: discord.User, article: str | None = None,
                    since: str | None = None) -> None:
        assert interaction.guild_id is not None
        try:
            since_ts = time.time() - parse_duration(since) if since else None
        except ValueError as exc:
            raise UserFacingError(str(exc)) from None
        article_id = await self.article_option(article)
        plan = await self.services.moderation.plan_purge(interaction.guild_id, user.id, article_id=article_id,
                                                         since=since_ts)
        if not plan.count:
            await interaction.response.send_message(f"{user.mention} has no visible comments to remove there.",
                                                    ephemeral=True)
            return

        async def confirmed(confirm: discord.Interaction) -> None:
            await confirm.response.edit_message(content=f"Removing {plural(plan.count, 'comment')}…", view=None)
            by_thread: dict[int, list[Comment]] = {}
            for c in plan.comments:
                by_thread.setdefault(c.thread_id, []).append(c)
            gone: list[Comment] = []
            refused = 0
            for thread_id, comments in by_thread.items():
                channel = await self.thread(thread_id)
                if channel is not None:  # else the thread is gone, and its messages with it
                    ids = [c.message_id for c in comments]
                    try:
                        for start in range(0, len(ids), 100):
                            await delete_messages(channel, ids[start:start + 100], reason=f"purge by {confirm.user}")
                    except discord.Forbidden:
                        refused += len(ids)  # still on Discord: not recorded as removed
                        continue
                gone.extend(comments)
            removed = await self.services.moderation.purged(replace(plan, comments=gone),
                                                            moderator_id=confirm.user.id) if gone else 0
            answer = f"Removed {plural(removed, 'comment')} by {user.mention}."
            if refused:
                answer += (f" {refused} could not be removed: I lack Manage Messages in their threads' channel; "
                           "ask an admin to grant it to my role, then purge again.")
            await confirm.edit_original_response(content=answer)

        await interaction.response.send_message(
            f"Remove **{plural(plan.count, 'comment')}** by {user.mention}? This cannot be undone on Discord.",
            view=ConfirmView(interaction.user.id, confirmed, confirm_label=f"Remove {plan.count}"), ephemeral=True)
