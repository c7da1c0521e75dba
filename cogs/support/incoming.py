"""Discord messages as the comment recorder's plain `IncomingMessage`, from a `discord.Message` or straight
from a gateway payload (the fast path and raw edits). Both go through `incoming`, the one place an
IncomingMessage is built, so the two cannot drift apart. On the hot path: no datetime objects."""

from __future__ import annotations

from typing import Any

import discord

from bot.comments.recorder import IncomingMessage
from bot.storage.comments import Attachment

__all__ = ["emoji_key", "incoming", "incoming_from_message", "incoming_from_payload"]

_REPLY = discord.MessageType.reply
_DISCORD_EPOCH_MS = discord.utils.DISCORD_EPOCH


def incoming(*, message_id: int, guild_id: int, channel_id: int, author_id: int, author_name: str,
             author_is_bot: bool, content: str, reply_to_id: int | None, attachments: tuple[Attachment, ...],
             edited_at: float | None) -> IncomingMessage:
    """The recorder's view of a message; its time is the snowflake's (exact, and no datetime to build)."""
    return IncomingMessage(
        message_id=message_id, guild_id=guild_id, thread_id=channel_id, author_id=author_id,
        author_name=author_name, author_is_bot=author_is_bot, content=content,
        created_at=((message_id >> 22) + _DISCORD_EPOCH_MS) / 1000, reply_to_id=reply_to_id,
        attachments=attachments, edited_at=edited_at)


def incoming_from_message(message: discord.Message) -> IncomingMessage:
    """A message as the recorder takes it; a webhook's (Newsdesk's own story posts and notes) counts as a bot's."""
    reference = message.reference
    author = message.author
    guild = message.guild
    attachments = message.attachments
    edited = message.edited_at
    return incoming(
        message_id=message.id, guild_id=guild.id if guild is not None else 0, channel_id=message.channel.id,
        author_id=author.id, author_name=getattr(author, "display_name", None) or author.name,
        author_is_bot=author.bot or message.webhook_id is not None, content=message.content,
        reply_to_id=reference.message_id if reference is not None and message.type is _REPLY else None,
        attachments=tuple(Attachment(a.filename, a.url, a.size, a.content_type) for a in attachments)
        if attachments else (),
        edited_at=edited.timestamp() if edited is not None else None)


def incoming_from_payload(data: dict[str, Any]) -> IncomingMessage | None:
    """A MESSAGE_CREATE (or full MESSAGE_UPDATE) payload, or None when it needs a full `discord.Message`
    (bot and webhook messages, system messages, DMs). Raises KeyError/TypeError/ValueError when malformed."""
    author = data["author"]
    kind = data.get("type", 0)
    guild_id = data.get("guild_id")
    if (kind != 0 and kind != 19) or author.get("bot") or guild_id is None or "webhook_id" in data:
        return None
    member = data.get("member")
    reference = data.get("message_reference") if kind == 19 else None
    attachments = data.get("attachments")
    edited = data.get("edited_timestamp")
    return incoming(
        message_id=int(data["id"]), guild_id=int(guild_id), channel_id=int(data["channel_id"]),
        author_id=int(author["id"]),
        # discord.Member.display_name: server nickname, else global display name, else username
        author_name=(member.get("nick") if member else None) or author.get("global_name") or author["username"],
        author_is_bot=False, content=data.get("content", ""),
        reply_to_id=int(reference["message_id"]) if reference and reference.get("message_id") else None,
        attachments=tuple(Attachment(a["filename"], a["url"], int(a.get("size", 0)), a.get("content_type"))
                          for a in attachments) if attachments else (),
        edited_at=discord.utils.parse_time(edited).timestamp() if edited else None)


def emoji_key(emoji: discord.PartialEmoji | discord.Emoji | str) -> str:
    """Unicode emoji as themselves; custom ones as name:id (names change, ids do not)."""
    if isinstance(emoji, str):
        return emoji
    if emoji.id:
        return f"{emoji.name}:{emoji.id}"
    return str(emoji.name)
