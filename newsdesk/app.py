"""The composition root: builds every service once, hands them to the bot, and closes them in order.

Nothing else constructs stores or clients; tests and the sandbox call `open_services` too, so they run
exactly the object graph production runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.background import BackgroundTask
from bot.comments.discussion_service import DiscussionSummaries
from bot.comments.export import CommentExporter
from bot.comments.recorder import CommentRecorder
from bot.comments.retention import RetentionSweeper
from bot.comments.service import CommentService
from bot.comments.stats import DiscussionStats
from bot.config import Settings
from bot.feeds.article_text import ArticleTexts
from bot.feeds.events import FeedEvent, NewArticle, UpdatedArticle, notice_from_text, notice_text
from bot.feeds.extract_pool import ArticleExtractor
from bot.feeds.fetcher import FeedFetcher
from bot.feeds.poller import FeedPoller
from bot.feeds.reader import FeedReader
from bot.feeds.relay import EventRelay
from bot.feeds.scheduler import FeedLeases, FeedScheduler
from bot.feeds.subscriptions import FeedSubscriptions
from bot.guild_settings import GuildSettingsService
from bot.health import HEARTBEAT_EVERY, Heartbeat, feed_worker_key, heartbeat_key, write_heartbeat
from bot.insights import ServerInsights
from bot.logs import STATUS_LOGGER, register_secret
from bot.moderation.bans import CommentBans
from bot.moderation.featured import FeaturedComments
from bot.moderation.member_export import MemberHistoryExport
from bot.moderation.review import CommentReview
from bot.moderation.service import ModerationService
from bot.posting.catalog import ArticleCatalog
from bot.posting.outbox import PostingOutbox
from bot.services import Services, Stores
from bot.storage.activity import ActivityStore
from bot.storage.articles import ArticleStore
from bot.storage.bans import BanRemovalStore
from bot.storage.comments import CommentStore, ReactionStore
from bot.storage.deliveries import DeliveryStore
from bot.storage.dialect import SQLITE
from bot.storage.engines import open_database
from bot.storage.exports import ExportStore
from bot.storage.featured import FeaturedStore
from bot.storage.feeds import FeedStore, ShardFilter, SubscriptionStore
from bot.storage.guilds import GuildSettingsStore
from bot.storage.insights import InsightStore
from bot.storage.meta import MetaStore
from bot.storage.moderation import ModerationStore
from bot.storage.posts import PostStore
from bot.storage.privacy import PrivacyStore
from bot.storage.reports import ReviewStore
from bot.storage.signals import FEEDS, NOTICES, STORIES, ClusterSignals
from bot.storage.stories import StoryStore
from bot.storage.summaries import SummaryStore
from bot.storage.threads import ThreadStore
from bot.storage.timers import TimerStore
from bot.storage.webhooks import WebhookStore
from bot.storage.writer import BatchWriter, ThreadedBatchWriter
from bot.stories.service import StoryService
from bot.summarize.articles import ArticleSummaries
from bot.summarize.service import SummaryService
from bot.templates.service import StoryTemplates
from bot.timer_runner import TimerRunner
from cogs.client import NewsdeskBot, create_bot
from cogs.publishing import AdminNotices, StoryPublisher
from cogs.publishing.merge import StoryMerger
from cogs.publishing.publisher import PASS_INTERVAL
from cogs.publishing.story import StorySender
from cogs.publishing.threads import StoryThreads, SummaryText
from cogs.publishing.webhooks import ChannelWebhooks, PostEditor
from cogs.status import ConnectionStatus
from cogs.support.channels import GuildChannels
from cogs.support.endpoints import discord_endpoints
from cogs.support.rest import DiscordRest

if TYPE_CHECKING:
    import discord

__all__ = ["ALL", "FEEDS_ROLE", "GATEWAY", "ROLES", "LaunchedBot", "build_bot", "build_publisher", "launch_bot",
           "open_services", "role_problem", "run_bot", "run_feed_worker"]

log = logging.getLogger(__name__)

# What a `newsdesk run` process does (`--role`). All-in-one is the default and the only role on SQLite; on a
# shared database (PostgreSQL) feed workers fetch, parse and store, and gateway processes run the Discord side
# (commands, posting and comments) for their shards. Any number of each.
ALL, FEEDS_ROLE, GATEWAY = "all", "feeds", "gateway"
ROLES = (ALL, FEEDS_ROLE, GATEWAY)


def role_problem(settings: Settings, role: str) -> str | None:
    """Why this process cannot take `role` with these settings (one line), or None."""
    if role != ALL and not settings.shared_database:
        return (f"--role {role} needs a database several processes share: set DATABASE_URL to a postgresql:// "
                "URL (SQLite serves one all-in-one process: run `newsdesk run` without --role)")
    return None


@contextlib.asynccontextmanager
async def open_services(settings: Settings, *, role: str = ALL) -> AsyncIterator[Services]:
    """Open storage and clients; on exit flush pending writes and close everything, even after errors.

    On a shared database the feed scheduler claims feeds with leases (each fetched once cluster-wide), a
    process that polls feeds (`role` all or feeds) listens for other processes' "feeds changed" wake-ups and
    signals "stories stored" to every publisher."""
    for secret in (settings.discord_token, settings.llm_api_key, settings.discord_client_secret,
                   settings.web_secret_key):
        if secret:
            register_secret(secret.reveal())
    # A feed worker's writes are all redone by polling again: it need not wait for each commit's disk flush;
    # each of its concurrent polls gets a connection (8 shared by 32 polls: a 1,000-feed cycle 4.99 s -> 2.73 s).
    worker = role == FEEDS_ROLE
    db = await open_database(settings.database, asynchronous_commit=worker,
                             connections=max(8, settings.http_max_concurrency) if worker else 8)
    # Comments, reactions and thread state are written behind. On an SQLite file, by a thread with its own
    # connection; in memory (which a second connection cannot share) and on PostgreSQL (a pool, so the loop is
    # never blocked), by the loop's batcher, which commits each batch in one transaction.
    writer: ThreadedBatchWriter | BatchWriter = (
        ThreadedBatchWriter(db.location) if db.dialect == SQLITE and db.location != ":memory:" else BatchWriter(db))
    writer.attach(db)  # every read sees the writes queued before it: no store or command flushes by hand
    fetcher = FeedFetcher(settings)
    extractor = ArticleExtractor()  # worker processes start at the first page, not here
    summaries = SummaryService(settings, SummaryStore(db))
    signals = ClusterSignals(db)
    try:
        feeds, subscriptions, articles = FeedStore(db), SubscriptionStore(db), ArticleStore(db)
        posts, threads = PostStore(db), ThreadStore(db, writer)
        comments, reactions = CommentStore(db, writer), ReactionStore(db, writer)
        moderation_store, timers = ModerationStore(db), TimerStore(db)
        recorder = CommentRecorder(threads=threads, comments=comments, reactions=reactions,
                                   moderation=moderation_store, posts=posts)
        # One process on SQLite polls the feeds of its shards' guilds; workers on a shared database claim
        # due feeds with leases, whoever follows them.
        leases = FeedLeases(settings.feed_lease_seconds) if settings.shared_database else None
        shards = (ShardFilter(settings.shard_count, settings.shard_ids)
                  if settings.shard_count and settings.shard_ids and leases is None else None)
        deliveries = DeliveryStore(db)
        reader = FeedReader(extractor)  # large feed bodies are parsed in the same workers, with a deadline
        poller = FeedPoller(fetcher, feeds, articles, settings, extractor=extractor, deliveries=deliveries,
                            reader=reader)
        relay = EventRelay()
        scheduler = FeedScheduler(feeds, poller, emit=relay, shards=shards, leases=leases,
                                  wake_others=functools.partial(signals.signal, FEEDS))
        if signals.shared and role != GATEWAY:
            await signals.listen(FEEDS, scheduler.wake_here)
            relay.listen(functools.partial(_signal_stories, signals, notices=role == FEEDS_ROLE))
        article_texts = ArticleTexts(fetcher, extractor, articles)
        stores = Stores(
            db=db, writer=writer, meta=MetaStore(db), guild_settings=GuildSettingsStore(db), feeds=feeds,
            subscriptions=subscriptions, articles=articles, posts=posts, threads=threads, comments=comments,
            reactions=reactions, moderation=moderation_store, timers=timers, deliveries=deliveries,
            webhooks=WebhookStore(db))
        for token in await stores.webhooks.tokens():  # never in a log line, even a library's debug one
            register_secret(token)
        moderation = ModerationService(moderation=moderation_store, comments=comments, timers=timers,
                                       recorder=recorder, threads=threads)
        review = CommentReview(store=ReviewStore(db), comments=comments, recorder=recorder, moderation=moderation,
                               guild_settings=stores.guild_settings, timers=timers)
        feed_subscriptions = FeedSubscriptions(fetcher=fetcher, feeds=feeds, subscriptions=subscriptions,
                                               articles=articles, posts=posts, deliveries=deliveries, reader=reader,
                                               poll_interval=settings.poll_interval_seconds)
        featured = FeaturedComments(featured=FeaturedStore(db), comments=comments, moderation=moderation)
        story_store = StoryStore(db)
        stories = StoryService(story_store)
        moderation.on_record(featured.on_record)  # a removed featured comment leaves its story's post
        article_summaries = ArticleSummaries(articles, article_texts, summaries)
        yield Services(
            settings=settings, stores=stores,
            guild_settings=GuildSettingsService(store=stores.guild_settings, subscriptions=feed_subscriptions,
                                                moderation=moderation, review=review),
            articles=ArticleCatalog(articles=articles, posts=posts),
            timer_runner=TimerRunner(timers), recorder=recorder,
            comments=CommentService(comments=comments, recorder=recorder, privacy=PrivacyStore(db)),
            moderation=moderation, review=review,
            stats=DiscussionStats(ActivityStore(db)), insights=ServerInsights(InsightStore(db)),
            exporter=CommentExporter(ExportStore(db)), fetcher=fetcher,
            feed_subscriptions=feed_subscriptions,
            scheduler=scheduler,
            feed_events=relay,
            summaries=summaries,
            article_texts=article_texts,
            article_summaries=article_summaries,
            story_templates=StoryTemplates(subscriptions=subscriptions, feeds=feeds, articles=articles,
                                           guilds=stores.guild_settings, summary=article_summaries.template_text),
            retention=RetentionSweeper(comments, settings.comment_retention_days,
                                       records=(deliveries.prune, story_store.forget_before)),
            featured=featured,
            stories=stories,
            bans=CommentBans(moderation=moderation, comments=comments, removals=BanRemovalStore(db)),
            member_export=MemberHistoryExport(comments=comments, moderation=moderation, featured=featured,
                                              review=review),
            discussions=DiscussionSummaries(comments=comments, reactions=reactions, posts=posts, summaries=summaries,
                                            button_threshold=settings.discussion_button_comments),
            signals=signals,
        )
    finally:
        await signals.aclose()
        await writer.close()
        await summaries.aclose()
        await extractor.aclose()
        await fetcher.aclose()
        await db.close()


async def _signal_stories(signals: ClusterSignals, event: FeedEvent, *, notices: bool) -> None:
    """Stories were stored: wake the publishers of every process (the in-process one hears the relay too).
    With `notices` (a feed worker, which has no publisher), feed-health events go to the gateways too."""
    if isinstance(event, NewArticle | UpdatedArticle):
        signals.signal(STORIES)
    elif notices and (text := notice_text(event)) is not None:
        signals.send(NOTICES, text)


def _notice_listener(publisher: StoryPublisher) -> Callable[[str], None]:
    """A gateway's handler of the feed workers' feed-health events: its admin notices, for its own guilds."""
    pending: set[asyncio.Task[None]] = set()

    def received(text: str) -> None:
        event = notice_from_text(text)
        if event is not None:
            task = asyncio.create_task(publisher.notices.on_feed_event(event), name="newsdesk-feed-notice")
            pending.add(task)
            task.add_done_callback(pending.discard)

    return received


async def _catch_up_thread(client: discord.Client, thread_id: int) -> None:
    listener = client.comment_listener if isinstance(client, NewsdeskBot) else None
    if listener is not None:
        await listener.catch_up(thread_id)


def build_publisher(client: discord.Client, services: Services, *, summary_text: SummaryText | None = None,
                    pass_interval: float = PASS_INTERVAL) -> StoryPublisher:
    """The story publisher posting through `client`, each of its parts given what it uses.

    `summary_text` writes a new thread's first message (by default the article summaries' `thread_text`).
    """
    stores = services.stores
    threads = StoryThreads(client, threads=stores.threads, recorder=services.recorder,
                           guilds=stores.guild_settings, moderation=services.moderation,
                           timer_runner=services.timer_runner,
                           summary_text=summary_text or services.article_summaries.thread_text,
                           catch_up=functools.partial(_catch_up_thread, client))
    outbox = PostingOutbox(articles=stores.articles, posts=stores.posts, subscriptions=stores.subscriptions,
                           deliveries=stores.deliveries)
    notices = AdminNotices(GuildChannels(client, services.guild_settings), subscriptions=stores.subscriptions)
    webhooks = ChannelWebhooks(client, stores.webhooks)
    editor = PostEditor(client, webhooks)
    sender = StorySender(client, posts=stores.posts, feeds=stores.feeds, recorder=services.recorder,
                         threads=threads, editor=editor, subscriptions=stores.subscriptions,
                         featured=services.featured, stories=services.stories, webhooks=webhooks, notices=notices,
                         templates=services.story_templates)
    return StoryPublisher(
        client, outbox=outbox, sender=sender, editor=editor,
        merger=StoryMerger(client, stories=services.stories, posts=stores.posts, outbox=outbox, sender=sender),
        notices=notices, subscriptions=stores.subscriptions, interval=pass_interval)


def build_bot(services: Services, *, role: str = ALL, **client_options: Any) -> NewsdeskBot:
    """The discord.py client with its story publisher (not started; `launch_bot` starts it). A gateway
    process (`role` gateway) polls no feeds."""
    return create_bot(services, publisher=lambda client: build_publisher(client, services),
                      poll_feeds=role != GATEWAY, **client_options)


@dataclass
class LaunchedBot:
    """A bot started by `launch_bot`: its services, the discord.py client and the task running it."""

    services: Services
    bot: NewsdeskBot
    task: asyncio.Task[None]


@contextlib.asynccontextmanager
async def launch_bot(settings: Settings, *, ready_timeout: float | None = 20.0, report_status: bool = False,
                     role: str = ALL, **client_options: Any) -> AsyncIterator[LaunchedBot]:
    """Open the services, build the bot and start it; on exit close the bot, then the services.

    With `ready_timeout`, return only once the bot is connected and ready (a failed login raises here, and
    a bot that is not ready in time raises TimeoutError); with None, return at once. `newsdesk run`, the
    sandbox and the end-to-end tests all start the bot through here, so they run the same object graph.
    `report_status` logs the ready, lost and regained connection lines and writes the heartbeat
    `newsdesk health` reads (`newsdesk run`). `role` gateway: no feed polling (feed workers do it).
    """
    assert settings.discord_token is not None
    with discord_endpoints(settings.discord_api_base, settings.discord_gateway_url):
        async with open_services(settings, role=role) as services:
            bot = build_bot(services, role=role, **client_options)
            # Stories stored by any process (a feed worker) wake this publisher within the second.
            await services.signals.listen(STORIES, bot.publisher.wake)
            if role == GATEWAY:  # feed workers' failing or paused feeds, told in this process's guilds
                await services.signals.listen_text(NOTICES, _notice_listener(bot.publisher))
            status = (ConnectionStatus(bot, functools.partial(
                write_heartbeat, services.stores.meta, key=heartbeat_key(settings.shard_ids)))
                      if report_status else None)
            task = asyncio.create_task(bot.start(settings.discord_token.reveal()), name="newsdesk-bot")
            try:
                if ready_timeout is not None:
                    await _until_ready(bot, task, ready_timeout)
                yield LaunchedBot(services, bot, task)
            finally:
                if status is not None:
                    await status.stop()
                await bot.close()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _until_ready(bot: NewsdeskBot, task: asyncio.Task[None], seconds: float) -> None:
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({ready, task}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        if task in done:
            task.result()  # the reason it stopped (a refused token, a refused intent)
        raise TimeoutError(f"the bot did not connect to Discord within {seconds:.0f} s")


def _stop_event() -> asyncio.Event:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
    return stopping


async def run_feed_worker(settings: Settings) -> None:
    """`newsdesk run --role feeds`: poll, parse and store feeds (claimed with leases) and sweep old records,
    with no Discord connection, until SIGINT/SIGTERM."""
    stopping = _stop_event()
    async with open_services(settings, role=FEEDS_ROLE) as services:
        beat_key = feed_worker_key(socket.gethostname())

        async def beat(stopped: bool = False) -> float:
            await write_heartbeat(services.stores.meta, Heartbeat(time.time(), True, 0, stopped=stopped),
                                  key=beat_key)
            return HEARTBEAT_EVERY

        heartbeat = BackgroundTask("newsdesk-heartbeat", beat, every=HEARTBEAT_EVERY)
        services.scheduler.start()
        services.retention.start()
        heartbeat.start()
        logging.getLogger(STATUS_LOGGER).info("feed worker ready: polling the feeds due on %s",
                                              settings.database_label)
        try:
            await stopping.wait()
            logging.getLogger(STATUS_LOGGER).info("shutting down: finishing pending writes")
        finally:
            await heartbeat.stop()
            await services.scheduler.stop()
            await services.retention.stop()
            with contextlib.suppress(Exception):  # best effort: `newsdesk health` then says it stopped
                await beat(stopped=True)


async def run_bot(settings: Settings, *, role: str = ALL) -> None:
    """Run until SIGINT/SIGTERM, then shut down cleanly: in-flight writes land, clients close."""
    problem = role_problem(settings, role)
    if problem is not None:
        raise ValueError(problem)
    if role == FEEDS_ROLE:
        await run_feed_worker(settings)
        return
    stopping = _stop_event()
    async with contextlib.AsyncExitStack() as stack:
        launched = await stack.enter_async_context(launch_bot(settings, ready_timeout=None, report_status=True,
                                                              role=role))
        if settings.web_port:  # the dashboard in the same process, on the same services
            from newsdesk.dashboard import serve_dashboard  # loads the web stack only when asked for

            url = await stack.enter_async_context(serve_dashboard(launched.services, settings, settings.web_port,
                                                                  discord=DiscordRest(launched.bot)))
            logging.getLogger(STATUS_LOGGER).info("dashboard at %s/", url)
        stopper = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait({launched.task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if stopper in done:
            logging.getLogger(STATUS_LOGGER).info("shutting down: finishing pending writes")
        else:
            launched.task.result()  # the bot stopped by itself: say why
