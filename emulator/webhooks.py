"""Channel webhooks, enforced as Discord enforces them (docs: resources/webhook).

Creating, listing and deleting a channel's webhooks needs Manage Webhooks (an application may always manage
the webhooks it owns); executing one needs only its token. A message a webhook sends has the webhook as its
author (id = the webhook's id, the username and avatar of the execution), `webhook_id` set, and the owning
application's `application_id`. In a forum a webhook must name a thread to post in (`thread_id`) or a new post
to create (`thread_name`); in a text channel `thread_id` posts into one of its threads. Components are kept only
with `with_components`, interactive ones only from a webhook an application owns. A deleted webhook answers
10015 Unknown Webhook, a wrong token 50027 Invalid Webhook Token.

`World` = the message rules (`emulator.messages`) + these.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from emulator import payloads
from emulator.errors import ApiError, form_error
from emulator.messages import World as MessageWorld
from emulator.model import Channel, ChannelKind, Message, Perm, User, Webhook

__all__ = ["MAX_WEBHOOKS_PER_CHANNEL", "World", "check_webhook_name"]

MAX_WEBHOOKS_PER_CHANNEL = 15
_WEBHOOK_CHANNELS = (ChannelKind.TEXT, ChannelKind.NEWS, ChannelKind.FORUM)
_INTERACTIVE = frozenset({2, 3, 4, 5, 6, 7, 8})  # buttons, selects, text inputs


def check_webhook_name(field: str, name: str) -> str:
    """A webhook name or username override as Discord validates it: trimmed, 1-80 characters, without the
    substrings "clyde" or "discord" and not "everyone" or "here" (nickname rules)."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise form_error(field, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length.")
    lowered = name.lower()
    for word in ("clyde", "discord"):
        if word in lowered:
            raise form_error(field, "USERNAME_INVALID_CONTAINS", f'Username cannot contain "{word}"')
    if lowered in ("everyone", "here"):
        raise form_error(field, "USERNAME_INVALID", "Username is invalid")
    return name


