"""Message, reaction and thread rules, enforced as Discord enforces them (limits, permissions, thread locks).

`World` = `WorldBase` (entities, permissions) + this mixin. Every change emits the matching gateway event.
The load-test path that skips these rules is `emulator.fastpath`.
"""

from __future__ import annotations

import time
from typing import Any

from emulator import payloads
from emulator.components import IS_COMPONENTS_V2, check_legacy_fields, validate_components
from emulator.errors import ApiError, form_error
from emulator.model import Channel, ChannelKind, Message, Perm, User
from emulator.world import WorldBase

__all__ = ["World", "validate_embeds"]

REQUIRE_TAG = 1 << 4  # forum channel flag: every post needs a tag
NONCE_WINDOW_SECONDS = 120.0  # Discord dedupes enforce_nonce sends "within the past few minutes"
BULK_DELETE_MAX_AGE = 14 * 24 * 3600
_EMBED_LIMITS = {"title": 256, "description": 4096}


def validate_embeds(embeds: list[dict[str, Any]]) -> None:
    """Discord's embed limits: 10 embeds, per-field lengths, 6000 characters in total."""
    if len(embeds) > 10:
        raise form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in _EMBED_LIMITS.items():
            value = embed.get(key) or ""
            total += len(value)
            if len(value) > limit:
                raise form_error(f"embeds.{i}.{key}", "BASE_TYPE_MAX_LENGTH",
                                 f"Must be {limit} or fewer in length.")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise form_error(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, fld in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                value = str(fld.get(key) or "")
                total += len(value)
                if not value:
                    raise form_error(f"embeds.{i}.fields.{j}.{key}", "BASE_TYPE_REQUIRED",
                                     "This field is required")
                if len(value) > limit:
                    raise form_error(f"embeds.{i}.fields.{j}.{key}", "BASE_TYPE_MAX_LENGTH",
                                     f"Must be {limit} or fewer in length.")
        for path, limit in (("footer.text", 2048), ("author.name", 256)):
            outer, inner = path.split(".")
            value = str((embed.get(outer) or {}).get(inner) or "")
            total += len(value)
            if len(value) > limit:
                raise form_error(f"embeds.{i}.{path}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    if total > 6000:
        raise form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


class World(WorldBase):
    # ---- messages ------------------------------------------------------------------------------------------
    def get_message(self, channel: Channel, message_id: int) -> Message:
        message = self.messages.get(channel.id, {}).get(message_id)
        if message is None or message.deleted:
            raise ApiError.unknown("Message")
        return message

    def check_can_post(self, author: User, channel: Channel, *, files: bool = False) -> None:
        if channel.type == ChannelKind.FORUM:
            raise ApiError(400, 40058, "Cannot send messages in a forum channel; create a post (thread) instead")
        if channel.type == ChannelKind.DM and author.id == self.bot_user.id:
            recipient = self.users[channel.recipient_id or 0]
            shares_guild = any(recipient.id in g.members and self.bot_user.id in g.members
                               for g in self.guilds.values())
            if not recipient.accepts_dms or not shares_guild:
                raise ApiError(403, 50007, "Cannot send messages to this user")
        needed = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        if files:
            needed |= Perm.ATTACH_FILES
        perms = self.require(author.id, channel, needed)
        self._check_slowmode(author, channel, perms)
        if channel.is_thread:
            moderator = bool(perms & Perm.MANAGE_THREADS)
            if channel.locked and not moderator:
                raise ApiError(403, 160005, "Thread is locked")
            if channel.archived and channel.locked:
                raise ApiError(400, 50083, "Operation not available in archived thread")
            if channel.archived:  # an unlocked archived thread is unarchived by a new message
                channel.archived = False
                channel.archive_timestamp = time.time()
                self.emit("THREAD_UPDATE", payloads.channel(channel), channel.guild_id, None)

    def _check_slowmode(self, author: User, channel: Channel, perms: int) -> None:
        if not channel.rate_limit_per_user or perms & (Perm.MANAGE_MESSAGES | Perm.MANAGE_CHANNELS):
            return
        if channel.is_thread and perms & Perm.MANAGE_THREADS:
            return
        now = time.time()
        last = self.last_post.get((channel.id, author.id))
        if last is not None and now - last < channel.rate_limit_per_user:
            wait = channel.rate_limit_per_user - (now - last)
            raise ApiError(429, 20016, "This action cannot be performed due to slowmode rate limit.",
                           retry_after=wait)
        self.last_post[(channel.id, author.id)] = now

    def post_message(self, author: User, channel: Channel, content: str = "", *,
                     embeds: list[dict[str, Any]] | None = None, components: list[dict[str, Any]] | None = None,
                     attachments: list[dict[str, Any]] | None = None, reply_to: int | None = None,
                     nonce: str | int | None = None, enforce_nonce: bool = False, flags: int = 0,
                     msg_type: int | None = None, webhook_id: int | None = None,
                     application_id: int | None = None, avatar_url: str | None = None,
                     interaction: dict[str, Any] | None = None, ephemeral_to: int | None = None,
                     tts: bool = False, check: bool = True, dispatch: bool = True,
                     allow_empty: bool = False) -> Message:
        embeds = embeds or []
        attachments = attachments or []
        if len(content) > 2000:
            raise form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        validate_embeds(embeds)
        check_legacy_fields(flags, content=content, embeds=embeds)
        if components:
            validate_components(components, flags)
        if not (content or embeds or attachments or components or allow_empty):
            raise ApiError(400, 50006, "Cannot send an empty message")
        if check:
            self.check_can_post(author, channel, files=bool(attachments))
        if enforce_nonce and nonce is not None:
            horizon = time.time() - NONCE_WINDOW_SECONDS
            for existing in reversed(self.messages[channel.id].values()):
                if existing.created_at < horizon:
                    break
                if existing.nonce == nonce and existing.author.id == author.id:
                    return existing
        if reply_to is not None:
            self.get_message(channel, reply_to)
        message = Message(
            id=self.ids.next(), channel_id=channel.id, guild_id=channel.guild_id or None, author=author,
            content=content,
            embeds=embeds, components=components or [], attachments=attachments, flags=flags, nonce=nonce, tts=tts,
            type=msg_type if msg_type is not None else (19 if reply_to is not None else 0),
            reference_id=reply_to, webhook_id=webhook_id, application_id=application_id, avatar_url=avatar_url,
            interaction=interaction, ephemeral_to=ephemeral_to,
        )
        self.message_index[message.id] = message
        if ephemeral_to is not None:
            return message  # ephemeral messages are not part of the channel and are not dispatched
        self.messages[channel.id][message.id] = message
        channel.last_message_id = message.id
        if channel.is_thread:
            channel.message_count += 1
            channel.total_message_sent += 1
            channel.member_ids.add(author.id)
        if dispatch:
            self.emit_message("MESSAGE_CREATE", message)
        return message

    def emit_message(self, event: str, message: Message) -> None:
        full = self.message_payload(message)
        hidden = None
        if not self.content_visible_to_bot(message):
            # Built only if a session lacks the Message Content intent (the gateway calls it lazily).
            def hidden() -> dict[str, Any]:
                return self.message_payload(message, with_content=False)
        self.emit(event, full, message.guild_id, hidden)

    def edit_message(self, actor: User, message: Message, *, check: bool = True, **changes: Any) -> Message:
        channel = self.channel(message.channel_id)
        if check and message.author.id != actor.id:
            only_flags = set(changes) <= {"flags"}
            if not only_flags:
                raise ApiError(403, 50005, "Cannot edit a message authored by another user")
            self.require(actor.id, channel, Perm.MANAGE_MESSAGES)
        if "content" in changes and changes["content"] is not None and len(changes["content"]) > 2000:
            raise form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        if changes.get("embeds") is not None:
            validate_embeds(changes["embeds"])
        if changes.get("flags") is not None:
            # The IS_COMPONENTS_V2 flag cannot be taken off a message that has it.
            changes["flags"] = int(changes["flags"]) | (message.flags & IS_COMPONENTS_V2)
        flags = changes["flags"] if changes.get("flags") is not None else message.flags
        content, embeds = changes.get("content"), changes.get("embeds")
        check_legacy_fields(flags, content=message.content if content is None else content,
                            embeds=message.embeds if embeds is None else embeds)
        if changes.get("components"):
            validate_components(changes["components"], flags)
        for key, value in changes.items():
            if value is not None:
                setattr(message, key, value)
        message.edited_at = time.time()
        if not message.is_ephemeral:
            self.emit_message("MESSAGE_UPDATE", message)
        return message

    def delete_message(self, actor: User, message: Message, *, check: bool = True) -> None:
        channel = self.channel(message.channel_id)
        if check and message.author.id != actor.id:
            self.require(actor.id, channel, Perm.MANAGE_MESSAGES)
        message.deleted = True
        self.messages[channel.id].pop(message.id, None)
        if channel.is_thread:
            channel.message_count = max(0, channel.message_count - 1)
        payload = {"id": str(message.id), "channel_id": str(channel.id)}
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
        self.emit("MESSAGE_DELETE", payload, message.guild_id, None)

    def bulk_delete(self, actor: User, channel: Channel, message_ids: list[int]) -> None:
        self.require(actor.id, channel, Perm.MANAGE_MESSAGES)
        if not 2 <= len(message_ids) <= 100:
            raise form_error("messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
        found = [self.messages[channel.id].get(i) for i in message_ids]
        horizon = time.time() - BULK_DELETE_MAX_AGE
        if any(m is not None and m.created_at < horizon for m in found):
            raise ApiError(400, 50034, "You can only bulk delete messages that are under 14 days old.")
        for m in found:
            if m is not None:
                m.deleted = True
                self.messages[channel.id].pop(m.id, None)
        self.emit("MESSAGE_DELETE_BULK", {"ids": [str(i) for i in message_ids], "channel_id": str(channel.id),
                                          "guild_id": str(channel.guild_id)}, channel.guild_id, None)

    def history(self, channel: Channel, *, limit: int = 50, before: int | None = None,
                after: int | None = None, around: int | None = None) -> list[Message]:
        """Newest first, like Discord; `after` alone also returns newest first (discord.py reverses it)."""
        if not 1 <= limit <= 100:
            raise form_error("limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
        ordered = list(self.messages[channel.id].values())  # oldest first
        if around is not None:
            older = [m for m in ordered if m.id < around][-(limit // 2):] if limit > 1 else []
            newer = [m for m in ordered if m.id >= around][: limit - len(older)]
            return list(reversed(older + newer))
        if after is not None:
            picked = [m for m in ordered if m.id > after][:limit]
            return list(reversed(picked))
        if before is not None:
            ordered = [m for m in ordered if m.id < before]
        return list(reversed(ordered[-limit:]))

    # ---- reactions -------------------------------------------------------------------------------------------
    def _member_payload(self, guild_id: int | None, user_id: int) -> dict[str, Any] | None:
        guild = self.guilds.get(guild_id or 0)
        if guild is None or user_id not in guild.members:
            return None
        return payloads.member(guild.members[user_id])

    def add_reaction(self, actor: User, message: Message, key: str, *, check: bool = True) -> None:
        channel = self.channel(message.channel_id)
        users = message.reactions.get(key)
        if check:
            needed = Perm.READ_MESSAGE_HISTORY | (0 if users else Perm.ADD_REACTIONS)
            self.require(actor.id, channel, needed)
            if channel.is_thread and channel.archived:
                raise ApiError(400, 50083, "Operation not available in archived thread")
        users = message.reactions.setdefault(key, [])
        if actor.id in users:
            return
        users.append(actor.id)
        self.emit("MESSAGE_REACTION_ADD", payloads.reaction_event(
            user_id=actor.id, m=message, key=key, member_payload=self._member_payload(message.guild_id, actor.id)),
            message.guild_id, None)

    def remove_reaction(self, actor: User, message: Message, key: str, target: User | None = None,
                        *, check: bool = True) -> None:
        target = target or actor
        channel = self.channel(message.channel_id)
        if check and target.id != actor.id:
            self.require(actor.id, channel, Perm.MANAGE_MESSAGES)
        users = message.reactions.get(key, [])
        if target.id not in users:
            return
        users.remove(target.id)
        if not users:
            message.reactions.pop(key, None)
        payload = payloads.reaction_event(user_id=target.id, m=message, key=key, member_payload=None)
        payload.pop("member", None)
        payload.pop("message_author_id", None)
        self.emit("MESSAGE_REACTION_REMOVE", payload, message.guild_id, None)

    def clear_reactions(self, actor: User, message: Message, key: str | None = None) -> None:
        self.require(actor.id, self.channel(message.channel_id), Perm.MANAGE_MESSAGES)
        base = {"channel_id": str(message.channel_id), "message_id": str(message.id),
                "guild_id": str(message.guild_id)}
        if key is None:
            message.reactions.clear()
            self.emit("MESSAGE_REACTION_REMOVE_ALL", base, message.guild_id, None)
        elif message.reactions.pop(key, None) is not None:
            self.emit("MESSAGE_REACTION_REMOVE_EMOJI", {**base, "emoji": payloads.emoji_from_key(key)},
                      message.guild_id, None)

    # ---- threads ---------------------------------------------------------------------------------------------
    def create_thread(self, actor: User, parent: Channel, name: str, *, from_message: Message | None = None,
                      private: bool = False, auto_archive_duration: int = 1440, rate_limit_per_user: int = 0,
                      applied_tags: list[int] | None = None, first_message: dict[str, Any] | None = None,
                      check: bool = True) -> tuple[Channel, Message | None]:
        """A thread from a message, a thread without one, or (in a forum) a post with its first message."""
        if not 1 <= len(name) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        forum = parent.type == ChannelKind.FORUM
        if parent.is_thread or parent.type not in (ChannelKind.TEXT, ChannelKind.NEWS, ChannelKind.FORUM):
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        if check:
            needed = Perm.SEND_MESSAGES if forum else (
                Perm.CREATE_PRIVATE_THREADS if private else Perm.CREATE_PUBLIC_THREADS)
            self.require(actor.id, parent, needed)
        if forum:
            if first_message is None:
                raise form_error("message", "BASE_TYPE_REQUIRED", "This field is required")
            known = {int(t["id"]) for t in parent.available_tags}
            if any(t not in known for t in applied_tags or []):
                raise form_error("applied_tags", "INVALID_TAG", "Unknown forum tag")
            if parent.flags & REQUIRE_TAG and not applied_tags:
                raise ApiError(400, 40067, "A tag is required to create a forum post in this channel")
        if from_message is not None and from_message.thread_id is not None:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        kind = (ChannelKind.PRIVATE_THREAD if private else
                (ChannelKind.NEWS_THREAD if parent.type == ChannelKind.NEWS else ChannelKind.PUBLIC_THREAD))
        thread = Channel(id=from_message.id if from_message else self.ids.next(), guild_id=parent.guild_id,
                         type=kind, name=name, parent_id=parent.id, owner_id=actor.id,
                         auto_archive_duration=auto_archive_duration, rate_limit_per_user=rate_limit_per_user,
                         applied_tags=list(applied_tags or []), member_ids={actor.id})
        self.channels[thread.id] = thread
        self.messages[thread.id] = {}
        self.guilds[parent.guild_id].channel_ids.append(thread.id)
        self.emit("THREAD_CREATE", {**payloads.channel(thread), "newly_created": True}, thread.guild_id, None)
        starter = None
        if from_message is not None:
            from_message.thread_id = thread.id
            self.emit_message("MESSAGE_UPDATE", from_message)
        elif forum and first_message is not None:
            starter = self.post_message(actor, thread, check=False, **first_message)
        elif not private:
            # Discord posts a "started a thread" system message in the parent.
            self.post_message(actor, parent, name, msg_type=18, check=False)
        return thread, starter

    def edit_thread(self, actor: User, thread: Channel, *, check: bool = True, **changes: Any) -> Channel:
        if not thread.is_thread:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        if check:
            perms = self.require(actor.id, thread, 0)
            moderator = bool(perms & Perm.MANAGE_THREADS)
            owner_ok = thread.owner_id == actor.id and set(changes) <= {"name", "archived", "auto_archive_duration",
                                                                       "applied_tags"}
            if not moderator and not (owner_ok and not thread.locked):
                raise ApiError.missing_permissions()
        if "name" in changes and not 1 <= len(changes["name"]) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if "archived" in changes and changes["archived"] != thread.archived:
            thread.archive_timestamp = time.time()
        return self.update_channel(thread, **changes)

    def threads_of(self, parent: Channel) -> list[Channel]:
        return [c for c in self.channels.values() if c.is_thread and c.parent_id == parent.id]
