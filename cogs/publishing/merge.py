"""Adding an article to a story already posted in the channel, instead of posting it (issue 15).

Before a reservation is sent the publisher asks `StoryService.assign`. When the article joins a story whose post
exists in that channel, the post is edited to list it under "Also reported by", the story's thread gets a
short note, and the reservation is finished as merged (the delivery record says which story). A story whose
post is missing (never sent, or deleted on Discord) does not swallow the article: it is posted as usual.
"""

from __future__ import annotations

import logging

import discord

from bot.posting.format import escape_text, truncate_words
from bot.posting.outbox import PostingOutbox, PostJob
from bot.storage.posts import PostStore
from bot.stories.service import StoryService
from cogs.publishing.story import StorySender

__all__ = ["StoryMerger"]

log = logging.getLogger(__name__)


class StoryMerger:
    def __init__(self, client: discord.Client, *, stories: StoryService, posts: PostStore, outbox: PostingOutbox,
                 sender: StorySender) -> None:
        self._client = client
        self._stories = stories
        self._posts = posts
        self._outbox = outbox
        self._sender = sender

    async def merge(self, job: PostJob) -> bool:
        """Add `job`'s article to the story it joins in its channel. False: post it as usual. Raises
        Discord's error when the story's post could not be edited (the next pass tries again)."""
        if job.post.subscription_id is None:
            return False
        match = await self._stories.assign(channel_id=job.post.channel_id, subscription_id=job.post.subscription_id,
                                           article=job.article)
        if match is None or not isinstance(match.story_id, int):
            return False
        target = await self._posts.sent_in_channel(match.story_id, job.post.channel_id)
        story = await self._outbox.job_for(target) if target is not None else None
        if story is None:
            return False
        if not await self._sender.show_sources(story):
            return False  # the story's post was deleted on Discord: this article gets its own
        await self._note(story, job)
        await self._outbox.merged(job, into=story)
        log.info("guild %s: article %s merged into the story of article %s in channel %s (score %.2f)",
                 job.post.guild_id, job.article.id, story.article.id, job.post.channel_id, match.score)
        return True

    async def _note(self, story: PostJob, job: PostJob) -> None:
        """"Also reported by <outlet>: <link>" in the story's thread (under that outlet's name when the post was
        made by a webhook); a failure loses only the note."""
        outlet = await self._sender.outlet(job.article)
        text = truncate_words(f"Also reported by {escape_text(outlet)}: <{job.article.url}>", 2000)
        try:
            await self._sender.note(story, job.article, text)
        except discord.HTTPException as exc:
            log.warning("guild %s: note of article %s in thread %s failed: %s", job.post.guild_id, job.article.id,
                        story.post.thread_id, exc)
