"""Choosing an article in a command: an autocompleted id, a pasted link, or the thread you are in.

`chosen_article` is the one place an `article` option (id or link) becomes an article id; every command
taking one goes through it, so they accept the same input and refuse bad input with the same words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.posting.format import escape_mentions, truncate_words
from cogs.support.replies import UserFacingError

if TYPE_CHECKING:
    from bot.posting.catalog import ArticleCatalog
    from bot.services import Services

__all__ = ["article_choices", "chosen_article", "resolve_article"]


async def article_choices(services: Services, guild_id: int | None, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete: articles posted in this guild whose title matches what was typed, newest first."""
    found = await services.articles.search(current, guild_id=guild_id, limit=25)
    return [app_commands.Choice(name=truncate_words(a.title or a.url, 100), value=str(a.id)) for a in found]


async def chosen_article(articles: ArticleCatalog, value: str | None) -> int | None:
    """The article id an `article` option names (its id, as autocomplete gives it, or its link); None when
    the option is empty. A link no article has is refused, never read as "no article": for a purge or an
    export, "no article" means all of them."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    found = await articles.by_url(value)
    if found is None:
        raise UserFacingError(f"{escape_mentions(truncate_words(value, 100))!r} is not an article I know: pick one "
                              "from the suggestions, or give its id (see /comments tree) or its link.")
    return found.id


async def resolve_article(services: Services, interaction: discord.Interaction, value: str | None) -> int:
    """The article id meant by `value` (id or link), or by the article thread the command runs in."""
    chosen = await chosen_article(services.articles, value)
    if chosen is not None:
        return chosen
    post = await services.articles.post_in_thread(interaction.channel_id) if interaction.channel_id else None
    if post is None:
        raise UserFacingError("Use this inside an article's thread, or choose the article.")
    return post.article_id
