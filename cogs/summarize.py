"""/summarize article|discussion, the "Summarize" message menu and the Summarize button on story posts.

`/summarize` and the menu work anywhere Discord lets a user-installed app answer (DMs, group DMs, servers
without Newsdesk): there the bot is in no channel and reads nothing of the server; it answers the interaction
from its own data (the target message arrives in it) and fetches links itself. What needs a server's database
(this thread's article, a posted one, the discussion) says so in one line, and nothing about such a server is
stored.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Literal, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.feeds.article_text import ArticleText, NoArticleText
from bot.posting.format import escape_mentions, fit_escaped, truncate_words
from bot.summarize.articles import CannotSummarize
from bot.summarize.clean import InputError
from bot.summarize.result import SummaryOptions, SummaryResult
from cogs.discussion import DiscussionButtons, discussion_button_type, send_discussion
from cogs.publishing.webhooks import PostEditor
from cogs.support.article_picker import article_choices
from cogs.support.embeds import NEWS_COLOUR
from cogs.support.replies import UserFacingError
from cogs.support.views import (
    SUMMARIZE_TEMPLATE,
    ButtonHandler,
    IdButtonType,
    id_button_type,
    summarize_button,
)

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["SummarizeCog", "anywhere", "first_link", "newsdesk_server", "summarize_button_type", "summary_embed"]

log = logging.getLogger(__name__)
_LINK = re.compile(r"https?://[^\s<>()\"']+", re.IGNORECASE)
T = TypeVar("T")

# A message without a link is summarized from its own text when it has at least this many words.
MIN_MESSAGE_WORDS = 40
ANYWHERE_HINT = "here (a DM, or a server without Newsdesk) give `url:` and I summarize that link."


def anywhere(command: T) -> T:
    """Offered as a user-installed app too (Discord's installation contexts: guild and user) and in every
    interaction context (servers, DMs with the bot, other DMs and group DMs). Every other command is
    guild-install, guild-only (NewsdeskTree's defaults)."""
    command = app_commands.allowed_installs(guilds=True, users=True)(command)
    return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)(command)


def newsdesk_server(interaction: discord.Interaction) -> bool:
    """Whether the interaction comes from a server that installed Newsdesk (so its database may know the
    channel): Discord says so in `authorizing_integration_owners`; a user install alone does not count."""
    return interaction.is_guild_integration()


def first_link(message: discord.Message) -> str | None:
    match = _LINK.search(message.content or "")
    if match:
        return match.group(0).rstrip(".,;:!?")
    for embed in message.embeds:
        if embed.url:
            return embed.url
    return None


def summary_embed(result: SummaryResult, *, title: str | None, url: str) -> discord.Embed:
    body = escape_mentions(result.summary) or "(nothing to summarize)"
    embed = discord.Embed(title=fit_escaped(title or url, 256), url=url,
                          description=truncate_words(body, 4000), colour=NEWS_COLOUR)
    footer = f"Reduced by {round(result.reduced_by * 100)}% · {result.method} summary"
    if result.fallback_reason:
        footer += " (the AI summarizer failed; this is the extractive one)"
    if result.keywords:
        embed.add_field(name="Keywords", value=truncate_words(", ".join(result.keywords[:8]), 1024), inline=False)
    embed.set_footer(text=footer)
    return embed


def summarize_button_type(handler: ButtonHandler) -> IdButtonType:
    """The Summarize button on story posts, answered with `handler(interaction, article_id)`: its custom_id
    carries the article id, so it works on every story ever posted, across restarts."""
    return id_button_type(SUMMARIZE_TEMPLATE, summarize_button, handler)


class SummarizeCog(commands.Cog):
    def __init__(self, bot: commands.Bot, services: Services, editor: PostEditor) -> None:
        self.bot = bot
        self.services = services
        self.menu = anywhere(app_commands.ContextMenu(name="Summarize", callback=self.summarize_message))
        self.button = summarize_button_type(self.on_button)
        self.discussion_button = discussion_button_type(self.on_discussion_button)
        self.discussion_buttons = DiscussionButtons(bot, services.discussions, editor=editor)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)
        self.bot.add_dynamic_items(self.button, self.discussion_button)
        self.discussion_buttons.background.start(after=self.bot.wait_until_ready)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.remove_dynamic_items(self.button, self.discussion_button)
        await self.discussion_buttons.background.stop()

    # --- producing a summary ---------------------------------------------------------------------

    async def _for_article(self, article_id: int, options: SummaryOptions) -> tuple[SummaryResult, ArticleText]:
        try:
            return await self.services.article_summaries.for_article(article_id, options)
        except CannotSummarize as exc:
            raise UserFacingError(str(exc)) from None

    async def _for_url(self, url: str, options: SummaryOptions, *, known: bool = True) -> tuple[SummaryResult, ArticleText]:
        """`known`: a stored article with that link may answer (in Newsdesk's servers); elsewhere the page is
        read afresh, so nothing tells a stranger which links Newsdesk holds."""
        stored = await self.services.articles.by_url(url) if known else None
        if stored is not None:
            return await self._for_article(stored.id, options)
        try:
            text = await self.services.article_texts.from_url(url)
            result = await self.services.summaries.summarize_text(text.text, options=options,
                                                                  language=text.language, title=text.title)
        except NoArticleText as exc:
            raise UserFacingError(f"I could not read that page: {exc}") from None
        except InputError as exc:
            raise UserFacingError(f"There is nothing to summarize there: {exc}") from None
        return result, text

    async def _for_message(self, message: discord.Message, options: SummaryOptions) -> SummaryResult:
        try:
            return await self.services.summaries.summarize_text(message.content, options=options)
        except InputError as exc:
            raise UserFacingError(f"There is nothing to summarize there: {exc}") from None

    # --- entry points ----------------------------------------------------------------------------

    async def article_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if not newsdesk_server(interaction):
            return []  # a DM or a server without Newsdesk: it posted nothing there
        return await article_choices(self.services, interaction.guild_id, current)

    summarize = anywhere(app_commands.Group(
        name="summarize", description="Summarize an article or link, or what readers say in this thread"))

    @summarize.command(name="article", description="Summarize an article: this thread's, a posted one, or any link")
    @app_commands.describe(article="A posted article (defaults to this thread's)", url="Any article link",
                           length="How long", bullets="Bullet points instead of a paragraph",
                           private="Only you see the summary")
    @app_commands.autocomplete(article=article_autocomplete)
    async def summarize_article(self, interaction: discord.Interaction, article: str | None = None,
                                url: str | None = None, length: Literal["short", "medium", "long"] = "medium",
                                bullets: bool = False, private: bool = False) -> None:
        try:
            options = SummaryOptions(length=length, style="bullets" if bullets else "paragraph")
        except ValueError as exc:
            raise UserFacingError(f"I cannot make that summary: {exc}.") from None
        if article and url:
            raise UserFacingError("Give an article or a url, not both.")
        here = newsdesk_server(interaction)
        article_id: int | None = None
        if article:
            if not article.isdigit():
                url = article  # someone pasted a link into the article box
            elif not here:
                raise UserFacingError(f"`article:` picks a story Newsdesk posted in a server; {ANYWHERE_HINT}")
            else:
                article_id = int(article)
        elif not url:
            if not here:
                raise UserFacingError(f"There is no article thread of Newsdesk here; {ANYWHERE_HINT}")
            post = await self.services.articles.post_in_thread(interaction.channel_id) if interaction.channel_id else None
            if post is None:
                raise UserFacingError("Use this in an article's thread, or give `article:` or `url:`.")
            article_id = post.article_id
        if url and not _LINK.fullmatch(url.strip()):
            raise UserFacingError("That does not look like a link: it should start with http:// or https://.")
        await interaction.response.defer(ephemeral=private, thinking=True)
        if article_id is not None:
            result, text = await self._for_article(article_id, options)
        else:
            assert url is not None
            result, text = await self._for_url(url.strip(), options, known=here)
        await interaction.followup.send(embed=summary_embed(result, title=text.title, url=text.url), ephemeral=private)

    @summarize.command(name="discussion", description="What readers are saying in this article thread")
    @app_commands.describe(private="Only you see the summary")
    async def summarize_discussion(self, interaction: discord.Interaction, private: bool = False) -> None:
        await self._discussion_here(interaction, private=private)

    async def summarize_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """The message menu: a Newsdesk story post, else the message's first link, else its own text. Outside
        Newsdesk's servers the message comes from the interaction's resolved data (the bot cannot fetch it)."""
        here = newsdesk_server(interaction)
        link = first_link(message)
        post = await self.services.articles.post_by_message(message.id) if here else None
        words = len((message.content or "").split())
        if post is None and link is None and words < MIN_MESSAGE_WORDS:
            raise UserFacingError("That message has no link, nor enough text to summarize.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        options = SummaryOptions()
        if post is not None:
            result, text = await self._for_article(post.article_id, options)
        elif link is not None:
            result, text = await self._for_url(link, options, known=here)
        else:
            result = await self._for_message(message, options)
            title = f"{message.author.display_name}'s message"
            await interaction.followup.send(embed=summary_embed(result, title=title, url=message.jump_url),
                                            ephemeral=True)
            return
        await interaction.followup.send(embed=summary_embed(result, title=text.title, url=text.url), ephemeral=True)

    async def on_button(self, interaction: discord.Interaction, article_id: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result, text = await self._for_article(article_id, SummaryOptions(style="bullets"))
        except UserFacingError as exc:
            await interaction.followup.send(str(exc), ephemeral=True)
            return
        await interaction.followup.send(embed=summary_embed(result, title=text.title, url=text.url), ephemeral=True)

    # --- "What readers are saying" (cogs/discussion.py) -----------------------------------------------

    async def _discussion_here(self, interaction: discord.Interaction, *, private: bool) -> None:
        if not newsdesk_server(interaction):
            raise UserFacingError("What readers are saying is for article threads in servers where Newsdesk posts; "
                                  "here, `/summarize article url:` summarizes a link.")
        post = await self.services.articles.post_in_thread(interaction.channel_id) if interaction.channel_id else None
        if post is None or post.thread_id is None:
            raise UserFacingError("Use `/summarize discussion` in an article's thread.")
        await interaction.response.defer(ephemeral=private, thinking=True)
        await send_discussion(interaction, self.services.discussions, thread_id=post.thread_id,
                              title=await self._title(post.article_id), ephemeral=private)

    async def on_discussion_button(self, interaction: discord.Interaction, thread_id: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        post = await self.services.articles.post_in_thread(thread_id)
        title = await self._title(post.article_id) if post is not None else None
        await send_discussion(interaction, self.services.discussions, thread_id=thread_id, title=title,
                              ephemeral=True)

    async def _title(self, article_id: int) -> str | None:
        article = await self.services.articles.get(article_id)
        return article.title if article is not None else None
