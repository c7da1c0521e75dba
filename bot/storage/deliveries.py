"""The delivery record: what became of each feed item in each channel that follows its feed.

Rows are written where the decision is made (the outbox for queued, filtered, capped, paused and older items;
subscribing for the baseline; the poller for duplicates) and read joined with `posts`, so "queued" shows as
posted (with its message), waiting (the channel cannot take posts) or skipped (Discord refused it).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.dialect import case_insensitive_like

__all__ = ["FATES", "KEEP_DAYS", "Delivery", "DeliveryRecord", "DeliveryStore"]

FATES = ("queued", "baseline", "filtered", "duplicate", "paused", "older", "skipped", "capped", "merged")
KEEP_DAYS = 30


@dataclass(frozen=True)
class DeliveryRecord:
    subscription_id: int
    url: str
    title: str
    fate: str
    detail: str | None = None
    article_id: int | None = None


@dataclass(frozen=True)
class Delivery:
    subscription_id: int
    guild_id: int
    channel_id: int
    article_id: int | None
    url: str
    title: str
    fate: str  # as recorded; `outcome` says what a person reads
    detail: str | None
    created_at: float
    message_id: int | None  # the post, when it was sent
    failing_reason: str | None  # the subscription's, while its channel refuses posts
    # A webhook subscription's story sent as the bot itself: why ("" when the reason has passed since).
    webhook_note: str | None = None

    @property
    def outcome(self) -> str:
        if self.fate != "queued":
            return self.fate
        if self.message_id is not None:
            return "posted"
        if self.failing_reason:
            return "waiting"
        return "sending"


class DeliveryStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, records: Sequence[DeliveryRecord], *, at: float | None = None) -> None:
        """Store each item's fate once per channel (the first decision stands: a later poll seeing the same
        item again does not rewrite why it was or was not posted)."""
        if not records:
            return
        now = time.time() if at is None else at
        await self._db.run_batch(
            ("INSERT INTO deliveries (subscription_id, article_id, url, title, fate, detail, created_at) "
             "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subscription_id, url) DO NOTHING",
             (r.subscription_id, r.article_id, r.url, r.title[:300], r.fate, r.detail[:300] if r.detail else None,
              now)) for r in records)

    async def record_for_feed(self, feed_id: int, records: Sequence[DeliveryRecord], *,
                              at: float | None = None) -> None:
        """The same fate for every channel following `feed_id` (records' subscription_id is ignored): one
        statement per item, whatever the number of channels."""
        if not records:
            return
        now = time.time() if at is None else at
        await self._db.run_batch(
            ("INSERT INTO deliveries (subscription_id, article_id, url, title, fate, detail, created_at) "
             "SELECT id, ?, ?, ?, ?, ?, ? FROM subscriptions WHERE feed_id = ? "
             "ON CONFLICT (subscription_id, url) DO NOTHING",
             (r.article_id, r.url, r.title[:300], r.fate, r.detail[:300] if r.detail else None, now, feed_id))
            for r in records)

    async def skipped(self, subscription_id: int, url: str, reason: str) -> None:
        """A queued item Discord refused for good: say so instead of "being sent"."""
        await self._db.execute("UPDATE deliveries SET fate = 'skipped', detail = ? WHERE subscription_id = ? AND url = ?",
                               (reason[:300], subscription_id, url))

    async def merged(self, subscription_id: int, url: str, story: str) -> None:
        """A queued item added to the story post `story` (its title) instead of being posted."""
        await self._db.execute("UPDATE deliveries SET fate = 'merged', detail = ? WHERE subscription_id = ? AND url = ?",
                               (story[:300], subscription_id, url))

    async def for_subscription(self, subscription_id: int, *, limit: int = 100) -> list[Delivery]:
        rows = await self._db.fetchall(_SELECT + " WHERE d.subscription_id = ? ORDER BY d.created_at DESC, d.id DESC "
                                       "LIMIT ?", (subscription_id, limit))
        return [Delivery(**dict(r)) for r in rows]

    async def for_url(self, guild_id: int, url: str) -> list[Delivery]:
        """This item's fate in every channel of the guild that follows its feed (`/feed why`)."""
        rows = await self._db.fetchall(_SELECT + " WHERE s.guild_id = ? AND d.url = ? ORDER BY d.created_at DESC, d.id DESC",
                                       (guild_id, url))
        return [Delivery(**dict(r)) for r in rows]

    async def recent_urls(self, guild_id: int, query: str = "", *, limit: int = 25) -> list[tuple[str, str]]:
        """(url, title) of the guild's latest items whose title or URL contains `query` (autocomplete)."""
        pattern = f"%{query.replace('%', '').replace('_', '')}%"
        like = case_insensitive_like(self._db.dialect)
        rows = await self._db.fetchall(
            "SELECT d.url, MAX(d.title) AS title FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
            f"WHERE s.guild_id = ? AND (d.title {like} ? OR d.url {like} ?) GROUP BY d.url "
            "ORDER BY MAX(d.created_at) DESC LIMIT ?", (guild_id, pattern, pattern, limit))
        return [(r["url"], r["title"]) for r in rows]

    async def prune(self, older_than: float) -> int:
        return await self._db.execute_rowcount("DELETE FROM deliveries WHERE created_at < ?", (older_than,))


_SELECT = ("SELECT d.subscription_id, s.guild_id, s.channel_id, d.article_id, d.url, d.title, d.fate, d.detail, "
           "d.created_at, p.message_id, s.failing_reason, "
           "CASE WHEN s.webhook = 1 AND p.message_id IS NOT NULL AND p.webhook_id IS NULL "
           "THEN COALESCE(s.webhook_problem, '') END AS webhook_note "
           "FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
           "LEFT JOIN posts p ON p.article_id = d.article_id AND p.channel_id = s.channel_id")
