"""StoryService: the one call the publisher makes before posting an article to a channel.

    match = await stories.assign(channel_id=..., subscription_id=..., article=article)
    if match is None: post it as today (it opens a story)
    else: add this source to the post of `match.story_id` in that channel instead of posting

It keeps one `StoryIndex` per channel in memory, rebuilt from `StoryStore.recent` the first time a channel is
seen (so a restart forgets nothing within the window), applies the subscription's settings (off: the article
is neither merged nor offered to others; window: how old a story it may join), and stores every decision. A
decision is stored once per (channel, article) and a second call returns it, so a retried pass after a crash
between deciding and posting gets the same answer. A subscription id that no longer exists means "no
clustering" (None). Calls for one channel must not overlap (the publisher's per-channel queue sees to it);
calls for different channels may. An article never joins a story that already has an article of its own feed:
"Also reported by" is for other outlets, and a feed's follow-up is not a copy (the feed store drops copies).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.articles.records import Article
from bot.storage.stories import (
    DEFAULT_WINDOW_HOURS,
    StoryMember,
    StorySettings,
    StorySettingsError,
    StoryStore,
)
from bot.stories.index import MatchParams, StoryArticle, StoryIndex, StoryMatch

__all__ = ["StoryService", "StorySettingsError"]

_DEFAULT = StorySettings(enabled=True, window_hours=DEFAULT_WINDOW_HOURS)


class StoryService:
    def __init__(self, store: StoryStore, *, params: MatchParams | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._params = params
        self._clock = clock
        self._indexes: dict[int, StoryIndex] = {}

    async def assign(self, *, channel_id: int, subscription_id: int | None, article: Article) -> StoryMatch | None:
        """The story `article` joins in `channel_id` (post it as an added source), or None (post it as new)."""
        settings = await self._store.settings(subscription_id) if subscription_id is not None else _DEFAULT
        if settings is None or not settings.enabled:
            return None
        window = settings.window_hours * 3600
        stored = await self._store.story_of(channel_id, article.id)
        if stored is not None:
            return None if stored == article.id else await self._stored_match(channel_id, stored)
        now = self._clock()
        index = await self._index(channel_id, window, now)
        match = index.assign(_story_article(article, now), window_seconds=window)
        if match is not None and await self._same_outlet(channel_id, _article_id(match.story_id), article):
            # One outlet's second article is its own story (a follow-up, another angle), never "also reported
            # by" itself; the index took it into that story, so it is rebuilt from storage.
            match = None
            self._indexes.pop(channel_id, None)
        chosen = article.id if match is None else _article_id(match.story_id)
        story = await self._store.record(
            channel_id=channel_id, article_id=article.id, story_article_id=None if match is None else chosen,
            score=None if match is None else match.score, at=now)
        if story == chosen:
            return match
        # Another pass stored a different decision first: that one stands, and this index no longer agrees.
        self._indexes.pop(channel_id, None)
        return None if story == article.id else await self._stored_match(channel_id, story)

    async def sources(self, channel_id: int, story_id: int) -> list[StoryMember]:
        """The story's articles in `channel_id`, opener first, with outlet, title and link: "Also reported by"."""
        return await self._store.members(channel_id, story_id)

    async def settings(self, subscription_id: int) -> StorySettings | None:
        """The subscription's story settings (None: no such subscription)."""
        return await self._store.settings(subscription_id)

    async def configure(self, subscription_id: int, *, enabled: bool | None = None,
                        window_hours: float | None = None) -> StorySettings | None:
        """Turn merging on or off for a subscription and set its window (hours). Raises StorySettingsError
        for a window out of range; returns None when there is no such subscription."""
        return await self._store.configure(subscription_id, enabled=enabled, window_hours=window_hours)

    async def _index(self, channel_id: int, window: float, now: float) -> StoryIndex:
        index = self._indexes.get(channel_id)
        if index is not None and index.window >= window:
            return index
        # The index keeps the widest window any of the channel's subscriptions asked for.
        width = max(window, DEFAULT_WINDOW_HOURS * 3600, index.window if index is not None else 0.0)
        index = StoryIndex(window_seconds=width, params=self._params)
        for member in await self._store.recent(channel_id, since=now - width):
            index.restore(
                StoryArticle(id=member.article_id, title=member.title, at=member.assigned_at, summary=member.summary,
                             language=member.language),
                None if member.opened_story else member.story_article_id)
        self._indexes[channel_id] = index
        return index

    async def _same_outlet(self, channel_id: int, story: int, article: Article) -> bool:
        if article.feed_id is None:
            return False
        return any(m.feed_id == article.feed_id for m in await self._store.members(channel_id, story))

    async def _stored_match(self, channel_id: int, story: int) -> StoryMatch:
        members = await self._store.members(channel_id, story)
        scores = [m.score for m in members if m.score is not None]
        return StoryMatch(story_id=story, score=scores[-1] if scores else 0.0, size=len(members))


def _story_article(article: Article, now: float) -> StoryArticle:
    return StoryArticle(id=article.id, title=article.title, at=now, url=article.url,
                        summary=article.excerpt or article.text, language=article.language)


def _article_id(story_id: object) -> int:
    # The service only ever puts article ids (ints) into its indexes.
    assert isinstance(story_id, int)
    return story_id
