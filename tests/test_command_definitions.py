"""What the slash commands declare, read from the cog classes: no test needs Discord for this."""

from __future__ import annotations

import pytest
from discord import app_commands
from discord.ext import commands

from bot.posting.catalog import ArticleCatalog
from bot.storage.articles import ArticleStore
from bot.storage.engines import open_database
from bot.storage.posts import PostStore
from cogs.articles import ArticlesCog
from cogs.comments import CommentsCog
from cogs.digest import DigestCog
from cogs.feeds import FeedsCog
from cogs.moderation import ModerationCog
from cogs.settings import SettingsCog
from cogs.summarize import SummarizeCog
from cogs.support.article_picker import chosen_article
from cogs.support.replies import UserFacingError
from tests.test_article_store import add_feed, item

COGS: list[type[commands.Cog]] = [ArticlesCog, CommentsCog, DigestCog, FeedsCog, ModerationCog, SettingsCog,
                                  SummarizeCog]


def _subcommands(cog: type[commands.Cog]) -> list[app_commands.Command | app_commands.Group]:
    """Every command below a top-level one (a GroupCog's own commands are all below its group)."""
    found = []
    nested = list(cog.__cog_app_commands__)
    top = [] if cog.__cog_is_app_commands_group__ else nested
    while nested:
        command = nested.pop()
        if command not in top:
            found.append(command)
        if isinstance(command, app_commands.Group):
            nested.extend(command.commands)
    return found


def test_default_permissions_are_set_on_top_level_commands_only() -> None:
    # Discord reads default_member_permissions from top-level commands only; on a subcommand it is
    # silently dropped, so a decorator there would claim a protection that does not exist.
    misleading = [f"{cog.__name__}: /{c.qualified_name}" for cog in COGS for c in _subcommands(cog)
                  if c.default_permissions is not None]
    assert misleading == []
    assert sum(len(_subcommands(cog)) for cog in COGS) > 20  # the walk found the subcommands


async def test_an_article_option_is_an_id_or_a_known_link(database_url: str) -> None:
    db = await open_database(database_url)
    try:
        store = ArticleStore(db)
        [outcome] = await store.ingest(await add_feed(db, "https://example.com/feed"), [item(1)])
        articles = ArticleCatalog(articles=store, posts=PostStore(db))
        assert await chosen_article(articles, None) is None
        assert await chosen_article(articles, "   ") is None  # empty means "all", for the commands that allow it
        assert await chosen_article(articles, " 42 ") == 42
        assert await chosen_article(articles, "https://example.com/story/1") == outcome.article_id
        with pytest.raises(UserFacingError, match="is not an article I know"):
            await chosen_article(articles, "https://example.com/typo")  # never widened to every article
    finally:
        await db.close()
