"""Records the discussion in article threads: messages, edits, deletes, reactions, thread changes.

Discord objects become plain `IncomingMessage`s for the `CommentRecorder`; its decisions (remove a muted
user's comment, hold one for review) are carried out here. After every (re)connect, `backfill` replays
each open article thread's history so that what was said while the bot was away is recorded too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.comments.backfill import HistoryMessage, Step, ThreadHistory, emojis_to_check, reaction_changes
from bot.comments.recorder import Decision, IncomingMessage, Verdict
from bot.storage.errors import StorageUnavailable
from cogs.support.gateway_tap import MessageCreateTap
from cogs.support.incoming import emoji_key, incoming_from_message, incoming_from_payload

if TYPE_CHECKING:
    from bot.services import Services
    from cogs.client import NewsdeskBot

__all__ = ["CommentListener"]

log = logging.getLogger(__name__)
BACKFILL_CONCURRENCY = 4
YOUNG_THREAD_SECONDS = 60.0
YOUNG_THREAD_RECHECK_SECONDS = 2.0


class CommentListener(commands.Cog):
    def __init__(self, bot: NewsdeskBot, services: Services) -> None:
        self.bot = bot
        self.recorder = services.recorder
        self.services = services
        self._backfill_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.backfills_done = 0
        self.messages_seen = 0  # new messages handled in article threads (benchmarks read it)
        self.unsaved = 0  # messages refused by a full writer while the database failed (backfilled later)
        self.tap = MessageCreateTap(bot, self._take_payload)

    async def cog_load(self) -> None:
        await self.recorder.load()
        self.recorder.add_recovery_listener(self._writer_recovered)
        self.tap.install()
        self.bot.message_hooks.append(self.on_message_now)

    async def cog_unload(self) -> None:
        self.recorder.remove_recovery_listener(self._writer_recovered)
        self.tap.remove()
        if self.on_message_now in self.bot.message_hooks:
            self.bot.message_hooks.remove(self.on_message_now)
        for task in list(self._tasks):
            task.cancel()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the MESSAGE_CREATE fast path (cogs/support/gateway_tap.py) --------------------------------
    # A plain comment in a known article thread needs none of discord.py's objects: it is recorded straight
    # from the gateway payload. Everything else (other channels, bots, system messages, and any message that
    # may need acting on because its author is muted or the guild has filters) goes through discord.py's own
    # parser unchanged, so on_message and the message cache still see it. Comments recorded here are not in
    # the message cache, which nothing here uses: edits, deletes and reactions are handled as raw events.

    def _take_payload(self, data: dict[str, Any]) -> bool:
        if not self.recorder.known_article_thread(int(data["channel_id"])):
            return False
        incoming = incoming_from_payload(data)
        if incoming is None or self.recorder.may_act_on(incoming.guild_id, incoming.author_id):
            return False
        self._record_now(incoming)
        self.messages_seen += 1
        return True

    # --- live events -----------------------------------------------------------------------------

    def on_message_now(self, message: discord.Message) -> None:
        """The hot path, called synchronously for every message: record it, or hand off when unsure."""
        known = self.recorder.known_article_thread(message.channel.id)
        if known is False or message.guild is None or message.author.bot or message.webhook_id is not None:
            return
        self.messages_seen += 1
        incoming = incoming_from_message(message)
        decision = self._record_now(incoming) if known else None
        if decision is None:
            self._spawn(self._record_slowly(message, incoming))
        elif decision.verdict is not Verdict.RECORDED and decision.verdict is not Verdict.IGNORED:
            self._spawn(self._enforce(message, decision))

    def _record_now(self, incoming: IncomingMessage) -> Decision | None:
        try:
            return self.recorder.record_now(incoming)
        except StorageUnavailable:  # the writer is full while the database fails: the catch-up backfill has it
            self.unsaved += 1
            return Decision(Verdict.IGNORED)

    def _writer_recovered(self) -> None:
        """The database takes writes again: record what was refused meanwhile (the backfill is idempotent)."""
        self._spawn(self.backfill())

    async def _record_slowly(self, message: discord.Message, incoming: IncomingMessage) -> None:
        # A story's thread exists on Discord a moment before the publisher registers it: in a thread that
        # young, a "not an article thread" is not cached, and asked again once the publisher has had time.
        young = (isinstance(message.channel, discord.Thread)
                 and time.time() - discord.utils.snowflake_time(message.channel.id).timestamp() < YOUNG_THREAD_SECONDS)
        decision = await self.recorder.on_message(incoming, remember_no=not young)
        if young and decision.verdict is Verdict.IGNORED and not incoming.author_is_bot:
            await asyncio.sleep(YOUNG_THREAD_RECHECK_SECONDS)
            decision = await self.recorder.on_message(incoming, remember_no=False)
        if decision.verdict is not Verdict.RECORDED and decision.verdict is not Verdict.IGNORED:
            await self._enforce(message, decision)

    async def _enforce(self, message: discord.Message, decision: Decision) -> None:
        """Carry out what the recorder decided for a comment that must not stay up."""
        if decision.verdict is Verdict.FLAGGED:
            return  # held in /mod queue; it stays visible until a moderator decides
        if decision.verdict is Verdict.HOLD:
            await self._hold(message, decision.reason or "new_member")
            return
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
                f"Your comment in **{getattr(message.channel, 'name', 'a thread')}** was removed: "
                f"{decision.to_author or reason}.")
        except discord.HTTPException:
            pass  # DMs closed: nothing more we can do quietly

    async def _hold(self, message: discord.Message, kind: str) -> None:
        """Pre-moderation: Discord cannot hide a message, so a held comment leaves the thread at once and
        waits in /mod queue with its text; its author is told why by DM, once."""
        assert message.guild is not None
        try:
            await message.delete()
        except discord.NotFound:
            pass
        except discord.Forbidden:
            log.warning("guild %s: cannot hold comment %s: missing Manage Messages", message.guild.id, message.id)
            return
        notice = await self.services.review.held(guild_id=message.guild.id, message_id=message.id, kind=kind)
        if notice is not None:
            try:
                await message.author.send(
                    f"Your comment in **{getattr(message.channel, 'name', 'a thread')}** is waiting for a moderator: "
                    f"{notice}.")
            except discord.HTTPException:
                pass  # DMs closed

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
        try:
            whole = incoming_from_payload(data) if "author" in data and "id" in data else None  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            whole = None
        decision = await self.recorder.on_edit(guild_id=payload.guild_id, thread_id=payload.channel_id,
                                               message_id=payload.message_id, content=data["content"],
                                               edited_at=edited_at, message=whole)
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
    async def on_raw_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        await self.recorder.on_reactions_cleared(channel_id=payload.channel_id, message_id=payload.message_id,
                                                 at=time.time())

    @commands.Cog.listener()
    async def on_raw_reaction_clear_emoji(self, payload: discord.RawReactionClearEmojiEvent) -> None:
        await self.recorder.on_reactions_cleared(channel_id=payload.channel_id, message_id=payload.message_id,
                                                 at=time.time(), emoji=emoji_key(payload.emoji))

    @commands.Cog.listener()
    async def on_raw_thread_update(self, payload: discord.RawThreadUpdateEvent) -> None:
        if not await self.recorder.is_article_thread(payload.thread_id):
            return
        meta = payload.data.get("thread_metadata", {})
        await self.recorder.on_thread_state(
            payload.thread_id, locked=meta.get("locked"), archived=meta.get("archived"),
            name=payload.data.get("name"), slowmode_seconds=payload.data.get("rate_limit_per_user"),
        )

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        if await self.recorder.is_article_thread(payload.thread_id):
            await self.recorder.on_thread_deleted(payload.thread_id, time.time())

    # --- catching up -----------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # on_ready fires after the first connect and after every reconnect that could not resume: in both
        # cases events may have been missed. (A resumed session replays missed events itself.)
        await self.backfill()

    async def backfill(self) -> int:
        """Record what happened in open article threads while we were not listening. Returns messages seen.

        Each open thread's whole history is read (oldest first): new messages are recorded (idempotent on
        the message id), changed text becomes an edit, stored comments missing from the history are marked
        deleted, reactions are reconciled wherever Discord's count differs from ours, and the thread's
        own state (name, locked, archived, slowmode) is brought up to date.
        """
        async with self._backfill_lock:
            threads = await self.recorder.open_threads([g.id for g in self.bot.guilds])
            semaphore = asyncio.Semaphore(BACKFILL_CONCURRENCY)

            async def one(thread_id: int, guild_id: int) -> int:
                async with semaphore:
                    try:
                        return await self._backfill_thread(thread_id)
                    except discord.HTTPException as exc:
                        log.warning("guild %s: backfill of thread %s failed: %s", guild_id, thread_id, exc)
                        return 0

            counts = await asyncio.gather(*(one(t.thread_id, t.guild_id) for t in threads))
            self.backfills_done += 1
            return sum(counts)

    async def catch_up(self, thread_id: int) -> int:
        """Backfill one thread now: a story thread that existed before it was registered (adopted after a
        crash between creating and storing it) may already hold comments nobody recorded."""
        try:
            return await self._backfill_thread(thread_id)
        except discord.HTTPException as exc:
            log.warning("backfill of adopted thread %s failed (the next reconnect retries): %s", thread_id, exc)
            return 0

    async def _backfill_thread(self, thread_id: int) -> int:
        channel = self.bot.get_channel(thread_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(thread_id)
            except discord.NotFound:  # deleted while we were away
                await self.recorder.on_thread_deleted(thread_id, time.time())
                return 0
        if not isinstance(channel, discord.Thread):
            return 0
        await self.recorder.on_thread_state(thread_id, locked=channel.locked, archived=channel.archived,
                                            name=channel.name, slowmode_seconds=channel.slowmode_delay)
        history = ThreadHistory(thread_id, *await self.recorder.stored_thread(thread_id))
        count = 0
        async for message in channel.history(limit=None, oldest_first=True):
            count += 1
            await self._reconcile_reactions(message, history.reactions_on(message.id))
            step = history.step(HistoryMessage(
                id=message.id, author_is_bot=message.author.bot or message.webhook_id is not None,
                content=message.content,
                created_at=message.created_at.timestamp(),
                edited_at=message.edited_at.timestamp() if message.edited_at else None))
            if step is Step.RECORD:
                if self.recorder.was_deleted(message.id):
                    continue  # deleted after this history page was read
                decision = await self.recorder.on_message(incoming_from_message(message))
                if decision.verdict in (Verdict.REMOVE_MUTED, Verdict.REMOVE_FILTERED, Verdict.HOLD):
                    await self._enforce(message, decision)
            elif step is Step.EDIT:
                edited_at = (message.edited_at or message.created_at).timestamp()
                await self.recorder.on_missed_edit(message.id, message.content, edited_at)
        gone = history.vanished_comments()
        if gone:
            await self.recorder.on_delete(gone, time.time())
        now = time.time()
        for message_id, emoji, user_id in history.vanished_reactions():
            await self.recorder.on_missed_reaction(added=False, guild_id=channel.guild.id, channel_id=thread_id,
                                                   message_id=message_id, user_id=user_id, emoji=emoji, at=now)
        await self._reconcile_story_post(channel)
        return count

    async def _reconcile_story_post(self, thread: discord.Thread) -> None:
        """A thread started from a story post shares its id; the post itself lives in the parent channel."""
        parent = thread.parent
        if not isinstance(parent, discord.TextChannel):
            return  # forum posts: the starter message is in the thread's own history
        try:
            post = await parent.fetch_message(thread.id)
        except discord.HTTPException:
            return
        stored = await self.recorder.live_reactions(post.id)
        await self._reconcile_reactions(post, {emoji: users for (_, emoji), users in stored.items()})

    async def _reconcile_reactions(self, message: discord.Message, ours: dict[str, set[int]]) -> None:
        """Make our live reactions on `message` ({emoji: user ids}) match Discord's."""
        assert message.guild is not None
        now = time.time()
        shown = {emoji_key(r.emoji): r for r in message.reactions}
        users: dict[str, set[int]] = {}
        for emoji in emojis_to_check(counts={e: (r.count, r.me) for e, r in shown.items()}, ours=ours,
                                     created_at=message.created_at.timestamp(), now=now):
            users[emoji] = {u.id async for u in shown[emoji].users(limit=None) if not u.bot}
        changes = reaction_changes(ours=ours, users=users, on_discord=shown)
        for emoji, user_id in changes.added:
            if self.recorder.is_forgotten(message.guild.id, user_id):
                continue  # asked to be forgotten; Discord cannot say whether this reaction came later
            await self.recorder.on_missed_reaction(added=True, guild_id=message.guild.id,
                                                   channel_id=message.channel.id, message_id=message.id,
                                                   user_id=user_id, emoji=emoji, at=now)
        for emoji, user_id in changes.removed:
            await self.recorder.on_missed_reaction(added=False, guild_id=message.guild.id,
                                                   channel_id=message.channel.id, message_id=message.id,
                                                   user_id=user_id, emoji=emoji, at=now)
