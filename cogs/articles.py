"""/article info and /trending: what an article drew in this server."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.comments.figures import ranked_line
from bot.posting.format import LIMITS, fit_escaped, truncate_words
from cogs.support.article_picker import article_choices, resolve_article
from cogs.support.replies import UserFacingError

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["ArticlesCog"]

WINDOWS = {"day": 86400, "week": 7 * 86400}
# How each window reads in a reply: trending is over the last 24 hours, not the calendar day.
WINDOW_NAMES = {"day": "the last 24 hours", "week": "the last 7 days"}


class ArticlesCog(commands.Cog):
    def __init__(self, services: Services) -> None:
        self.services = services

    article = app_commands.Group(name="article", description="Articles posted in this server", guild_only=True)

    async def article_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await article_choices(self.services, interaction.guild_id, current)

    @article.command(name="info", description="Details and discussion figures of an article")
    @app_commands.describe(article="The article (defaults to this thread's)")
    @app_commands.autocomplete(article=article_autocomplete)
    async def info(self, interaction: discord.Interaction, article: str | None = None) -> None:
        assert interaction.guild_id is not None
        article_id = await resolve_article(self.services, interaction, article)
        record = await self.services.articles.get(article_id)
        if record is None:
            raise UserFacingError("That article is no longer stored.")
        stats = await self.services.stats.for_article(interaction.guild_id, article_id)
        posts = [p for p in await self.services.articles.posts_of(article_id) if p.guild_id == interaction.guild_id]
        lines = [
            f"**{fit_escaped(record.title or record.url, LIMITS['embed_title'])}**",  # feed titles are unbounded
            truncate_words(record.url, 1000),
            f"Published: {discord.utils.format_dt(record.published, 'f') if record.published else 'unknown'}",
        ]
        if record.author:
            lines.append(f"By {fit_escaped(record.author, LIMITS['embed_author'])}")
        if posts and posts[0].thread_id:
            lines.append(f"Discussion: <#{posts[0].thread_id}>")
        if stats is not None:
            lines.append(f"Comments: {stats.comments} · Participants: {stats.participants} · "
                         f"Reactions: {stats.reactions}")
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="trending", description="The most discussed articles")
    @app_commands.guild_only()
    @app_commands.describe(period="Over the last day or week")
    async def trending(self, interaction: discord.Interaction, period: Literal["day", "week"] = "day") -> None:
        assert interaction.guild_id is not None
        ranked = await self.services.stats.ranked(interaction.guild_id, since=time.time() - WINDOWS[period])
        if not ranked:
            await interaction.response.send_message(
                f"No discussion in {WINDOW_NAMES[period]} yet. Comment in an article's thread to get it going!",
                ephemeral=True)
            return
        text = f"**Most discussed in {WINDOW_NAMES[period]}**"
        for n, a in enumerate(ranked, 1):
            line = ranked_line(n, a)
            if len(text) + 1 + len(line) > LIMITS["content"]:
                break  # whole entries only: long links would otherwise break the 2000-character limit
            text += "\n" + line
        await interaction.response.send_message(text)
