"""What the guild's admin channel is told about publishing: failing or paused feeds, a channel that cannot
take stories, a story Discord refused. Each notice is one line an admin can act on, sent through
`GuildChannels` like every notice the bot writes on its own."""

from __future__ import annotations

from bot.feeds.errors import shown_url
from bot.feeds.events import FeedEvent, FeedFailing, FeedPaused, FeedRecovered
from bot.posting.outbox import PostJob
from bot.storage.feeds import Subscription, SubscriptionStore
from cogs.support.channels import GuildChannels

__all__ = ["FAILING_ANNOUNCE_AT", "AdminNotices"]

FAILING_ANNOUNCE_AT = 3  # consecutive feed failures before admins hear about it (one blip is not news)


class AdminNotices:
    def __init__(self, channels: GuildChannels, *, subscriptions: SubscriptionStore) -> None:
        self._channels = channels
        self._subscriptions = subscriptions

    async def tell(self, guild_id: int, text: str) -> bool:
        """Post `text` to the guild's admin channel. False when there is none or Discord refuses (logged):
        a notice never stops the work it reports on."""
        return await self._channels.post(guild_id, "admin", text) is not None

    async def on_feed_event(self, event: FeedEvent) -> None:
        if isinstance(event, FeedPaused):
            await self._tell_feed_guilds(event.feed_id, f"⏸️ The feed <{shown_url(event.feed_url)}> was paused: {event.reason} "
                                         "Fix it, then use `/feed resume`.")
        elif isinstance(event, FeedFailing) and event.consecutive_failures == FAILING_ANNOUNCE_AT:
            await self._tell_feed_guilds(event.feed_id, f"⚠️ The feed <{shown_url(event.feed_url)}> failed {FAILING_ANNOUNCE_AT} "
                                         f"times in a row: {event.error} I keep retrying with growing pauses.")
        elif isinstance(event, FeedRecovered) and event.after_failures >= FAILING_ANNOUNCE_AT:
            await self._tell_feed_guilds(event.feed_id, f"✅ The feed <{shown_url(event.feed_url)}> works again.")

    async def _tell_feed_guilds(self, feed_id: int, text: str) -> None:
        guilds = {s.guild_id for s in await self._subscriptions.for_feed(feed_id, active_only=False)}
        for guild_id in guilds:
            if self._channels.serves(guild_id):  # the other shards' processes tell theirs
                await self.tell(guild_id, text)

    async def channel_blocked(self, sub: Subscription, reason: str) -> None:
        await self.tell(sub.guild_id, f"⚠️ I cannot post stories in <#{sub.channel_id}>: {reason} Stories wait "
                        "until this is fixed; then run `/feed resume` for that feed.")

    async def webhook_unavailable(self, sub: Subscription, reason: str) -> None:
        await self.tell(sub.guild_id, f"ℹ️ {reason} Give me Manage Webhooks there to post under the outlet's "
                        "name, or turn it off with `/feed edit webhook: False`. No story is lost.")

    async def story_skipped(self, job: PostJob, reason: str) -> None:
        await self.tell(job.post.guild_id, f"⚠️ Discord refused the story <{shown_url(job.article.url)}> in "
                        f"<#{job.post.channel_id}> ({reason}); I skipped it and went on with the next ones.")
