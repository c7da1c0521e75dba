"""Readers' commands: /comments tree|mine|export and /privacy forget-me."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.comments.tree import build_tree, paginate, render_lines
from bot.formats import plural
from bot.posting.format import escape_mentions, truncate_words
from cogs.support.article_picker import article_choices, chosen_article, resolve_article
from cogs.support.checks import has_server_permissions
from cogs.support.replies import UserFacingError
from cogs.support.views import ConfirmView, PagerView

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["CommentsCog"]


class CommentsCog(commands.Cog):
    def __init__(self, services: Services) -> None:
        self.services = services

    comments = app_commands.Group(name="comments", description="The discussion under articles", guild_only=True)
    privacy = app_commands.Group(name="privacy", description="What Newsdesk stores about you", guild_only=True)

    async def article_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await article_choices(self.services, interaction.guild_id, current)

    @comments.command(name="tree", description="Show an article's discussion as a tree")
    @app_commands.describe(article="The article (defaults to this thread's)")
    @app_commands.autocomplete(article=article_autocomplete)
    async def tree(self, interaction: discord.Interaction, article: str | None = None) -> None:
        assert interaction.guild_id is not None
        article_id = await resolve_article(self.services, interaction, article)
        comments = await self.services.comments.for_article(interaction.guild_id, article_id)
        record = await self.services.articles.get(article_id)
        title = truncate_words(escape_mentions(record.title if record else f"Article {article_id}"), 80)
        if not comments:
            await interaction.response.send_message(f"**{title}** has no comments yet.", ephemeral=True)
            return
        pages = paginate(render_lines(build_tree(comments)))
        view = PagerView(pages, interaction.user.id, title=f"{title} — {plural(len(comments), 'comment')}")
        await interaction.response.send_message(view.render(), view=view if len(pages) > 1 else discord.utils.MISSING,
                                                ephemeral=True)

    @comments.command(name="mine", description="Your recent comments in this server")
    async def mine(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        mine = await self.services.comments.by_author(interaction.guild_id, interaction.user.id, limit=50)
        if not mine:
            await interaction.response.send_message("You have no recorded comments here.", ephemeral=True)
            return
        lines = []
        for c in mine:
            state = {"deleted": " (deleted)", "removed": " (removed by a moderator)"}.get(c.status, "")
            # The thread's name, then a separator: Discord shows both as plain words ("Heatwave peaks · 2 hours ago").
            when = discord.utils.format_dt(discord.utils.snowflake_time(c.message_id), "R")
            lines.append(truncate_words(f"<#{c.thread_id}> · {when}{state}: "
                                        f"{escape_mentions(' '.join(c.content.split()))}", 180))
        pages = paginate(lines)
        view = PagerView(pages, interaction.user.id, title="Your comments")
        await interaction.response.send_message(view.render(), view=view if len(pages) > 1 else discord.utils.MISSING,
                                                ephemeral=True)

    @comments.command(name="export", description="Export comments with replies, edits and reactions (moderators)")
    @has_server_permissions(manage_messages=True)
    @app_commands.describe(article="One article, or leave empty for all", format="File format")
    @app_commands.autocomplete(article=article_autocomplete)
    async def export(self, interaction: discord.Interaction, article: str | None = None,
                     format: Literal["json", "csv"] = "json") -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        article_id = await chosen_article(self.services.articles, article)
        data = await self.services.exporter.export(interaction.guild_id, format, article_id=article_id)
        limit = interaction.guild.filesize_limit if interaction.guild is not None else 10 * 1024 * 1024
        if len(data) > limit:  # Discord would refuse the upload with a bare 413
            raise UserFacingError(
                f"The export is {len(data) / 1e6:.1f} MB, over this server's upload limit ({limit / 1e6:.0f} MB). "
                + ("Export one article at a time (`article:`), or run" if article_id is None else "Run")
                + f" `newsdesk export --guild {interaction.guild_id}` on the bot's host.")
        name = f"comments-{interaction.guild_id}-{article_id or 'all'}.{format}"
        await interaction.followup.send(f"Export ready ({len(data):,} bytes).",
                                        file=discord.File(io.BytesIO(data), filename=name), ephemeral=True)

    @privacy.command(name="forget-me", description="Delete every comment and reaction Newsdesk stored from you")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        user_id = interaction.user.id

        async def confirmed(confirm_interaction: discord.Interaction) -> None:
            deleted = await self.services.comments.forget_user(user_id)
            await confirm_interaction.response.edit_message(
                content=f"Done: deleted {plural(deleted, 'stored record')} about you (comments, their edits and "
                        "reactions). Your messages on Discord itself are untouched.", view=None)

        await interaction.response.send_message(
            "This deletes every comment, edit history and reaction of yours that Newsdesk stored, in all "
            "servers. Messages on Discord stay as they are. Continue?",
            view=ConfirmView(user_id, confirmed, confirm_label="Delete my data"), ephemeral=True)
