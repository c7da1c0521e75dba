"""A story's discussion thread: opened from the story's message, registered before the post counts as done
(so no comment goes unrecorded), then its auto-close timer and, when the feed wants one, the summary as
its first message."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Literal

import discord

from bot.comments.recorder import CommentRecorder
from bot.moderation.service import ModerationService
from bot.posting.format import StoryPost
from bot.posting.outbox import PostJob
from bot.storage.guilds import GuildSettingsStore
from bot.storage.threads import ThreadStore
from bot.timer_runner import TimerRunner
from cogs.publishing.problems import PermissionProblem
from cogs.publishing.recovery import adopt_thread

__all__ = ["THREAD_ALREADY_CREATED", "StoryThreads", "SummaryText"]

log = logging.getLogger(__name__)
THREAD_ALREADY_CREATED = 160004  # Discord's error code: this message already has a thread
ONE_WEEK_MINUTES: Literal[10080] = 10080
# The summary posted as a new story thread's first message: article id -> text, or None for no summary.
SummaryText = Callable[[int], Awaitable[str | None]]
# Records what an adopted thread already holds (the comment listener's backfill of one thread).
CatchUp = Callable[[int], Awaitable[object]]


class StoryThreads:
    def __init__(self, client: discord.Client, *, threads: ThreadStore, recorder: CommentRecorder,
                 guilds: GuildSettingsStore, moderation: ModerationService, timer_runner: TimerRunner,
                 summary_text: SummaryText, catch_up: CatchUp | None = None) -> None:
        self._client = client
        self._threads = threads
        self._recorder = recorder
        self._guilds = guilds
        self._moderation = moderation
        self._timer_runner = timer_runner
        self._summary_text = summary_text
        self._catch_up = catch_up
        self._adopted: set[int] = set()  # threads found existing (a crash came before they were stored)

    async def open(self, message: discord.Message | discord.PartialMessage, story: StoryPost) -> discord.Thread | None:
        """The story's thread. 429/5xx (after discord.py's own retries) and a refused permission raise (the
        post stays pending and is retried, or the subscription marked failing); a request Discord rejects as
        invalid (400) would fail the same way forever, so the story stays posted without a thread rather
        than holding up the channel."""
        try:
            return await message.create_thread(name=story.thread_name, auto_archive_duration=ONE_WEEK_MINUTES)
        except discord.HTTPException as exc:
            if exc.code != THREAD_ALREADY_CREATED:
                if exc.status != 400:
                    raise
                log.error("guild %s: Discord refused a thread for message %s (%r), posted without one: %s",
                          message.guild and message.guild.id, message.id, story.thread_name, exc)
                return None
        thread = await adopt_thread(self._client, message)
        if thread is not None:
            self._adopted.add(thread.id)
        return thread

    async def forum_post(self, forum: discord.ForumChannel, thread_id: int) -> discord.Thread:
        """The forum post a webhook just created (its THREAD_CREATE may not be cached yet)."""
        found = forum.get_thread(thread_id) or await self._client.fetch_channel(thread_id)
        if not isinstance(found, discord.Thread):
            raise PermissionProblem("the story's forum post cannot be found.")
        return found

    async def register(self, job: PostJob, thread: discord.Thread, *, adopted: bool = False) -> None:
        """Known as an article thread before the post is marked done, so no comment goes unrecorded. A thread
        that existed already (`adopted`, or found by `open`) is backfilled: readers may have commented in it
        while no process knew it."""
        await self._threads.register(thread_id=thread.id, guild_id=job.post.guild_id,
                                     parent_channel_id=job.post.channel_id, article_id=job.article.id,
                                     name=thread.name)
        self._recorder.track_thread(thread.id, job.article.id)
        if (adopted or thread.id in self._adopted) and self._catch_up is not None:
            self._adopted.discard(thread.id)
            await self._catch_up(thread.id)

    async def follow_up(self, job: PostJob, thread: discord.Thread) -> None:
        """After the post is stored: the auto-close timer and the optional summary (at most once)."""
        settings = await self._guilds.get(job.post.guild_id)
        if settings.auto_close_days:
            await self._moderation.schedule_auto_close(guild_id=job.post.guild_id, thread_id=thread.id,
                                                       days=settings.auto_close_days)
            self._timer_runner.wake()
        # The feed's own choice: /feed add takes the server's auto_summary as its default, /settings set
        # auto_summary applies it to every feed, and /feed edit summary: overrides it for one feed.
        if not (job.subscription and job.subscription.summary):
            return
        try:
            text = await self._summary_text(job.article.id)
        except Exception:  # a summarizer bug must not stop the channel's other stories
            log.exception("guild %s: no summary for article %s", job.post.guild_id, job.article.id)
            return
        if text:
            try:
                await thread.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException as exc:  # the story and its thread stand; only the summary is lost
                log.warning("guild %s: summary of article %s not posted in thread %s: %s",
                            job.post.guild_id, job.article.id, thread.id, exc)
