"""Following a feed from a channel: find the feed behind a URL, check it works, and start quietly.

Used by `/feed add|remove|pause|resume|edit|test`. Subscribing never floods a channel: everything the feed
carries right now is marked seen (only the newest item is offered as a preview), and so does resuming.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.articles.records import Article, FeedItem
from bot.feeds.errors import FetchError, shown_url
from bot.feeds.fetcher import FeedFetcher
from bot.feeds.finder import find_feeds
from bot.feeds.models import FeedParseError, ParsedFeed
from bot.feeds.opml import OpmlDocument, OpmlFeed, build_opml
from bot.feeds.reader import FeedReader
from bot.feeds.rules import FIELDS, MATCHES, RuleError, RuleSet, compiled_rules, legacy_rules, parse_rules
from bot.storage.articles import ArticleStore
from bot.storage.deliveries import Delivery, DeliveryRecord, DeliveryStore
from bot.storage.feeds import Feed, FeedStore, Subscription, SubscriptionExistsError, SubscriptionStore
from bot.storage.posts import PostStore

__all__ = ["FeedProblem", "FeedSubscriptions", "SubscribeResult", "filter_refusal", "matches_filters", "parse_keywords",
           "rule_problem"]

MODES = ("thread", "forum", "plain")


class FeedProblem(ValueError):
    """Why a feed cannot be followed, phrased for the person who asked."""


@dataclass(frozen=True)
class SubscribeResult:
    feed: Feed
    subscription: Subscription
    feed_title: str | None
    newest: Article | None          # offered as a preview; never posted automatically
    items: int


def parse_keywords(text: str | None) -> list[str]:
    """'ai, climate,  "central bank"' -> ['ai', 'climate', 'central bank']."""
    if not text:
        return []
    return [k.strip().strip('"').lower() for k in text.split(",") if k.strip().strip('"')]


def matches_filters(include: str | None, exclude: str | None, *texts: str) -> bool:
    """Include: at least one keyword must appear (whole words); exclude: none may appear."""
    return filter_refusal(include, exclude, *texts) is None


def filter_refusal(include: str | None, exclude: str | None, *texts: str) -> str | None:
    """Why the keyword filters keep this item out (which rule), or None when they let it through: the same
    evaluation as the outbox's (`bot.feeds.rules`), over `texts`."""
    haystack = " ".join(t for t in texts if t)
    rules = RuleSet(required=legacy_rules(include, exclude))
    return rules.refusal_in(dict.fromkeys((*FIELDS, "legacy"), haystack))


def rule_problem(rules: str | None, match: str = "all") -> str | None:
    """Why filter rules typed by someone cannot be saved (one sentence), or None when they can."""
    if match not in MATCHES:
        return f"match must be one of {', '.join(MATCHES)}"
    try:
        parse_rules(rules)
    except RuleError as exc:
        return str(exc)
    return None


_DELIVERY_KEYS = ("filter_rules", "filter_match", "daily_cap", "min_gap_minutes")


def _delivery_changes(**given: object) -> dict[str, object]:
    """The rule and cap columns to store, checked (raises FeedProblem). Empty rules and a cap or gap of 0 clear."""
    changes: dict[str, object] = {}
    rules, match = given.get("filter_rules"), given.get("filter_match")
    if rules is not None or match is not None:
        problem = rule_problem(str(rules) if rules is not None else None, str(match or "all"))
        if problem:
            raise FeedProblem(problem)
    if rules is not None:
        changes["filter_rules"] = str(rules).strip() or None
    if match is not None:
        changes["filter_match"] = match
    for key in ("daily_cap", "min_gap_minutes"):
        value = given.get(key)
        if value is not None:
            if not isinstance(value, int) or value < 0:
                raise FeedProblem(f"{key.replace('_', ' ')} must be a whole number, 0 to turn it off")
            changes[key] = value or None
    return changes


