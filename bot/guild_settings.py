"""A guild's Newsdesk settings as `/settings` changes them, with what a change implies elsewhere."""

from __future__ import annotations

from typing import Any

from bot.feeds.subscriptions import FeedSubscriptions
from bot.moderation.review import CommentReview
from bot.moderation.service import ModerationService
from bot.storage.guilds import GuildSettings, GuildSettingsStore

__all__ = ["GuildSettingsService"]


class GuildSettingsService:
    def __init__(self, *, store: GuildSettingsStore, subscriptions: FeedSubscriptions,
                 moderation: ModerationService, review: CommentReview) -> None:
        self._store = store
        self._subscriptions = subscriptions
        self._moderation = moderation
        self._review = review

    async def get(self, guild_id: int) -> GuildSettings:
        return await self._store.get(guild_id)

    async def change(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Validate and store `changes` (GuildSettingsError says what is wrong); returns the new settings.

        A new auto-summary applies to every feed followed here (`/feed edit summary:` can still override
        one); a new auto-close period applies to the threads already open, not only to those posted later."""
        settings = await self._store.update(guild_id, **changes)
        if "auto_summary" in changes:
            await self._subscriptions.set_summary_for_guild(guild_id, settings.auto_summary)
        if "auto_close_days" in changes:
            await self._moderation.replan_auto_close(guild_id=guild_id, days=settings.auto_close_days)
        if "premod_first" in changes:
            await self._review.settings_changed(settings)
        return settings

    async def with_digest(self) -> list[GuildSettings]:
        """Guilds with a digest channel and time set."""
        return await self._store.with_digest()

    async def digest_posted(self, guild_id: int, day: str) -> None:
        await self._store.update(guild_id, digest_last_day=day)
