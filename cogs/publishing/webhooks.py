"""Posting under the outlet's name and icon through a channel webhook (issue 15 point 5), and editing a post
whichever way it was sent.

Newsdesk makes one webhook ("Newsdesk") in each channel a webhook subscription posts into, keeps its id and
token (`WebhookStore`; the token is registered with the log scrubber and shown nowhere), and makes a new one
when Discord answers 10015 Unknown Webhook (someone deleted it). Creating one needs Manage Webhooks; without
it the stories go out as the bot itself, and the subscription says why (`webhook_problem`). A post remembers
the webhook that sent it (`posts.webhook_id`): only that webhook can edit it later.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.logs import register_secret
from bot.posting.identity import WEBHOOK_NAME
from bot.storage.posts import Post
from bot.storage.webhooks import ChannelWebhook, WebhookStore

__all__ = ["UNKNOWN_WEBHOOK", "ChannelWebhooks", "PostEditor", "WebhookUnavailable"]

log = logging.getLogger(__name__)
UNKNOWN_WEBHOOK = 10015  # Discord's error code: the webhook was deleted (or never existed)
Postable = discord.TextChannel | discord.ForumChannel


class WebhookUnavailable(Exception):
    """No webhook can post in that channel (no Manage Webhooks, the channel's webhook limit): the story goes
    out as the bot itself. The message is for admins."""


def is_unknown_webhook(exc: discord.HTTPException) -> bool:
    return exc.status == 404 and exc.code == UNKNOWN_WEBHOOK


class ChannelWebhooks:
    def __init__(self, client: discord.Client, store: WebhookStore) -> None:
        self._client = client
        self._store = store

    async def for_channel(self, channel: Postable) -> discord.Webhook:
        """The channel's Newsdesk webhook, made now if it has none. Raises WebhookUnavailable."""
        stored = await self._store.get(channel.id)
        if stored is not None:
            return self._partial(stored)
        return await self._create(channel)

    async def recreate(self, channel: Postable, gone: discord.Webhook) -> discord.Webhook:
        """After 10015 Unknown Webhook: forget the deleted webhook and make a new one."""
        log.info("guild %s: the webhook of channel %s was deleted; making a new one", channel.guild.id, channel.id)
        await self._store.forget(gone.id)
        return await self._create(channel)

    async def by_id(self, webhook_id: int) -> discord.Webhook | None:
        """The stored webhook `webhook_id` (the one that sent a post), or None once it is known to be gone."""
        stored = await self._store.by_id(webhook_id)
        return None if stored is None else self._partial(stored)

    async def forget(self, webhook_id: int) -> None:
        await self._store.forget(webhook_id)

    async def _create(self, channel: Postable) -> discord.Webhook:
        me = channel.guild.me
        if not channel.permissions_for(me).manage_webhooks:
            raise WebhookUnavailable(f"I am missing Manage Webhooks in <#{channel.id}>, so its stories are "
                                     "posted as Newsdesk itself, not under the outlet's name and icon.")
        try:
            made = await channel.create_webhook(name=WEBHOOK_NAME, reason="Newsdesk posts stories under the "
                                                "outlet's name and icon (/feed edit webhook:)")
        except discord.Forbidden:
            raise WebhookUnavailable(f"Discord refused me a webhook in <#{channel.id}> (Manage Webhooks), so its "
                                     "stories are posted as Newsdesk itself.") from None
        except discord.HTTPException as exc:
            if exc.status != 400:
                raise  # transient: the story waits for the next pass
            raise WebhookUnavailable(f"Discord refused a webhook in <#{channel.id}> ({exc.text or exc.status}), "
                                     "so its stories are posted as Newsdesk itself.") from None
        if not made.token:
            raise WebhookUnavailable(f"Discord gave no webhook token for <#{channel.id}>.")
        stored = ChannelWebhook(channel_id=channel.id, guild_id=channel.guild.id, webhook_id=made.id,
                                token=made.token)
        await self._store.save(stored)
        return self._partial(stored)

    def _partial(self, stored: ChannelWebhook) -> discord.Webhook:
        register_secret(stored.token)
        # With the client: its HTTP session, and its state, so the Summarize button on a post is dispatched.
        return discord.Webhook.partial(stored.webhook_id, stored.token, client=self._client)


class PostEditor:
    """Edits a sent story post: through the webhook that sent it, else as the bot."""

    def __init__(self, client: discord.Client, webhooks: ChannelWebhooks) -> None:
        self._client = client
        self._webhooks = webhooks

    async def edit(self, post: Post, **fields: Any) -> bool:
        """Apply `fields` (embed=, view=) to the post's message. False when the post is gone on Discord, or
        can no longer be edited (its webhook was deleted: nobody can edit it then); raises Discord's other
        errors (the caller retries later)."""
        if post.message_id is None:
            return False
        channel = self._client.get_channel(post.channel_id)
        forum = isinstance(channel, discord.ForumChannel)
        try:
            if post.webhook_id is not None:
                return await self._edit_through_webhook(post, post.webhook_id, forum, fields)
            target: Any = None
            if isinstance(channel, discord.TextChannel):
                target = channel.get_partial_message(post.message_id)
            elif isinstance(channel, discord.ForumChannel) and post.thread_id:
                # A forum post deleted on Discord is a NotFound here, settled below like a deleted message.
                thread = channel.get_thread(post.thread_id) or await self._client.fetch_channel(post.thread_id)
                if isinstance(thread, discord.Thread):
                    target = thread.get_partial_message(post.message_id)
            if target is None:
                return False
            await target.edit(**fields)
        except discord.NotFound:
            return False  # removed on Discord: nothing to edit
        return True

    async def _edit_through_webhook(self, post: Post, webhook_id: int, forum: bool, fields: dict[str, Any]) -> bool:
        assert post.message_id is not None
        hook = await self._webhooks.by_id(webhook_id)
        if hook is None:
            return False
        thread: Any = discord.Object(post.thread_id) if forum and post.thread_id else discord.utils.MISSING
        try:
            await hook.edit_message(post.message_id, thread=thread, **fields)
        except discord.NotFound as exc:
            if is_unknown_webhook(exc):
                log.warning("guild %s: the webhook that sent post %s was deleted; the post can no longer be "
                            "edited", post.guild_id, post.id)
                await self._webhooks.forget(webhook_id)
            return False
        return True
