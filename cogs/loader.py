"""Which cogs the bot runs. Each gets what it needs through its constructor; none looks another up."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from discord.ext import commands

if TYPE_CHECKING:
    from bot.services import Services
    from cogs.client import NewsdeskBot
    from cogs.publishing import StoryPublisher

__all__ = ["build_cogs", "load_cogs"]

log = logging.getLogger(__name__)


def build_cogs(bot: NewsdeskBot, services: Services, publisher: StoryPublisher) -> list[commands.Cog]:
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
        FeedsCog(bot, services, publisher),
        SummarizeCog(bot, services, publisher.editor),
        ArticlesCog(services),
        CommentListener(bot, services),
        CommentsCog(services),
        ModerationCog(bot, services, publisher),
        DigestCog(bot, services),
    ]


async def load_cogs(bot: NewsdeskBot, services: Services, publisher: StoryPublisher) -> None:
    for cog in build_cogs(bot, services, publisher):
        await bot.add_cog(cog)
        log.debug("loaded cog %s", type(cog).__name__)
