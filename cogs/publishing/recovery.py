"""Finding what an earlier run sent but could not record (it crashed, or Discord's answer was lost), so a
reservation that is retried adopts it instead of posting the story twice.

Within a minute of the reservation Discord's nonce check covers a retried send (it returns the first
message); after that, or at once for a send through a webhook (which takes no nonce), the channel's recent
history or the forum's posts are searched.
"""

from __future__ import annotations

import time

import discord

from bot.posting.format import StoryPost
from bot.posting.outbox import PostJob
from bot.storage.posts import PostStore
from cogs.publishing.problems import PermissionProblem
from cogs.support.cards import carries_link

__all__ = ["NONCE_WINDOW", "adopt_thread", "find_forum_post", "find_sent_message"]

NONCE_WINDOW = 60.0  # seconds: a retry this soon after the reservation is deduplicated by Discord itself
HISTORY_DEPTH = 50


async def find_sent_message(channel: discord.TextChannel, job: PostJob) -> discord.Message | None:
    """The story's message if an earlier attempt sent it, else None. A webhook takes no nonce: when one was
    tried (`posts.webhook_id`), its messages are searched however recent the reservation is."""
    hook = job.post.webhook_id
    if hook is None and time.time() - job.post.created_at < NONCE_WINDOW:
        return None  # same run, seconds ago: the nonce covers it
    me = channel.guild.me
    if not channel.permissions_for(me).read_message_history:
        # Discord answers an empty history then, and the story would be posted a second time.
        raise PermissionProblem(f"I am missing Read Message History in <#{channel.id}>, which I need to "
                                "check whether a story was already posted before a restart.")
    async for message in channel.history(limit=HISTORY_DEPTH):
        author_id = message.webhook_id or message.author.id
        if author_id in (me.id, hook) and carries_link(message, job.article.url):
            return message
    return None


async def find_forum_post(forum: discord.ForumChannel, story: StoryPost, posts: PostStore, *,
                          webhook_id: int | None = None) -> discord.Thread | None:
    """Our forum post for this story if Discord created it before we could store it (made by the bot, or by
    the webhook an earlier attempt went through). Stories often share a title ("Daily briefing"): a post
    already stored for another story is not it."""
    owners = {forum.guild.me.id, webhook_id}
    for thread in forum.threads:
        if (thread.owner_id in owners and thread.name == story.thread_name
                and await posts.by_thread(thread.id) is None):
            return thread
    return None


async def adopt_thread(client: discord.Client, message: discord.Message | discord.PartialMessage) -> discord.Thread:
    """The thread Discord says this message already has (error 160004): an earlier attempt made it and its
    answer never reached us. A message's thread has the message's id."""
    thread = message.guild.get_thread(message.id) if message.guild else None
    found = thread or await client.fetch_channel(message.id)
    if not isinstance(found, discord.Thread):
        raise PermissionProblem("the story's thread cannot be found.")
    return found