class World(MessageWorld):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.webhooks: dict[int, Webhook] = {}

    # ---- managing webhooks (Manage Webhooks) ----------------------------------------------------------------
    def create_webhook(self, actor: User, channel: Channel, name: str, *, avatar: str | None = None,
                       check: bool = True) -> Webhook:
        if channel.type not in _WEBHOOK_CHANNELS:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        if check:
            self.require(actor.id, channel, Perm.MANAGE_WEBHOOKS)
        name = check_webhook_name("name", name)
        if len(self.channel_webhooks(channel)) >= MAX_WEBHOOKS_PER_CHANNEL:
            raise ApiError(400, 30007, f"Maximum number of webhooks reached ({MAX_WEBHOOKS_PER_CHANNEL})")
        owner = self.application_id if actor.id == self.bot_user.id else None
        hook = Webhook(id=self.ids.next(), guild_id=channel.guild_id, channel_id=channel.id, name=name,
                       token=secrets.token_urlsafe(51), creator_id=actor.id, application_id=owner,
                       avatar=payloads.avatar_hash(avatar))
        self.webhooks[hook.id] = hook
        self._webhooks_update(channel)
        return hook

    def channel_webhooks(self, channel: Channel) -> list[Webhook]:
        return [w for w in self.webhooks.values() if w.channel_id == channel.id]

    def manageable(self, actor: User, hook: Webhook) -> None:
        """Raise unless `actor` may see or change `hook`: Manage Webhooks, or the application owning it."""
        if hook.application_id is not None and actor.id == self.bot_user.id:
            return
        self.require(actor.id, self.channel(hook.channel_id), Perm.MANAGE_WEBHOOKS)

    def webhook(self, webhook_id: int, token: str | None = None) -> Webhook:
        hook = self.webhooks.get(webhook_id)
        if hook is None:
            raise ApiError.unknown("Webhook")
        if token is not None and not secrets.compare_digest(token, hook.token):
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return hook

    def delete_webhook(self, hook: Webhook) -> None:
        """Gone for good: executing it now answers 10015 Unknown Webhook (its messages stay)."""
        self.webhooks.pop(hook.id, None)
        channel = self.channels.get(hook.channel_id)
        if channel is not None:
            self._webhooks_update(channel)

    def webhook_payload(self, hook: Webhook, *, with_token: bool, with_user: bool = True) -> dict[str, Any]:
        creator = self.users.get(hook.creator_id) if with_user else None
        return payloads.webhook(hook, creator=creator, with_token=with_token)

    def _webhooks_update(self, channel: Channel) -> None:
        self.emit("WEBHOOKS_UPDATE", {"guild_id": str(channel.guild_id), "channel_id": str(channel.id)},
                  channel.guild_id, None)

    # ---- executing ------------------------------------------------------------------------------------------
    def execute_webhook(self, hook: Webhook, fields: dict[str, Any], *, username: str | None = None,
                        avatar_url: str | None = None, thread_id: int | None = None,
                        thread_name: str | None = None, applied_tags: list[int] | None = None,
                        with_components: bool = False) -> Message:
        """POST /webhooks/{id}/{token}: the message the webhook sent (or the forum post's first message)."""
        channel = self.channel(hook.channel_id)
        fields = self._webhook_components(hook, dict(fields), with_components)
        fields.update(webhook_id=hook.id, application_id=hook.application_id, avatar_url=avatar_url)
        author = self._webhook_author(hook, username)
        if thread_id is not None and thread_name is not None:
            raise ApiError(400, 220001, "Cannot specify both thread_id and thread_name")
        if thread_name is not None:
            if channel.type != ChannelKind.FORUM:
                raise ApiError(400, 220003, "Webhooks can only create threads in forum channels")
            _, starter = self.create_thread(author, channel, thread_name, applied_tags=applied_tags or [],
                                                 first_message=fields, check=False)
            assert starter is not None
            return starter
        target = channel
        if thread_id is not None:
            found = self.channels.get(thread_id)
            if found is None or not found.is_thread or found.parent_id != channel.id:
                raise ApiError.unknown("Channel")
            if found.locked:
                raise ApiError(403, 160005, "Thread is locked")
            if found.archived:  # "The thread will automatically be unarchived."
                self.update_channel(found, archived=False, archive_timestamp=time.time())
            target = found
        elif channel.type == ChannelKind.FORUM:
            raise ApiError(400, 220001, "Webhooks posted to forum channels must have a thread_name or thread_id")
        return self.post_message(author, target, check=False, **fields)

    def webhook_message(self, hook: Webhook, message_id: int, thread_id: int | None = None) -> Message:
        """A message this webhook sent, in its channel or (with thread_id) one of its threads."""
        where = thread_id if thread_id is not None else hook.channel_id
        message = self.message_index.get(message_id)
        if message is None or message.deleted or message.webhook_id != hook.id or message.channel_id != where:
            raise ApiError.unknown("Message")
        return message

    def edit_webhook_message(self, hook: Webhook, message: Message, fields: dict[str, Any], *,
                             with_components: bool = False) -> Message:
        fields = self._webhook_components(hook, dict(fields), with_components)
        return self.edit_message(message.author, message, check=False, **fields)

    def _webhook_author(self, hook: Webhook, username: str | None) -> User:
        name = check_webhook_name("username", username) if username is not None else hook.name
        return User(id=hook.id, username=name, bot=True)

    @staticmethod
    def _webhook_components(hook: Webhook, fields: dict[str, Any], with_components: bool) -> dict[str, Any]:
        components = fields.pop("components", None)
        if components and with_components:
            if hook.application_id is None and _interactive(components):
                raise form_error("components", "COMPONENT_INVALID",
                                 "Interactive components need an application-owned webhook")
            fields["components"] = components
        return fields


def _interactive(components: list[dict[str, Any]]) -> bool:
    for c in components:
        if c.get("type") in _INTERACTIVE or _interactive(c.get("components") or []):
            return True
    return False
