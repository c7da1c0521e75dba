"""/mod filter add|remove|list, /mod queue and /mod log: word filters, flagged comments, the action log."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from bot.formats import plural
from bot.moderation.actions import entry_text
from bot.moderation.service import ModerationError
from bot.posting.format import escape_mentions, truncate_words
from cogs.moderation.reports import ReportCommands
from cogs.moderation.views import ReviewView
from cogs.support.checks import has_server_permissions
from cogs.support.replies import UserFacingError

__all__ = ["ReviewCommands"]


class ReviewCommands(ReportCommands):
    filter = app_commands.Group(name="filter", description="Word filters on comments")

    @filter.command(name="add", description="Remove or flag comments containing a word or matching a regex")
    @has_server_permissions(manage_messages=True)
    async def filter_add(self, interaction: discord.Interaction, pattern: str,
                         action: Literal["remove", "flag"] = "remove", regex: bool = False) -> None:
        assert interaction.guild_id is not None
        try:
            await self.services.moderation.add_filter(guild_id=interaction.guild_id, pattern=pattern, is_regex=regex,
                                                      action=action, moderator_id=interaction.user.id)
        except ModerationError as exc:
            raise UserFacingError(str(exc)) from None
        await interaction.response.send_message(f"Filter added: `{pattern}` → {action}.", ephemeral=True)

    @filter.command(name="remove", description="Delete a word filter")
    @has_server_permissions(manage_messages=True)
    async def filter_remove(self, interaction: discord.Interaction, pattern: str) -> None:
        assert interaction.guild_id is not None
        if not await self.services.moderation.remove_filter(guild_id=interaction.guild_id, pattern=pattern,
                                                            moderator_id=interaction.user.id):
            raise UserFacingError(f"There is no filter `{pattern}`; see `/mod filter list`.")
        await interaction.response.send_message(f"Filter `{pattern}` removed.", ephemeral=True)

    @filter.command(name="list", description="Show this server's word filters")
    @has_server_permissions(manage_messages=True)
    async def filter_list(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        filters = await self.services.moderation.filters(interaction.guild_id)
        text = "\n".join(f"`{f.pattern}` {'(regex) ' if f.is_regex else ''}→ {f.action}" for f in filters)
        await interaction.response.send_message(text or "No filters yet: `/mod filter add`.", ephemeral=True)

    @app_commands.command(name="queue", description="Comments flagged, reported or held, waiting for review")
    @has_server_permissions(manage_messages=True)
    async def queue(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        waiting = await self.services.review.queue(interaction.guild_id, limit=25)
        if not waiting:
            await interaction.response.send_message("The review queue is empty.", ephemeral=True)
            return
        item = waiting[0]
        c = item.comment
        more = f"\n({plural(len(waiting) - 1, 'more comment')} waiting.)" if len(waiting) > 1 else ""
        await interaction.response.send_message(
            f"Comment by <@{c.author_id}> in <#{c.thread_id}> — {escape_mentions(item.why)}:\n> "
            f"{escape_mentions(truncate_words(' '.join(c.content.split()), 1500))}{more}",
            view=ReviewView(self, item, interaction.user.id), ephemeral=True)

    @app_commands.command(name="log", description="Recent moderation actions")
    @has_server_permissions(manage_messages=True)
    async def log_(self, interaction: discord.Interaction, user: discord.User | None = None,
                   article: str | None = None) -> None:
        assert interaction.guild_id is not None
        logged = await self.services.moderation.history(
            interaction.guild_id, user_id=user.id if user else None, article_id=await self.article_option(article),
            limit=20)
        if not logged:
            await interaction.response.send_message("No moderation actions recorded.", ephemeral=True)
            return
        lines = [f"<t:{int(a.created_at)}:R> {entry_text(a, bot_user_id=self.bot_user_id)}" for a in logged]
        await interaction.response.send_message(truncate_words("\n".join(lines), 2000), ephemeral=True)
