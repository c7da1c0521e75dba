"""/mod feature|unfeature and the "Feature comment" message menu: pin a good comment in its thread and list it
under the story's post and in the daily digest (`bot.moderation.featured`); the publisher edits the post."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.moderation.service import ModerationError
from cogs.moderation.base import MESSAGE_LINK, ModerationBase
from cogs.support.checks import has_server_permissions
from cogs.support.replies import UserFacingError

if TYPE_CHECKING:
    from cogs.publishing import StoryPublisher

__all__ = ["FeatureCommands"]

log = logging.getLogger(__name__)


class FeatureCommands(ModerationBase):
    publisher: StoryPublisher | None

    @app_commands.command(name="feature", description="Feature a comment: pin it, list it under the story and in the digest")
    @has_server_permissions(manage_messages=True)
    @app_commands.describe(message="The comment's message link (Copy Message Link) or id")
    async def feature(self, interaction: discord.Interaction, message: str) -> None:
        target = await self._linked_comment(interaction, message)
        await interaction.response.defer(ephemeral=True)
        await self._feature(interaction, target)

    async def feature_from_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """The "Feature comment" message menu (right-click a comment › Apps)."""
        perms = interaction.permissions
        if not (perms.manage_messages or perms.administrator):
            raise UserFacingError("Featuring comments is for moderators (it needs Manage Messages).")
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._feature(interaction, message)

    @app_commands.command(name="unfeature", description="Stop featuring a comment (unpin it, drop it from the story)")
    @has_server_permissions(manage_messages=True)
    @app_commands.describe(message="The comment's message link (Copy Message Link) or id")
    async def unfeature(self, interaction: discord.Interaction, message: str) -> None:
        assert interaction.guild_id is not None
        target = await self._linked_comment(interaction, message)
        await interaction.response.defer(ephemeral=True)
        try:
            await self.services.featured.unfeature(guild_id=interaction.guild_id, message_id=target.id,
                                                   moderator_id=interaction.user.id)
        except ModerationError as exc:
            raise UserFacingError(str(exc)) from None
        note = ""
        try:
            await target.unpin(reason=f"unfeatured by {interaction.user}")
        except discord.NotFound:
            pass  # deleted meanwhile: nothing pinned any more
        except discord.HTTPException as exc:
            note = f" I could not unpin it ({exc.text or exc.status}): unpin it by hand."
        self._edit_posts()
        await interaction.followup.send("No longer featured: unpinned and dropped from the story's post." + note,
                                        ephemeral=True)

    async def _feature(self, interaction: discord.Interaction, message: discord.Message | discord.PartialMessage) -> None:
        assert interaction.guild_id is not None
        if not await self.services.recorder.is_article_thread(message.channel.id):
            raise UserFacingError("That message is not in an article thread.")
        try:
            await self.services.featured.feature(guild_id=interaction.guild_id, message_id=message.id,
                                                 moderator_id=interaction.user.id)
        except ModerationError as exc:
            raise UserFacingError(str(exc)) from None
        note = ""
        try:
            await message.pin(reason=f"featured by {interaction.user}")
        except discord.HTTPException as exc:  # no Manage Messages there, or the thread's 50 pins are used up
            note = f" I could not pin it ({exc.text or exc.status}); it is featured all the same."
        self._edit_posts()
        await interaction.followup.send(
            "Featured: pinned, listed under the story's post and in the next daily digest." + note, ephemeral=True)

    async def _linked_comment(self, interaction: discord.Interaction, value: str) -> discord.PartialMessage:
        match = MESSAGE_LINK.search(value.strip())
        if match is None:
            raise UserFacingError("Give a message link (Copy Message Link) or a message id.")
        channel_id = int(match["channel"]) if match["channel"] else interaction.channel_id
        channel = await self.thread(channel_id) if channel_id else None
        if channel is None or channel.guild.id != interaction.guild_id:
            raise UserFacingError("I cannot find that comment's thread in this server; paste the full message link.")
        return channel.get_partial_message(int(match["message"]))

    def _edit_posts(self) -> None:
        """The story's posts are marked behind; the publisher's pass edits them (now, if it runs here)."""
        if self.publisher is not None:
            self.publisher.wake()
