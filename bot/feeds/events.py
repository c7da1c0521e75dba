"""Plain events the feed scheduler emits for the bot to act on (post, edit, warn admins). No discord here."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from bot.articles.records import Article, FeedItem

__all__ = ["FeedEvent", "FeedFailing", "FeedPaused", "FeedRecovered", "NewArticle", "UpdatedArticle", "notice_from_text",
           "notice_text"]


@dataclass(frozen=True)
class NewArticle:
    """An article seen for the first time: post it to the feed's subscriptions."""

    feed_id: int
    feed_url: str
    feed_title: str | None
    article: Article
    item: FeedItem


@dataclass(frozen=True)
class UpdatedArticle:
    """An article already seen whose content changed: edit the existing posts."""

    feed_id: int
    feed_url: str
    feed_title: str | None
    article: Article
    item: FeedItem


@dataclass(frozen=True)
class FeedFailing:
    """A poll failed; the feed will be retried at `next_poll_at` (UTC unix seconds)."""

    feed_id: int
    feed_url: str
    error: str
    consecutive_failures: int
    next_poll_at: float


@dataclass(frozen=True)
class FeedPaused:
    """The feed stopped being polled (410 Gone, or too many failures in a row); `reason` says why."""

    feed_id: int
    feed_url: str
    reason: str


@dataclass(frozen=True)
class FeedRecovered:
    """A poll worked again after `after_failures` failures (lets the bot clear a warning)."""

    feed_id: int
    feed_url: str
    after_failures: int


FeedEvent = NewArticle | UpdatedArticle | FeedFailing | FeedPaused | FeedRecovered


_NOTICES: dict[str, type[FeedFailing | FeedPaused | FeedRecovered]] = {
    "failing": FeedFailing, "paused": FeedPaused, "recovered": FeedRecovered}


def notice_text(event: FeedEvent) -> str | None:
    """A feed-health event as JSON for another process (a feed worker tells the gateways); None for stories.
    Texts are cut so the whole fits a PostgreSQL notification (8,000 bytes)."""
    for kind, cls in _NOTICES.items():
        if isinstance(event, cls):
            fields = {k: (v[:1500] if isinstance(v, str) else v) for k, v in dataclasses.asdict(event).items()}
            return json.dumps({"kind": kind, **fields})
    return None


def notice_from_text(text: str) -> FeedFailing | FeedPaused | FeedRecovered | None:
    """The event `notice_text` wrote; None for anything else."""
    try:
        data = json.loads(text)
        return _NOTICES[data.pop("kind")](**data)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
