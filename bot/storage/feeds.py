"""`FeedStore` and `SubscriptionStore`: the `feeds` and `subscriptions` tables behind narrow async methods.

A feed row is shared by every guild subscribed to its URL, so it is polled once however many channels follow
it. Polling state (validators, next poll, failures, pause) lives on the feed; delivery state (channel, mode,
filters, a channel that stopped accepting posts) on the subscription.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from bot.formats import plural
from bot.storage.database import Database, Row
from bot.storage.dialect import POSTGRESQL, least
from bot.storage.errors import ConstraintViolation

__all__ = ["Feed", "FeedStore", "ShardFilter", "Subscription", "SubscriptionExistsError", "SubscriptionStore"]


@dataclass(frozen=True)
class Feed:
    id: int
    url: str
    title: str | None
    site_url: str | None
    etag: str | None
    last_modified: str | None
    interval_seconds: int | None        # None: Settings.poll_interval_seconds
    min_interval_seconds: int | None    # from Cache-Control max-age / RSS <ttl>
    next_poll_at: float
    last_polled_at: float | None
    last_success_at: float | None
    consecutive_failures: int
    last_error: str | None
    paused: bool
    paused_reason: str | None
    created_at: float
    baseline_pending: bool
    body_hash: str | None
    icon_url: str | None = None  # the feed's own icon (RSS <image>, Atom <icon>/<logo>, JSON Feed icon)
    lease_until: float | None = None    # a feed worker's claim lapses then (shared database, migration 0019)
    lease_owner: str | None = None      # which worker holds it


@dataclass(frozen=True)
class Subscription:
    id: int
    feed_id: int
    guild_id: int
    channel_id: int
    mode: str
    include_filter: str | None
    exclude_filter: str | None
    mention_role_id: int | None
    summary: bool
    paused: bool
    failing_reason: str | None
    failing_announced: bool
    created_by: int | None
    created_at: float
    filter_rules: str | None = None   # bot/feeds/rules.py text form
    filter_match: str = "all"         # how filter_rules combine: "all" (AND) or "any" (OR)
    daily_cap: int | None = None      # at most this many posts in 24 hours
    min_gap_minutes: int | None = None  # at least this long between two posts
    template: str | None = None       # bot/templates/language.py; None: the style's default
    card_style: str = "embed"         # embed (today's), text, card, compact (bot/posting/format.STYLES)
    webhook: bool = False             # post through a channel webhook under the outlet's name and icon
    webhook_problem: str | None = None  # why its stories go out as the bot itself instead (no Manage Webhooks)


@dataclass(frozen=True)
class ShardFilter:
    """The guilds of some shards: Discord puts guild g on shard (g >> 22) % shard_count."""

    shard_count: int
    shard_ids: tuple[int, ...]

    def matches(self, guild_id: int) -> bool:
        return (guild_id >> 22) % self.shard_count in self.shard_ids


class SubscriptionExistsError(ValueError):
    """This channel already follows this feed."""


def _feed(row: Row) -> Feed:
    values = dict(row)
    values["paused"] = bool(values["paused"])
    values["baseline_pending"] = bool(values["baseline_pending"])
    return Feed(**values)


def _subscription(row: Row) -> Subscription:
    values = dict(row)
    for key in ("summary", "paused", "failing_announced", "webhook"):
        values[key] = bool(values[key])
    return Subscription(**values)


def _in(values: Collection[int]) -> str:
    return ",".join("?" * len(values))


def _followed(guild_ids: Collection[int] | None, shards: ShardFilter | None) -> tuple[str, list[Any]] | None:
    """SQL condition on feeds `f`: followed by an unpaused subscription (in `guild_ids` / `shards` guilds).
    None when `guild_ids` is empty: nothing can match."""
    conditions = ["s.feed_id = f.id", "s.paused = 0"]
    params: list[Any] = []
    if guild_ids is not None:
        if not guild_ids:
            return None
        conditions.append(f"s.guild_id IN ({_in(guild_ids)})")
        params.extend(guild_ids)
    if shards is not None:
        conditions.append(f"((s.guild_id >> 22) % ?) IN ({_in(shards.shard_ids)})")
        params.extend([shards.shard_count, *shards.shard_ids])
    return f"EXISTS (SELECT 1 FROM subscriptions s WHERE {' AND '.join(conditions)})", params


class FeedStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_or_create(self, url: str, *, now: float | None = None) -> Feed:
        """The feed for `url`, created (due at once, with a baseline pending) if new."""
        now = time.time() if now is None else now
        await self._db.execute(
            "INSERT INTO feeds (url, next_poll_at, created_at, baseline_pending) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (url) DO NOTHING", (url, now, now))
        feed = await self.get_by_url(url)
        assert feed is not None
        return feed

    async def get(self, feed_id: int) -> Feed | None:
        row = await self._db.fetchone("SELECT * FROM feeds WHERE id = ?", (feed_id,))
        return None if row is None else _feed(row)

    async def get_by_url(self, url: str) -> Feed | None:
        row = await self._db.fetchone("SELECT * FROM feeds WHERE url = ?", (url,))
        return None if row is None else _feed(row)

    async def list(self, *, paused: bool | None = None) -> list[Feed]:
        if paused is None:
            rows = await self._db.fetchall("SELECT * FROM feeds ORDER BY id")
        else:
            rows = await self._db.fetchall("SELECT * FROM feeds WHERE paused = ? ORDER BY id", (int(paused),))
        return [_feed(r) for r in rows]

    async def due(
        self,
        now: float,
        limit: int = 500,
        *,
        guild_ids: Collection[int] | None = None,
        shards: ShardFilter | None = None,
    ) -> builtins.list[Feed]:  # `list` here would be the method above
        """Unpaused feeds whose next poll is due and that someone follows (an unpaused subscription),
        optionally only in `guild_ids` and/or the guilds of `shards` (a process polls its own shards' feeds).
        Oldest-due first."""
        followed = _followed(guild_ids, shards)
        if followed is None:
            return []
        condition, params = followed
        rows = await self._db.fetchall(
            f"SELECT f.* FROM feeds f WHERE f.paused = 0 AND f.next_poll_at <= ? AND {condition} "
            "ORDER BY f.next_poll_at LIMIT ?", (now, *params, limit))
        return [_feed(r) for r in rows]

    async def next_due_at(
        self, *, guild_ids: Collection[int] | None = None, shards: ShardFilter | None = None,
    ) -> float | None:
        """When the earliest feed `due()` would return with the same filters falls due (None: nothing to poll).
        The filters must match: a process that saw another shard's overdue feed here would never sleep."""
        followed = _followed(guild_ids, shards)
        if followed is None:
            return None
        condition, params = followed
        return await self._db.fetchval(
            f"SELECT MIN(f.next_poll_at) FROM feeds f WHERE f.paused = 0 AND {condition}", params)

    async def claim_due(self, now: float, limit: int, *, owner: str, lease_seconds: float) -> builtins.list[Feed]:
        """Claim up to `limit` due feeds (as `due()`: unpaused, followed, oldest-due first) that no worker holds,
        for `lease_seconds`: one atomic UPDATE, so of any number of workers each feed goes to one."""
        followed = _followed(None, None)
        assert followed is not None
        condition, _ = followed
        due = (f"SELECT f.id FROM feeds f WHERE f.paused = 0 AND f.next_poll_at <= ? AND {condition} "
               "AND (f.lease_until IS NULL OR f.lease_until <= ?) ORDER BY f.next_poll_at LIMIT ?")
        if self._db.dialect == POSTGRESQL:
            # A CTE runs once (a subquery under IN may run again per row, past its LIMIT); its rows stay locked
            # until the UPDATE commits, and rows another worker is claiming are skipped, not waited for.
            rows = await self._db.fetchall(
                f"WITH due AS ({due} FOR UPDATE OF f SKIP LOCKED) UPDATE feeds SET lease_until = ?, lease_owner = ? "
                "FROM due WHERE feeds.id = due.id RETURNING feeds.*", (now, now, limit, now + lease_seconds, owner))
        else:  # one writer at a time: the statement is atomic as it is
            rows = await self._db.fetchall(
                f"UPDATE feeds SET lease_until = ?, lease_owner = ? WHERE id IN ({due}) RETURNING *",
                (now + lease_seconds, owner, now, now, limit))
        return sorted((_feed(r) for r in rows), key=lambda f: (f.next_poll_at, f.id))

    async def release(self, owner: str, feed_ids: Collection[int] | None = None) -> int:
        """Give up `owner`'s leases (those of `feed_ids`, or all): the feeds are free for any worker at their
        next poll time. Returns how many were released."""
        if feed_ids is not None and not feed_ids:
            return 0
        only = "" if feed_ids is None else f" AND id IN ({_in(feed_ids)})"
        return await self._db.execute_rowcount(
            f"UPDATE feeds SET lease_until = NULL, lease_owner = NULL WHERE lease_owner = ?{only}",
            (owner, *(feed_ids or ())))

    async def next_claimable_at(self, now: float) -> float | None:
        """When `claim_due()` could next return a feed: the earliest next poll among followed, unpaused feeds,
        or for a feed another worker holds, when its lease lapses (if that worker died, it is taken over)."""
        followed = _followed(None, None)
        assert followed is not None
        condition, _ = followed
        return await self._db.fetchval(
            "SELECT MIN(CASE WHEN f.lease_until IS NOT NULL AND f.lease_until > ? AND f.lease_until > f.next_poll_at"
            f" THEN f.lease_until ELSE f.next_poll_at END) FROM feeds f WHERE f.paused = 0 AND {condition}", (now,))

    async def record_success(
        self,
        feed_id: int,
        *,
        now: float,
        next_poll_at: float,
        etag: str | None,
        last_modified: str | None,
        min_interval: int | None = None,
        title: str | None = None,
        site_url: str | None = None,
        body_hash: str | None = None,
        baseline_done: bool = False,
        icon_url: str | None = None,
    ) -> None:
        """A poll worked (200 or 304): reset failures, keep the validators and the next poll time.
        `title`/`site_url`/`body_hash`/`icon_url` of None keep the stored values (a 304 carries none)."""
        await self._db.execute(
            "UPDATE feeds SET etag = ?, last_modified = ?, next_poll_at = ?, min_interval_seconds = ?, "
            "last_polled_at = ?, last_success_at = ?, consecutive_failures = 0, last_error = NULL, "
            "title = COALESCE(?, title), site_url = COALESCE(?, site_url), body_hash = COALESCE(?, body_hash), "
            "icon_url = COALESCE(?, icon_url), "
            "baseline_pending = CASE WHEN ? = 1 THEN 0 ELSE baseline_pending END WHERE id = ?",
            (etag, last_modified, next_poll_at, min_interval, now, now, title, site_url, body_hash, icon_url,
             int(baseline_done), feed_id))

    async def record_failure(
        self, feed_id: int, *, now: float, error: str, next_poll_at: float, max_failures: int
    ) -> tuple[int, bool]:
        """Count a failed poll. Returns (consecutive failures, paused now?): the feed is paused, with the error
        as the reason, when the count reaches `max_failures`."""
        row = await self._db.fetchone(
            "UPDATE feeds SET consecutive_failures = consecutive_failures + 1, last_error = ?, last_polled_at = ?, "
            "next_poll_at = ?, "
            "paused = CASE WHEN consecutive_failures + 1 >= ? THEN 1 ELSE paused END, "
            "paused_reason = CASE WHEN consecutive_failures + 1 >= ? AND paused = 0 THEN ? ELSE paused_reason END "
            "WHERE id = ? RETURNING consecutive_failures, paused",
            (error, now, next_poll_at, max_failures, max_failures,
             f"{plural(max_failures, 'failed poll')} in a row; last error: {error}", feed_id))
        if row is None:
            raise KeyError(feed_id)
        return int(row[0]), bool(row[1])

    async def pause(self, feed_id: int, reason: str, *, now: float | None = None) -> None:
        await self._db.execute(
            "UPDATE feeds SET paused = 1, paused_reason = ?, last_error = COALESCE(last_error, ?), "
            "last_polled_at = COALESCE(?, last_polled_at) WHERE id = ?", (reason, reason, now, feed_id))

    async def resume(self, feed_id: int, *, now: float | None = None) -> None:
        """Unpause and poll soon. The first poll after a resume only marks the current items as seen, so the
        articles published while paused do not arrive as a flood."""
        now = time.time() if now is None else now
        await self._db.execute(
            "UPDATE feeds SET paused = 0, paused_reason = NULL, consecutive_failures = 0, last_error = NULL, "
            "next_poll_at = ?, baseline_pending = 1 WHERE id = ?", (now, feed_id))

    async def set_interval(self, feed_id: int, seconds: int | None) -> None:
        await self._db.execute("UPDATE feeds SET interval_seconds = ? WHERE id = ?", (seconds, feed_id))

    async def poll_soon(self, feed_id: int, *, now: float | None = None) -> None:
        """Make the feed due now (e.g. a moderator asked for a refresh)."""
        now = time.time() if now is None else now
        await self._db.execute(f"UPDATE feeds SET next_poll_at = {least(self._db.dialect)}(next_poll_at, ?) WHERE id = ?",
                               (now, feed_id))

    async def delete_unfollowed(self) -> int:
        """Delete feeds nobody subscribes to any more; returns how many (their articles stay)."""
        return await self._db.execute_rowcount(
            "DELETE FROM feeds WHERE NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.feed_id = feeds.id)")


_UPDATABLE = frozenset({"channel_id", "mode", "include_filter", "exclude_filter", "mention_role_id", "summary",
                        "paused", "filter_rules", "filter_match", "daily_cap", "min_gap_minutes", "template",
                        "card_style", "webhook"})


class SubscriptionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        feed_id: int,
        guild_id: int,
        channel_id: int,
        *,
        mode: str = "thread",
        include_filter: str | None = None,
        exclude_filter: str | None = None,
        mention_role_id: int | None = None,
        summary: bool = False,
        created_by: int | None = None,
        now: float | None = None,
    ) -> Subscription:
        now = time.time() if now is None else now
        try:
            sub_id = await self._db.insert(
                "INSERT INTO subscriptions (feed_id, guild_id, channel_id, mode, include_filter, exclude_filter, "
                "mention_role_id, summary, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (feed_id, guild_id, channel_id, mode, include_filter, exclude_filter, mention_role_id, int(summary),
                 created_by, now))
        except ConstraintViolation as exc:
            if exc.kind == "unique":
                raise SubscriptionExistsError(
                    f"channel {channel_id} already follows this feed") from None
            raise
        sub = await self.get(sub_id)
        assert sub is not None
        return sub

    async def remove(self, subscription_id: int) -> bool:
        return await self._db.execute_rowcount("DELETE FROM subscriptions WHERE id = ?", (subscription_id,)) > 0

    async def get(self, subscription_id: int) -> Subscription | None:
        row = await self._db.fetchone("SELECT * FROM subscriptions WHERE id = ?", (subscription_id,))
        return None if row is None else _subscription(row)

    async def list_for_guild(self, guild_id: int) -> list[Subscription]:
        rows = await self._db.fetchall("SELECT * FROM subscriptions WHERE guild_id = ? ORDER BY id", (guild_id,))
        return [_subscription(r) for r in rows]

    async def for_feed(self, feed_id: int, *, active_only: bool = True) -> list[Subscription]:
        """Who gets this feed's articles: by default the unpaused subscriptions."""
        sql = "SELECT * FROM subscriptions WHERE feed_id = ?" + (" AND paused = 0" if active_only else "")
        rows = await self._db.fetchall(sql + " ORDER BY id", (feed_id,))
        return [_subscription(r) for r in rows]

    async def update(self, subscription_id: int, **changes: Any) -> Subscription | None:
        """Change some of channel_id, mode, include_filter, exclude_filter, mention_role_id, summary, paused,
        filter_rules, filter_match, daily_cap, min_gap_minutes, template, card_style, webhook."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot update {', '.join(sorted(unknown))} of a subscription")
        if changes:
            values = [int(v) if isinstance(v, bool) else v for v in changes.values()]
            assignments = ", ".join(f"{name} = ?" for name in changes)
            await self._db.execute(f"UPDATE subscriptions SET {assignments} WHERE id = ?", (*values, subscription_id))
        return await self.get(subscription_id)

    async def mark_failing(self, subscription_id: int, reason: str) -> bool:
        """Record why posting to this subscription fails. Returns True the first time (announce it once)."""
        first = await self._db.execute_rowcount(
            "UPDATE subscriptions SET failing_reason = ?, failing_announced = 1 WHERE id = ? AND failing_announced = 0",
            (reason, subscription_id))
        if not first:
            await self._db.execute("UPDATE subscriptions SET failing_reason = ? WHERE id = ?", (reason, subscription_id))
        return first > 0

    async def set_webhook_problem(self, subscription_id: int, problem: str | None) -> bool:
        """Why the subscription's stories go out as the bot instead of through a webhook (None: they do not).
        True when that changed (tell the admins once, not at every post)."""
        return await self._db.execute_rowcount(
            "UPDATE subscriptions SET webhook_problem = ? WHERE id = ? AND webhook_problem IS DISTINCT FROM ?",
            (problem, subscription_id, problem)) > 0

    async def clear_failing(self, subscription_id: int) -> None:
        await self._db.execute(
            "UPDATE subscriptions SET failing_reason = NULL, failing_announced = 0 WHERE id = ?", (subscription_id,))