class FeedSubscriptions:
    def __init__(self, *, fetcher: FeedFetcher, feeds: FeedStore, subscriptions: SubscriptionStore,
                 articles: ArticleStore, posts: PostStore, poll_interval: float,
                 deliveries: DeliveryStore | None = None, reader: FeedReader | None = None) -> None:
        self._deliveries = deliveries
        self._reader = reader or FeedReader()
        self._poll_interval = poll_interval
        self._posts = posts
        self._fetcher = fetcher
        self._feeds = feeds
        self._subscriptions = subscriptions
        self._articles = articles

    async def resolve(self, url: str) -> tuple[str, ParsedFeed]:
        """The feed URL for `url` (a feed or a site) and its current content. Raises FeedProblem."""
        url = url.strip()
        if not re.match(r"^https?://", url, re.IGNORECASE):
            url = "https://" + url
        try:
            links = await find_feeds(self._fetcher, url)
        except FetchError as exc:
            raise FeedProblem(str(exc)) from None
        if not links:
            raise FeedProblem(f"No feed found at {shown_url(url)}: it is not a feed and its page advertises none. "
                              "Paste the feed's own URL (often ending in /feed, /rss or .xml).")
        problems = []
        for link in links[:3]:
            try:
                result = await self._fetcher.fetch(link.url)
                parsed = await self._reader.parse(result.body, url=result.url, content_type=result.content_type)
                return result.url, parsed
            except (FetchError, FeedParseError) as exc:
                problems.append(str(exc))
        raise FeedProblem(problems[0])

    async def subscribe(
        self, url: str, *, guild_id: int, channel_id: int, mode: str = "thread", summary: bool = False,
        mention_role_id: int | None = None, include: str | None = None, exclude: str | None = None,
        created_by: int | None = None, rules: str | None = None, match: str = "all", daily_cap: int | None = None,
        min_gap_minutes: int | None = None,
    ) -> SubscribeResult:
        """Follow `url` in a channel. `rules`/`match`: filter rules (bot.feeds.rules); `daily_cap`: at most that
        many posts in 24 hours; `min_gap_minutes`: at least that long between posts. Raises FeedProblem."""
        if mode not in MODES:
            raise FeedProblem(f"mode must be one of {', '.join(MODES)}")
        delivery = _delivery_changes(filter_rules=rules, filter_match=match, daily_cap=daily_cap,
                                     min_gap_minutes=min_gap_minutes)
        feed_url, parsed = await self.resolve(url)
        feed = await self._feeds.get_or_create(feed_url)
        if feed.baseline_pending:
            # A feed nobody followed yet: what it carries now is the past. Mark it seen so the channel starts
            # with the next article, not with a flood of old ones.
            newest = await self._articles.mark_seen(feed.id, parsed.items)
            now = time.time()
            await self._feeds.record_success(feed.id, now=now, etag=None, last_modified=None, min_interval=None,
                                             next_poll_at=now + self._poll_interval, title=parsed.title,
                                             site_url=parsed.site_url, body_hash=None, baseline_done=True)
        else:
            # Followed elsewhere already: stored articles are seen; anything newer than the last poll is
            # genuinely new and will reach this channel too at the next poll.
            recent = await self._articles.recent(feed.id, limit=1)
            newest = recent[0] if recent else None
        try:
            sub = await self._subscriptions.add(
                feed.id, guild_id, channel_id, mode=mode, include_filter=include, exclude_filter=exclude,
                mention_role_id=mention_role_id, summary=summary, created_by=created_by)
        except SubscriptionExistsError:
            raise FeedProblem("This channel already follows that feed; use `/feed edit` to change it.") from None
        if delivery:
            sub = await self._subscriptions.update(sub.id, **delivery) or sub
        await self._baseline(sub.id, parsed.items, "already in the feed when this channel followed it")
        stored = await self._feeds.get(feed.id)
        assert stored is not None
        return SubscribeResult(stored, sub, parsed.title, newest, len(parsed.items))

    async def _baseline(self, subscription_id: int, items: Sequence[FeedItem], why: str) -> None:
        if self._deliveries is not None:
            await self._deliveries.record([DeliveryRecord(subscription_id, i.url, i.title, "baseline", why)
                                           for i in items])

    async def history(self, subscription_id: int, limit: int = 100) -> list[Delivery]:
        """What became of this subscription's latest items, newest first (the dashboard's delivery history)."""
        return await self._deliveries.for_subscription(subscription_id, limit=limit) if self._deliveries else []

    async def recent_items(self, guild_id: int, query: str = "", limit: int = 25) -> list[tuple[str, str]]:
        """(url, title) of the guild's latest feed items matching `query` (for `/feed why` autocomplete)."""
        return await self._deliveries.recent_urls(guild_id, query, limit=limit) if self._deliveries else []

    async def why(self, guild_id: int, url: str) -> list[Delivery]:
        """What became of the item at `url` in each channel of the guild that follows its feed."""
        return await self._deliveries.for_url(guild_id, url) if self._deliveries else []

    async def preview(self, subscription: Subscription) -> list[FeedItem]:
        """What the feed carries now that this subscription's filters let through (for `/feed test`)."""
        feed = await self._feeds.get(subscription.feed_id)
        if feed is None:
            raise FeedProblem("That feed is gone.")
        _, parsed = await self.resolve(feed.url)
        rules = compiled_rules(subscription.include_filter, subscription.exclude_filter, subscription.filter_rules,
                               subscription.filter_match)
        if isinstance(rules, RuleError):
            raise FeedProblem(f"Its filter rules cannot be used: {rules}")
        return [i for i in parsed.items if rules.refusal(i) is None]

    # --- what /feed list, autocomplete and /settings read and change ------------------------------------

    async def get(self, subscription_id: int) -> Subscription | None:
        return await self._subscriptions.get(subscription_id)

    async def for_guild(self, guild_id: int) -> list[tuple[Subscription, Feed | None]]:
        """The guild's subscriptions, each with its feed (None if the feed record is gone)."""
        return [(sub, await self._feeds.get(sub.feed_id))
                for sub in await self._subscriptions.list_for_guild(guild_id)]

    async def posts_made(self, subscription_id: int) -> int:
        return await self._posts.count_for_subscription(subscription_id)

    async def edit(self, subscription_id: int, *, poll_interval_seconds: int | None = None,
                   **changes: object) -> None:
        """Change a subscription (and its feed's poll interval); a failing one is tried again. Filter rules
        that cannot be used, a cap or gap below 1 (0 clears them) raise FeedProblem and change nothing."""
        sub = await self._subscriptions.get(subscription_id)
        if sub is None:
            return
        changes.update(_delivery_changes(**{k: changes.pop(k) for k in _DELIVERY_KEYS if k in changes}))
        if changes:
            await self._subscriptions.update(subscription_id, **changes)
        if changes.get("webhook") is False:  # posting as the bot again: a webhook problem no longer applies
            await self._subscriptions.set_webhook_problem(subscription_id, None)
        if poll_interval_seconds is not None:
            await self._feeds.set_interval(sub.feed_id, poll_interval_seconds)
        await self._subscriptions.clear_failing(subscription_id)

    async def set_summary_for_guild(self, guild_id: int, summary: bool) -> None:
        """Every feed followed in the guild follows its new auto-summary setting."""
        for sub in await self._subscriptions.list_for_guild(guild_id):
            await self._subscriptions.update(sub.id, summary=summary)

    # --- OPML (bot/feeds/opml.py) -------------------------------------------------------------------------

    async def export_opml(self, guild_id: int, channel_id: int | None = None) -> tuple[bytes, int]:
        """The guild's followed feeds (those of one channel) as an OPML file, and how many it lists."""
        listed = [OpmlFeed(feed.url, feed.title or "", sub.channel_id, sub.mode)
                  for sub, feed in await self.for_guild(guild_id)
                  if feed is not None and (channel_id is None or sub.channel_id == channel_id)]
        return build_opml(listed), len(listed)

    async def import_plan(self, guild_id: int, document: OpmlDocument,
                          channel_id: int | None = None) -> tuple[list[OpmlFeed], list[OpmlFeed]]:
        """(to follow, already followed) of an imported file: each feed goes to `channel_id`, else to the channel
        its outline names. Raises FeedProblem when a feed has no channel (nothing is followed then)."""
        followed = {(sub.channel_id, feed.url) for sub, feed in await self.for_guild(guild_id) if feed is not None}
        new: list[OpmlFeed] = []
        already: list[OpmlFeed] = []
        for entry in document.feeds:
            target = channel_id or entry.channel_id
            if target is None:
                raise FeedProblem(f"{shown_url(entry.url)} names no channel: say which channel the feeds go to.")
            placed = OpmlFeed(entry.url, entry.title, target, entry.mode)
            (already if (target, entry.url) in followed else new).append(placed)
        return new, already

    async def import_feeds(self, guild_id: int, feeds: Sequence[OpmlFeed], *, mode: str | None = None,
                           summary: bool = False, created_by: int | None = None) -> tuple[int, list[str]]:
        """Follow each planned feed (`import_plan`), quietly like `subscribe`, four at a time. Returns how many
        are followed now and one line per feed that could not be (the others carry on)."""
        gate = asyncio.Semaphore(4)

        async def follow(entry: OpmlFeed) -> str | None:
            assert entry.channel_id is not None
            async with gate:
                try:
                    await self.subscribe(entry.url, guild_id=guild_id, channel_id=entry.channel_id,
                                         mode=mode or entry.mode or "thread", summary=summary, created_by=created_by)
                except FeedProblem as exc:
                    return f"{entry.title or shown_url(entry.url)}: {exc}"
            return None

        problems = [p for p in await asyncio.gather(*(follow(f) for f in feeds)) if p]
        return len(feeds) - len(problems), problems

    # --- following, pausing, resuming ----------------------------------------------------------------

    async def remove(self, subscription_id: int) -> bool:
        removed = await self._subscriptions.remove(subscription_id)
        await self._feeds.delete_unfollowed()
        return removed

    async def pause(self, subscription_id: int) -> Subscription | None:
        return await self._subscriptions.update(subscription_id, paused=True)

    async def resume(self, subscription: Subscription) -> Subscription | None:
        """Resume without a flood of what appeared meanwhile."""
        feed = await self._feeds.get(subscription.feed_id)
        if feed is not None:
            others = [s for s in await self._subscriptions.for_feed(feed.id) if s.id != subscription.id]
            if feed.paused or not others:
                # The feed was not polled during the pause (paused itself, or nobody else follows it). Take a
                # baseline: with baseline_pending set, what is stored now is marked seen and not announced.
                await self._feeds.resume(feed.id)
                try:
                    _, parsed = await self.resolve(feed.url)
                except FeedProblem:
                    pass  # still broken: the baseline is taken at the next good poll
                else:
                    await self._articles.mark_seen(feed.id, parsed.items)
                    await self._baseline(subscription.id, parsed.items, "published while the feed was paused")
                    now = time.time()
                    await self._feeds.record_success(feed.id, now=now, etag=None, last_modified=None,
                                                     next_poll_at=now + self._poll_interval, baseline_done=True)
            # With other live subscriptions the feed kept being polled; what arrived meanwhile was skipped here.
        await self._subscriptions.clear_failing(subscription.id)
        return await self._subscriptions.update(subscription.id, paused=False)
