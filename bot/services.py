"""The services one bot process runs, as one typed bundle.

Built only by the composition root (`newsdesk.app.open_services`); the Discord adapter (cogs) and the
tools beside the product (demo, tests, benchmarks) receive it and never construct a service themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.comments.export import CommentExporter
from bot.comments.recorder import CommentRecorder
from bot.comments.retention import RetentionSweeper
from bot.comments.stats import DiscussionStats
from bot.config import Settings
from bot.feeds.article_text import ArticleTexts
from bot.feeds.fetcher import FeedFetcher
from bot.feeds.relay import EventRelay
from bot.feeds.scheduler import FeedScheduler
from bot.feeds.subscriptions import FeedSubscriptions
from bot.moderation.service import ModerationService
from bot.storage.articles import ArticleStore
from bot.storage.comments import CommentStore, ReactionStore
from bot.storage.database import Database
from bot.storage.feeds import FeedStore, SubscriptionStore
from bot.storage.guilds import GuildSettingsStore
from bot.storage.meta import MetaStore
from bot.storage.moderation import ModerationStore
from bot.storage.posts import PostStore
from bot.storage.threads import ThreadStore
from bot.storage.timers import TimerStore
from bot.storage.writer import BatchWriter, ThreadedBatchWriter
from bot.summarize.articles import ArticleSummaries
from bot.summarize.service import SummaryService
from bot.timer_runner import TimerRunner

__all__ = ["Services"]


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
    article_summaries: ArticleSummaries
    article_texts: ArticleTexts
    retention: RetentionSweeper
