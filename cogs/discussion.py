""""What readers are saying" on Discord: the reply to `/summarize discussion` and the Summarize discussion button.

The summarize cog owns both (it registers the button's DynamicItem, whose custom_id carries the thread id, so
the button works across restarts); this module turns a `DiscussionResult` into an embed and answers.
Replies are sent with no allowed mentions, on top of the quotes' own neutralising.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.background import BackgroundTask
from bot.comments.discussion_service import DiscussionResult, DiscussionSummaries
from bot.formats import plural
from bot.posting.format import escape_text, fit_escaped, truncate_words
from bot.storage.posts import Post
from cogs.publishing.webhooks import PostEditor
from cogs.support.embeds import NEWS_COLOUR
from cogs.support.views import ButtonHandler, IdButtonType, id_button_type, story_view

__all__ = ["DISCUSSION_TEMPLATE", "DiscussionButtons", "discussion_button", "discussion_button_type",
           "discussion_embed", "send_discussion"]

log = logging.getLogger(__name__)

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
        # Readers' text is shown as text: a masked link or heading in a comment must not render as one.
        head = f"• {escape_text(gist)}\n" if gist else "• "
        name = escape_text(point.author_name)
        lines.append(f"{head}> {escape_text(point.quote)}\n— {name}, [comment]({link}){echo}")
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


def discussion_button_type(handler: ButtonHandler) -> IdButtonType:
    """The Summarize discussion button, answered with `handler(interaction, thread_id)`."""
    return id_button_type(DISCUSSION_TEMPLATE, discussion_button, handler)


class DiscussionButtons:
    """Gives story posts the Summarize discussion button once their thread passes the threshold.

    Comments are recorded straight from the gateway (no discord.py event to hook), so a loop asks every
    `every` seconds which threads got comments since its last look and now pass the threshold, and edits
    those posts' components (Summarize + Summarize discussion). The publisher's own edits send only the
    embed, so they keep the button. Posts done are remembered for the process's life.
    """

    def __init__(self, client: discord.Client, discussions: DiscussionSummaries, *, editor: PostEditor,
                 every: float = 30.0) -> None:
        self._client = client
        self._discussions = discussions
        self._editor = editor  # through the webhook that sent a post, else as the bot
        self._mark: int | None = None
        self._done: set[int] = set()
        self.background = BackgroundTask("newsdesk-discussion-buttons", self._step, every=every)

    async def _step(self) -> float | None:
        posts, self._mark = await self._discussions.newly_busy(self._mark)
        for post in posts:
            if post.id not in self._done and await self._add_button(post):
                self._done.add(post.id)
        return None

    async def _add_button(self, post: Post) -> bool:
        assert post.message_id is not None and post.thread_id is not None
        view = story_view(post.article_id)
        view.add_item(discussion_button(post.thread_id))
        try:
            await self._editor.edit(post, view=view)  # False: the post is gone, nothing to add the button to
        except discord.HTTPException as exc:
            log.warning("guild %s: could not add the Summarize discussion button to post %s: %s",
                        post.guild_id, post.id, exc)
            return False
        return True
