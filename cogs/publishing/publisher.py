"""The publishing pass: reserve what feeds announced, then post it, one queue per channel, and edit posts
whose article changed. Runs in the background, woken by feed events and otherwise every PASS_INTERVAL.

Channels are worked on concurrently, each one in order, so one slow or broken channel never holds up the
others. A transient failure (429/5xx that outlasted discord.py's own retries, a dropped connection) leaves
the rest of that channel pending for the next pass; a missing permission marks the subscription failing,
tells the admin channel once, and keeps the stories pending until `/feed resume`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

import discord

from bot.background import BackgroundTask
from bot.feeds.events import FeedEvent, NewArticle, UpdatedArticle
from bot.posting.outbox import PostingOutbox, PostJob
from bot.storage.feeds import SubscriptionStore
from cogs.publishing.merge import StoryMerger
from cogs.publishing.notices import AdminNotices
from cogs.publishing.problems import PermissionProblem, RefusedStory
from cogs.publishing.story import StorySender
from cogs.publishing.webhooks import PostEditor

__all__ = ["PASS_INTERVAL", "StoryPublisher"]

log = logging.getLogger(__name__)
PASS_INTERVAL = 30.0  # seconds between passes without a wake-up (another process's stories, retries)


class StoryPublisher:
    def __init__(self, client: discord.Client, *, outbox: PostingOutbox, sender: StorySender,
                 notices: AdminNotices, subscriptions: SubscriptionStore, editor: PostEditor,
                 merger: StoryMerger | None = None, interval: float = PASS_INTERVAL) -> None:
        self._client = client
        self.outbox = outbox
        self._sender = sender
        self.editor = editor  # edits a story post however it was sent (the discussion button uses it too)
        self._merger = merger
        self.notices = notices
        self._subscriptions = subscriptions
        self._background = BackgroundTask("newsdesk-publisher", self._step, every=interval)
        self._pass_lock = asyncio.Lock()

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._background.start(after=self._client.wait_until_ready)

    async def stop(self) -> None:
        await self._background.stop()

    def wake(self) -> None:
        """Ask for a pass now (new stories, a resumed feed) instead of at the next interval. A wake-up during
        a pass gets another pass right after it."""
        self._background.wake()

    async def _step(self) -> None:
        await self.run_pass()

    async def on_feed_event(self, event: FeedEvent) -> None:
        if isinstance(event, NewArticle | UpdatedArticle):
            self.wake()
        else:
            await self.notices.on_feed_event(event)

    # --- a pass over the outbox ------------------------------------------------------------------

    async def run_pass(self) -> tuple[int, int]:
        """Reserve, post and edit what is pending for our guilds. Returns (posted, edited)."""
        async with self._pass_lock:
            await self.outbox.reserve_announced()
            guild_ids = {g.id for g in self._client.guilds}
            by_channel: dict[int, list[PostJob]] = defaultdict(list)
            for job in await self.outbox.pending_posts(guild_ids):
                by_channel[job.post.channel_id].append(job)
            posted = sum(await asyncio.gather(*(self._post_channel(jobs) for jobs in by_channel.values())))
            edited = 0
            for job in await self.outbox.pending_edits(guild_ids):
                edited += await self._sender.edit(job)
            return posted, edited

    async def _post_channel(self, jobs: list[PostJob]) -> int:
        done = 0
        for job in jobs:
            try:
                # An article joining a story already posted here is added to that post instead.
                if self._merger is None or not await self._merger.merge(job):
                    await self._sender.post(job)
                done += 1
            except PermissionProblem as exc:
                await self._failing(job, str(exc))
                return done  # the rest of this channel would fail the same way
            except discord.Forbidden as exc:
                await self._failing(job, f"Discord refused the post ({exc.text or 'missing permission'}).")
                return done
            except RefusedStory as exc:
                # This story can never be posted as it is; holding it would hold every later story too.
                log.error("guild %s feed %s: Discord refused article %s (%s) in channel %s; skipped: %s",
                          job.post.guild_id, job.article.feed_id, job.article.id, job.article.url,
                          job.post.channel_id, exc)
                await self.outbox.skipped(job, str(exc))
                await self.notices.story_skipped(job, str(exc))
                continue
            except discord.HTTPException as exc:
                log.warning("guild %s feed %s: post of article %s to channel %s failed, will retry: %s",
                            job.post.guild_id, job.article.feed_id, job.article.id, job.post.channel_id, exc)
                return done
            except Exception:
                # Not Discord's answer (a bug, a dropped connection): this channel waits for the next pass;
                # the other channels' queues, running alongside, go on.
                log.exception("guild %s feed %s: post of article %s to channel %s failed, will retry",
                              job.post.guild_id, job.article.feed_id, job.article.id, job.post.channel_id)
                return done
        return done

    async def _failing(self, job: PostJob, reason: str) -> None:
        sub = job.subscription
        if sub is not None and await self._subscriptions.mark_failing(sub.id, reason):
            await self.notices.channel_blocked(sub, reason)
