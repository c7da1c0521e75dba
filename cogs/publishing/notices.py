"""What the guild's admin channel is told about publishing: failing or paused feeds, a channel that cannot
take stories, a story Discord refused. Each notice is one line an admin can act on."""

from __future__ import annotations

import logging

import discord

from bot.feeds.events import FeedEvent, FeedFailing, FeedPaused, FeedRecovered
from bot.posting.outbox import PostJob
from bot.storage.feeds import Subscription, SubscriptionStore
from bot.storage.guilds import GuildSettingsStore

__all__ = ["FAILING_ANNOUNCE_AT", "AdminNotices"]

log = logging.getLogger(__name__)
FAILING_ANNOUNCE_AT = 3  # consecutive feed failures before admins hear about it (one blip is not news)


class AdminNotices:
    def __init__(self, client: discord.Client, *, guilds: GuildSettingsStore,
                 subscriptions: SubscriptionStore) -> None:
        self._client = client
        self._guilds = guilds
        self._subscriptions = subscriptions

    async def tell(self, guild_id: int, text: str) -> bool:
        """Post `text` to the guild's admin channel. Returns False (and logs it) when there is none or
        Discord refuses: a notice never stops the work it reports on."""
        settings = await self._guilds.get(guild_id)
        channel = self._client.get_channel(settings.admin_channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            log.warning("guild %s: no admin channel for: %s", guild_id, text)
            return False
        try:
            await channel.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())
            return True
        except discord.HTTPException as exc:
            log.warning("guild %s: cannot write to admin channel %s: %s", guild_id, channel.id, exc)
            return False

    async def on_feed_event(self, event: FeedEvent) -> None:
        if isinstance(event, FeedPaused):
            await self._tell_feed_guilds(event.feed_id, f"⏸️ The feed <{event.feed_url}> was paused: {event.reason} "
                                         "Fix it, then use `/feed resume`.")
        elif isinstance(event, FeedFailing) and event.consecutive_failures == FAILING_ANNOUNCE_AT:
            await self._tell_feed_guilds(event.feed_id, f"⚠️ The feed <{event.feed_url}> failed {FAILING_ANNOUNCE_AT} "
                                         f"times in a row: {event.error} I keep retrying with growing pauses.")
        elif isinstance(event, FeedRecovered) and event.after_failures >= FAILING_ANNOUNCE_AT:
            await self._tell_feed_guilds(event.feed_id, f"✅ The feed <{event.feed_url}> works again.")

    async def _tell_feed_guilds(self, feed_id: int, text: str) -> None:
        guilds = {s.guild_id for s in await self._subscriptions.for_feed(feed_id, active_only=False)}
        for guild_id in guilds:
            await self.tell(guild_id, text)

    async def channel_blocked(self, sub: Subscription, reason: str) -> None:
        await self.tell(sub.guild_id, f"⚠️ I cannot post stories in <#{sub.channel_id}>: {reason} Stories wait "
                        "until this is fixed; then run `/feed resume` for that feed.")

    async def story_skipped(self, job: PostJob, reason: str) -> None:
        await self.tell(job.post.guild_id, f"⚠️ Discord refused the story <{job.article.url}> in "
                        f"<#{job.post.channel_id}> ({reason}); I skipped it and went on with the next ones.")
