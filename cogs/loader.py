"""Which cogs the bot runs. Each gets the services it needs through its constructor."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from discord.ext import commands

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["build_cogs", "load_cogs"]

log = logging.getLogger(__name__)


def build_cogs(bot: commands.Bot, services: Services) -> list[commands.Cog]:
    from cogs.articles import ArticlesCog
    from cogs.comment_listener import CommentListener
    from cogs.comments import CommentsCog
    from cogs.digest import DigestCog
    from cogs.feeds import FeedsCog
    from cogs.moderation import ModerationCog
    from cogs.settings import SettingsCog
    from cogs.summarize import SummarizeCog

    return [
        SettingsCog(services),
        FeedsCog(bot, services),
        SummarizeCog(bot, services),  # after FeedsCog: it lends the publisher thread summaries
        ArticlesCog(services),
        CommentListener(bot, services),
        CommentsCog(services),
        ModerationCog(bot, services),
        DigestCog(bot, services),
    ]


async def load_cogs(bot: commands.Bot, services: Services) -> None:
    for cog in build_cogs(bot, services):
        await bot.add_cog(cog)
        log.debug("loaded cog %s", type(cog).__name__)
