"""Records the discussion in article threads: messages, edits, deletes, reactions, thread changes.

Discord objects become plain `IncomingMessage`s for the `CommentRecorder`; its decisions (remove a muted
user's comment, hold one for review) are carried out here. After every (re)connect, `backfill` replays
each open article thread's history so that what was said while the bot was away is recorded too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.comments.recorder import Decision, IncomingMessage, Verdict
from bot.storage.comments import Attachment

if TYPE_CHECKING:
    from bot.app import Services

__all__ = ["CommentListener", "emoji_key", "to_incoming"]

log = logging.getLogger(__name__)
BACKFILL_CONCURRENCY = 4


def emoji_key(emoji: discord.PartialEmoji | discord.Emoji | str) -> str:
    """Unicode emoji as themselves; custom ones as name:id (names change, ids do not)."""
    if isinstance(emoji, str):
        return emoji
    if emoji.id:
        return f"{emoji.name}:{emoji.id}"
    return str(emoji.name)


def to_incoming(message: discord.Message) -> IncomingMessage:
    reference = message.reference
    reply_to = reference.message_id if reference is not None and message.type is discord.MessageType.reply else None
    author = message.author
    return IncomingMessage(
        message_id=message.id,
        guild_id=message.guild.id if message.guild else 0,
        thread_id=message.channel.id,
        author_id=author.id,
        author_name=getattr(author, "display_name", None) or author.name,
        author_is_bot=author.bot,
        content=message.content,
        created_at=message.created_at.timestamp(),
        reply_to_id=reply_to,
        attachments=tuple(Attachment(a.filename, a.url, a.size, a.content_type) for a in message.attachments),
        edited_at=message.edited_at.timestamp() if message.edited_at else None,
    )


class CommentListener(commands.Cog):
    def __init__(self, bot: commands.Bot, services: Services) -> None:
        self.bot = bot
        self.recorder = services.recorder
        self.threads = services.threads
        self.services = services
        self._backfill_lock = asyncio.Lock()
        self.backfills_done = 0

    async def cog_load(self) -> None:
        await self.recorder.load()

    # --- live events -----------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot:
            return
        decision = await self.recorder.on_message(to_incoming(message))
        if decision.verdict is not Verdict.RECORDED and decision.verdict is not Verdict.IGNORED:
            await self._enforce(message, decision)

    async def _enforce(self, message: discord.Message, decision: Decision) -> None:
        """Carry out what the recorder decided for a comment that must not stay up."""
        if decision.verdict is Verdict.FLAGGED:
            return  # held in /mod queue; it stays visible until a moderator decides
        try:
            await message.delete()
        except discord.NotFound:
            pass
        except discord.Forbidden:
            log.warning("guild %s: cannot remove comment %s in thread %s: missing Manage Messages",
                        message.guild and message.guild.id, message.id, message.channel.id)
            return
        reason = decision.reason or "removed"
        assert message.guild is not None
        await self.services.moderation.removed(guild_id=message.guild.id, moderator_id=self.bot.user.id,  # type: ignore[union-attr]
                                               message_id=message.id, reason=reason, thread_id=message.channel.id)
        try:
            await message.author.send(
                f"Your comment in **{getattr(message.channel, 'name', 'a thread')}** was removed: {reason}.")
        except discord.HTTPException:
            pass  # DMs closed: nothing more we can do quietly

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        data = payload.data
        if "content" not in data or payload.guild_id is None:
            return  # embed-only updates (link previews) are not edits by the author
        author = data.get("author") or {}
        if author.get("bot"):
            return
        edited = data.get("edited_timestamp")
        edited_at = discord.utils.parse_time(edited).timestamp() if edited else time.time()
        decision = await self.recorder.on_edit(guild_id=payload.guild_id, thread_id=payload.channel_id,
                                               message_id=payload.message_id, content=data["content"],
                                               edited_at=edited_at)
        if decision.verdict is Verdict.REMOVE_FILTERED:
            channel = self.bot.get_channel(payload.channel_id)
            if isinstance(channel, discord.Thread):
                message = channel.get_partial_message(payload.message_id)
                try:
                    await message.delete()
                except discord.HTTPException:
                    return
                await self.services.moderation.removed(
                    guild_id=payload.guild_id, moderator_id=self.bot.user.id,  # type: ignore[union-attr]
                    message_id=payload.message_id, reason=decision.reason or "filtered", thread_id=channel.id)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self.recorder.on_delete([payload.message_id], time.time())

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self.recorder.on_delete(sorted(payload.message_ids), time.time())

    async def _reaction(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        if payload.guild_id is None:
            return
        if payload.member is not None and payload.member.bot:
            return
        await self.recorder.on_reaction(added=added, guild_id=payload.guild_id, channel_id=payload.channel_id,
                                        message_id=payload.message_id, user_id=payload.user_id,
                                        emoji=emoji_key(payload.emoji), at=time.time())

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, False)

    @commands.Cog.listener()
    async def on_raw_thread_update(self, payload: discord.RawThreadUpdateEvent) -> None:
        if not await self.recorder.is_article_thread(payload.thread_id):
            return
        meta = payload.data.get("thread_metadata", {})
        await self.threads.record_state(
            payload.thread_id, locked=meta.get("locked"), archived=meta.get("archived"),
            name=payload.data.get("name"), slowmode_seconds=payload.data.get("rate_limit_per_user"),
        )

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        if await self.recorder.is_article_thread(payload.thread_id):
            await self.threads.record_state(payload.thread_id, archived=True)

    # --- catching up -----------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # on_ready fires after the first connect and after every reconnect that could not resume: in both
        # cases events may have been missed. (A resumed session replays missed events itself.)
        await self.backfill()

    async def backfill(self) -> int:
        """Record what happened in open article threads while we were not listening. Returns messages seen."""
        async with self._backfill_lock:
            threads = await self.threads.open_threads([g.id for g in self.bot.guilds])
            semaphore = asyncio.Semaphore(BACKFILL_CONCURRENCY)

            async def one(thread_id: int, guild_id: int) -> int:
                async with semaphore:
                    try:
                        return await self._backfill_thread(thread_id)
                    except discord.HTTPException as exc:
                        log.warning("guild %s: backfill of thread %s failed: %s", guild_id, thread_id, exc)
                        return 0

            counts = await asyncio.gather(*(one(t.thread_id, t.guild_id) for t in threads))
            await self.recorder.flush()
            self.backfills_done += 1
            return sum(counts)

    async def _backfill_thread(self, thread_id: int) -> int:
        channel = self.bot.get_channel(thread_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(thread_id)
            except discord.NotFound:
                await self.threads.record_state(thread_id, archived=True)
                return 0
        if not isinstance(channel, discord.Thread):
            return 0
        comments = self.services.comments
        stored = {c.message_id: c for c in await comments.for_thread(thread_id)}
        seen: set[int] = set()
        count = 0
        async for message in channel.history(limit=None, oldest_first=True):
            seen.add(message.id)
            count += 1
            if message.author.bot or message.id == thread_id:
                continue
            previous = stored.get(message.id)
            if previous is None:
                decision = await self.recorder.on_message(to_incoming(message))
                if decision.verdict in (Verdict.REMOVE_MUTED, Verdict.REMOVE_FILTERED):
                    await self._enforce(message, decision)
            elif previous.content != message.content and previous.status not in ("deleted", "removed"):
                edited_at = (message.edited_at or message.created_at).timestamp()
                await comments.record_edit(message.id, message.content, edited_at)
        gone = [mid for mid, c in stored.items() if mid not in seen and c.deleted_at is None]
        if gone:
            await self.recorder.on_delete(gone, time.time())
        return count
