""""What readers are saying" on Discord: the reply to `/summarize discussion:` and the Summarize discussion button.

The summarize cog owns both (it registers the button's DynamicItem, whose custom_id carries the thread id, so
the button works across restarts); this module turns a `DiscussionResult` into an embed and answers.
Replies are sent with no allowed mentions, on top of the quotes' own neutralising.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.comments.discussion_service import DiscussionResult, DiscussionSummaries
from bot.formats import plural
from bot.posting.format import escape_mentions, fit_escaped, truncate_words
from cogs.support.embeds import NEWS_COLOUR

__all__ = ["DISCUSSION_TEMPLATE", "discussion_button", "discussion_button_type", "discussion_embed",
           "send_discussion"]

DISCUSSION_ID = "newsdesk:discussion:{thread_id}"
DISCUSSION_TEMPLATE = r"newsdesk:discussion:(?P<id>\d+)"


def discussion_button(thread_id: int) -> discord.ui.Button[Any]:
    return discord.ui.Button(label="Summarize discussion", style=discord.ButtonStyle.secondary, emoji="💬",
                             custom_id=DISCUSSION_ID.format(thread_id=thread_id))


def discussion_embed(result: DiscussionResult, *, guild_id: int, thread_id: int, title: str | None) -> discord.Embed:
    summary = result.summary
    lines: list[str] = []
    for point in summary.points:
        link = f"https://discord.com/channels/{guild_id}/{thread_id}/{point.message_id}"
        gist = result.gists.get(point.message_id)
        echo = f" (+{plural(point.similar, 'similar comment')})" if point.similar else ""
        head = f"• {gist}\n  " if gist else "• "
        name = escape_mentions(point.author_name)
        lines.append(f"{head}> {point.quote}\n  — {name}, [comment]({link}){echo}")
    body = "\n".join(lines) or "No comments to summarize yet."
    embed = discord.Embed(title=fit_escaped(f"What readers are saying: {title}" if title else
                                            "What readers are saying", 256),
                          description=truncate_words(body, 4000), colour=NEWS_COLOUR)
    footer = f"From {plural(summary.considered, 'comment')} · {result.method} summary"
    if result.fallback_reason:
        footer += " (the AI summarizer failed; this is the extractive one)"
    embed.set_footer(text=footer)
    return embed


async def send_discussion(interaction: discord.Interaction, discussions: DiscussionSummaries, *, thread_id: int,
                          title: str | None, ephemeral: bool) -> None:
    """Answer a deferred interaction with the thread's discussion summary."""
    assert interaction.guild_id is not None
    result = await discussions.for_thread(thread_id)
    await interaction.followup.send(
        embed=discussion_embed(result, guild_id=interaction.guild_id, thread_id=thread_id, title=title),
        ephemeral=ephemeral, allowed_mentions=discord.AllowedMentions.none())


ButtonHandler = Callable[[discord.Interaction, int], Awaitable[None]]


def discussion_button_type(handler: ButtonHandler) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """The Summarize discussion button as a DynamicItem answering with `handler(interaction, thread_id)`."""

    class DiscussionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=DISCUSSION_TEMPLATE):
        def __init__(self, thread_id: int) -> None:
            super().__init__(discussion_button(thread_id))
            self.thread_id = thread_id

        @classmethod
        async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                                 match: re.Match[str], /) -> DiscussionButton:
            return cls(int(match["id"]))

        async def callback(self, interaction: discord.Interaction) -> None:
            await handler(interaction, self.thread_id)

    return DiscussionButton
