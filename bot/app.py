"""The composition root: builds every service once, hands them to the bot, and closes them in order.

Nothing else constructs stores or clients; tests and the sandbox call `open_services` too, so they run
exactly the object graph production runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot.comments.export import CommentExporter
from bot.comments.recorder import CommentRecorder
from bot.comments.retention import RetentionSweeper
from bot.comments.stats import DiscussionStats
from bot.config import Settings
from bot.feeds.article_text import ArticleTexts
from bot.feeds.extract_pool import ArticleExtractor
from bot.feeds.fetcher import FeedFetcher
from bot.feeds.poller import FeedPoller
from bot.feeds.relay import EventRelay
from bot.feeds.scheduler import FeedScheduler
from bot.feeds.subscriptions import FeedSubscriptions
from bot.logs import register_secret
from bot.moderation.service import ModerationService
from bot.storage.articles import ArticleStore
from bot.storage.comments import CommentStore, ReactionStore
from bot.storage.database import Database
from bot.storage.feeds import FeedStore, ShardFilter, SubscriptionStore
from bot.storage.guilds import GuildSettingsStore
from bot.storage.meta import MetaStore
from bot.storage.moderation import ModerationStore
from bot.storage.posts import PostStore
from bot.storage.summaries import SummaryStore
from bot.storage.threads import ThreadStore
from bot.storage.timers import TimerStore
from bot.storage.writer import BatchWriter, ThreadedBatchWriter
from bot.summarize.service import SummaryService
from bot.timer_runner import TimerRunner

__all__ = ["Services", "open_services", "run_bot"]

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    writer: ThreadedBatchWriter | BatchWriter
    meta: MetaStore
    guilds: GuildSettingsStore
    feeds: FeedStore
    subscriptions: SubscriptionStore
    articles: ArticleStore
    posts: PostStore
    threads: ThreadStore
    comments: CommentStore
    reactions: ReactionStore
    moderation_store: ModerationStore
    timers: TimerStore
    timer_runner: TimerRunner
    recorder: CommentRecorder
    moderation: ModerationService
    stats: DiscussionStats
    exporter: CommentExporter
    fetcher: FeedFetcher
    feed_subscriptions: FeedSubscriptions
    scheduler: FeedScheduler
    feed_events: EventRelay
    summaries: SummaryService
    article_texts: ArticleTexts
    retention: RetentionSweeper


@contextlib.asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    """Open storage and clients; on exit flush pending writes and close everything, even after errors."""
    for secret in (settings.discord_token, settings.llm_api_key):
        if secret:
            register_secret(secret.reveal())
    db = await Database.open(settings.database_path)
    # Comments, reactions and thread state are written behind, by a thread with its own connection
    # (an in-memory database cannot be shared with a second connection: the loop's batcher then).
    writer: ThreadedBatchWriter | BatchWriter = (
        BatchWriter(db) if str(db.path) == ":memory:" else ThreadedBatchWriter(db.path))
    fetcher = FeedFetcher(settings)
    extractor = ArticleExtractor()  # worker processes start at the first page, not here
    summaries = SummaryService(settings, SummaryStore(db))
    try:
        feeds, subscriptions, articles = FeedStore(db), SubscriptionStore(db), ArticleStore(db)
        posts, threads = PostStore(db), ThreadStore(db, writer)
        comments, reactions = CommentStore(db, writer), ReactionStore(db, writer)
        moderation_store, timers = ModerationStore(db), TimerStore(db)
        recorder = CommentRecorder(threads=threads, comments=comments, reactions=reactions,
                                   moderation=moderation_store, posts=posts)
        shards = (ShardFilter(settings.shard_count, settings.shard_ids)
                  if settings.shard_count and settings.shard_ids else None)
        poller = FeedPoller(fetcher, feeds, articles, settings, extractor=extractor)
        relay = EventRelay()
        yield Services(
            settings=settings, db=db, writer=writer, meta=MetaStore(db), guilds=GuildSettingsStore(db),
            feeds=feeds, subscriptions=subscriptions, articles=articles, posts=posts, threads=threads,
            comments=comments, reactions=reactions, moderation_store=moderation_store, timers=timers,
            timer_runner=TimerRunner(timers), recorder=recorder,
            moderation=ModerationService(db=db, moderation=moderation_store, comments=comments, timers=timers,
                                         recorder=recorder),
            stats=DiscussionStats(db), exporter=CommentExporter(db), fetcher=fetcher,
            feed_subscriptions=FeedSubscriptions(fetcher=fetcher, feeds=feeds, subscriptions=subscriptions,
                                                 articles=articles, poll_interval=settings.poll_interval_seconds),
            scheduler=FeedScheduler(feeds, poller, emit=relay, shards=shards),
            feed_events=relay,
            summaries=summaries,
            article_texts=ArticleTexts(fetcher, extractor, articles),
            retention=RetentionSweeper(comments, settings.comment_retention_days),
        )
    finally:
        await writer.close()
        await summaries.aclose()
        await extractor.aclose()
        await fetcher.aclose()
        await db.close()


async def run_bot(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM, then shut down cleanly: in-flight writes land, clients close."""
    from bot.wiring.client import create_bot
    from bot.wiring.endpoints import discord_endpoints

    assert settings.discord_token is not None
    with discord_endpoints(settings.discord_api_base, settings.discord_gateway_url):
        async with open_services(settings) as services:
            bot = create_bot(services)
            loop = asyncio.get_running_loop()
            stopping = asyncio.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, stopping.set)
            async with bot:
                runner = asyncio.create_task(bot.start(settings.discord_token.reveal()))
                stopper = asyncio.create_task(stopping.wait())
                done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
                if stopper in done:
                    log.warning("shutting down")
                    await bot.close()
                stopper.cancel()
                await runner
