"""What must be posted or edited, derived from the database so that a crash loses nothing.

1. Storing an article queues an announcement (a trigger, see migration 0006).
2. `reserve_announced()` turns announcements into post reservations for every subscription that should
   carry the article (pauses, subscription age, filter rules, then the daily cap and minimum gap considered),
   then drops the announcement.
3. `pending_posts()` / `pending_edits()` list, for the guilds this process serves, the reservations not yet
   sent and the posts showing an older version of their article.
Every step is idempotent, so running it again after a crash at any point finishes the job exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass

from bot.articles.records import Article
from bot.feeds.rules import CapUsage, cap_refusal, compiled_rules
from bot.storage.articles import ArticleStore
from bot.storage.deliveries import DeliveryRecord, DeliveryStore
from bot.storage.feeds import Subscription, SubscriptionStore
from bot.storage.posts import Post, PostStore

__all__ = ["PostJob", "PostingOutbox"]


@dataclass(frozen=True)
class PostJob:
    post: Post
    article: Article
    subscription: Subscription | None


class PostingOutbox:
    def __init__(self, *, articles: ArticleStore, posts: PostStore, subscriptions: SubscriptionStore,
                 deliveries: DeliveryStore | None = None) -> None:
        self._articles = articles
        self._posts = posts
        self._subscriptions = subscriptions
        self._deliveries = deliveries

    async def reserve_announced(self, limit: int = 500) -> int:
        """Reserve posts for announced articles. Returns how many reservations were made."""
        reserved = 0
        for article_id, kind in await self._posts.announced(limit):
            article = await self._articles.get(article_id)
            if article is not None and kind == "new" and article.feed_id is not None:
                fates = []
                for sub in await self._subscriptions.for_feed(article.feed_id, active_only=False):
                    fate, why = self.fate(sub, article, await self._usage(sub))
                    fates.append(DeliveryRecord(sub.id, article.url, article.title, fate, why, article.id))
                    if fate != "queued":
                        continue
                    if await self._posts.reserve(article_id=article.id, subscription_id=sub.id,
                                                 guild_id=sub.guild_id, channel_id=sub.channel_id):
                        reserved += 1
                if self._deliveries is not None:
                    await self._deliveries.record(fates)
            # Updates need no reservation: pending_edits() finds posts whose version is behind.
            await self._posts.drop_announcement(article_id, kind)
        return reserved

    async def skipped(self, job: PostJob, reason: str) -> None:
        """Discord refused this story for good: drop the reservation and record why in its delivery."""
        await self._posts.release(job.post.id)
        if self._deliveries is not None and job.post.subscription_id is not None:
            await self._deliveries.skipped(job.post.subscription_id, job.article.url, reason)

    async def merged(self, job: PostJob, *, into: PostJob) -> None:
        """The article of `job` was added to the story post of `into`: finish the reservation and say so."""
        await self._posts.mark_merged(job.post.id, into=into.post.id)
        if self._deliveries is not None and job.post.subscription_id is not None:
            await self._deliveries.merged(job.post.subscription_id, job.article.url, into.article.title)

    async def job_for(self, post: Post) -> PostJob | None:
        """The job of an existing post (a story's post, to show its added sources)."""
        return await self._job(post)

    async def _usage(self, sub: Subscription) -> CapUsage | None:
        """What the caps need to know (None when the subscription has none: no query)."""
        if sub.daily_cap is None and sub.min_gap_minutes is None:
            return None
        now = time.time()
        last_day, last_at = await self._posts.recent_usage(sub.id, since=now - 86400)
        return CapUsage(last_day, last_at, now)

    @staticmethod
    def fate(sub: Subscription, article: Article, usage: CapUsage | None = None) -> tuple[str, str | None]:
        """Whether `sub`'s channel gets this new article ("queued") and, if not, why (a delivery fate).
        `usage` (what the subscription posted lately) is needed for its daily cap and minimum gap."""
        if sub.paused:
            return "paused", "the feed is paused in this channel"
        if sub.created_at > article.first_seen.timestamp() + 1:
            # First seen before this channel followed the feed: it is the past there.
            return "older", "seen before this channel followed the feed"
        rules = compiled_rules(sub.include_filter, sub.exclude_filter, sub.filter_rules, sub.filter_match)
        refusal = f"its filter rules cannot be used: {rules}" if isinstance(rules, Exception) else rules.refusal(article)
        if refusal:
            return "filtered", refusal
        capped = cap_refusal(sub.daily_cap, sub.min_gap_minutes, usage) if usage is not None else None
        return ("capped", capped) if capped else ("queued", None)

    async def pending_posts(self, guild_ids: Collection[int] | None = None) -> list[PostJob]:
        """Reserved posts not yet sent, oldest first, skipping subscriptions marked failing (they wait) and
        releasing those of removed or paused subscriptions."""
        jobs = []
        for post in await self._posts.unfinished():
            if guild_ids is not None and post.guild_id not in guild_ids:
                continue
            job = await self._job(post)
            if job is None:
                continue
            if job.subscription is None or job.subscription.paused:
                # The channel stopped following the feed, or paused it ("resume picks up with new stories
                # only"): what was waiting is not posted.
                await self._posts.release(post.id)
            elif not job.subscription.failing_reason:
                jobs.append(job)
        return jobs

    async def pending_edits(self, guild_ids: Collection[int] | None = None) -> list[PostJob]:
        jobs = []
        for post in await self._posts.behind_their_article():
            if guild_ids is not None and post.guild_id not in guild_ids:
                continue
            job = await self._job(post)
            if job is not None:
                jobs.append(job)
        return jobs

    async def _job(self, post: Post) -> PostJob | None:
        article = await self._articles.get(post.article_id)
        if article is None:
            return None
        sub = await self._subscriptions.get(post.subscription_id) if post.subscription_id else None
        return PostJob(post, article, sub)
