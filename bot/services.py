"""The services one bot process runs, as one typed bundle.

Built only by the composition root (`newsdesk.app.open_services`); the Discord adapter (cogs) and the
tools beside the product (demo, tests, benchmarks) receive it and never construct a service themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.comments.discussion_service import DiscussionSummaries
from bot.comments.export import CommentExporter
from bot.comments.recorder import CommentRecorder
from bot.comments.retention import RetentionSweeper
from bot.comments.service import CommentService
from bot.comments.stats import DiscussionStats
from bot.config import Settings
from bot.feeds.article_text import ArticleTexts
from bot.feeds.fetcher import FeedFetcher
from bot.feeds.relay import EventRelay
from bot.feeds.scheduler import FeedScheduler
from bot.feeds.subscriptions import FeedSubscriptions
from bot.guild_settings import GuildSettingsService
from bot.insights import ServerInsights
from bot.moderation.bans import CommentBans
from bot.moderation.featured import FeaturedComments
from bot.moderation.member_export import MemberHistoryExport
from bot.moderation.review import CommentReview
from bot.moderation.service import ModerationService
from bot.posting.catalog import ArticleCatalog
from bot.storage.articles import ArticleStore
from bot.storage.comments import CommentStore, ReactionStore
from bot.storage.database import Database
from bot.storage.deliveries import DeliveryStore
from bot.storage.feeds import FeedStore, SubscriptionStore
from bot.storage.guilds import GuildSettingsStore
from bot.storage.meta import MetaStore
from bot.storage.moderation import ModerationStore
from bot.storage.posts import PostStore
from bot.storage.signals import ClusterSignals
from bot.storage.threads import ThreadStore
from bot.storage.timers import TimerStore
from bot.storage.webhooks import WebhookStore
from bot.storage.writer import BatchWriter, ThreadedBatchWriter
from bot.stories.service import StoryService
from bot.summarize.articles import ArticleSummaries
from bot.summarize.service import SummaryService
from bot.templates.service import StoryTemplates
from bot.timer_runner import TimerRunner

__all__ = ["Services", "Stores"]


@dataclass
class Stores:
    """Every store (one per record kind) and the database under them.

    For the composition root, which hands them to the services, and for the tools beside the product
    (tests, demo, benchmarks) that set up or inspect records. Cogs never use them: they call the services
    (tests/test_layering.py checks)."""

    db: Database
    writer: ThreadedBatchWriter | BatchWriter
    meta: MetaStore
    guild_settings: GuildSettingsStore
    feeds: FeedStore
    subscriptions: SubscriptionStore
    articles: ArticleStore
    posts: PostStore
    threads: ThreadStore
    comments: CommentStore
    reactions: ReactionStore
    moderation: ModerationStore
    timers: TimerStore
    deliveries: DeliveryStore
    webhooks: WebhookStore  # the channel webhooks Newsdesk made (their tokens are secrets)


@dataclass
class Services:
    """What the Discord adapter calls: the bot's settings, its domain services, and (for tools) the stores."""

    settings: Settings
    stores: Stores
    guild_settings: GuildSettingsService
    articles: ArticleCatalog
    timer_runner: TimerRunner
    recorder: CommentRecorder
    comments: CommentService
    moderation: ModerationService
    review: CommentReview  # reports, pre-moderation and automatic holds (issue 16)
    stats: DiscussionStats
    insights: ServerInsights
    exporter: CommentExporter
    fetcher: FeedFetcher
    feed_subscriptions: FeedSubscriptions
    scheduler: FeedScheduler
    feed_events: EventRelay
    summaries: SummaryService
    article_summaries: ArticleSummaries
    article_texts: ArticleTexts
    retention: RetentionSweeper
    featured: FeaturedComments
    stories: StoryService
    bans: CommentBans
    member_export: MemberHistoryExport
    discussions: DiscussionSummaries
    story_templates: StoryTemplates  # per-subscription message templates and post styles (issue 15)
    signals: ClusterSignals  # wake-ups between processes on a shared database (the composition root wires them)
