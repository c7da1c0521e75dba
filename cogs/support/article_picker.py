"""Choosing an article in a command: an autocompleted id, a pasted link, or the thread you are in."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.posting.format import truncate_words
from cogs.support.replies import UserFacingError

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["article_choices", "resolve_article"]


async def article_choices(services: Services, guild_id: int | None, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete: articles posted in this guild whose title matches what was typed, newest first."""
    found = await services.articles.search(current, guild_id=guild_id, limit=25)
    return [app_commands.Choice(name=truncate_words(a.title or a.url, 100), value=str(a.id)) for a in found]


async def resolve_article(services: Services, interaction: discord.Interaction, value: str | None) -> int:
    """The article id meant by `value` (id or link), or by the article thread the command runs in."""
    if value:
        value = value.strip()
        if value.isdigit():
            return int(value)
        found = await services.articles.by_url(value)
        if found is None:
            raise UserFacingError("I have no article with that link. Pick one from the suggestions.")
        return found.id
    post = await services.articles.post_in_thread(interaction.channel_id) if interaction.channel_id else None
    if post is None:
        raise UserFacingError("Use this inside an article's thread, or choose the article.")
    return post.article_id
