"""Decides what happens to each message in an article thread, and records it.

The listener hands over plain data (`IncomingMessage`, edits, deletes, reactions); the recorder answers
with a `Decision` the cog carries out on Discord (remove a muted user's comment, flag it for review).
It is on the hot path of every message, so the questions it asks per event are answered from memory:
which threads are article threads, who is muted, which filters a guild has. The stores stay the truth;
these caches are refreshed whenever the moderation service changes them.

`record_now` is the synchronous hot path the listener calls for each new message: cache lookups and one
queued INSERT, nothing awaited. It answers None only when it cannot tell from memory whether the channel
is an article thread; the listener then takes the async `on_message`, which asks storage.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

from bot.comments.filters import FilterHit, check_filters
from bot.privacy import user_fingerprint
from bot.storage.comments import Attachment, Comment, CommentStore, ReactionStore
from bot.storage.moderation import ModerationStore, WordFilter
from bot.storage.posts import PostStore
from bot.storage.threads import ArticleThread, ThreadStore

__all__ = ["CommentRecorder", "Decision", "IncomingMessage", "Verdict"]


class Verdict(Enum):
    IGNORED = "ignored"              # not an article thread, a bot, or written by someone since forgotten
    RECORDED = "recorded"
    REMOVE_MUTED = "remove_muted"    # recorded, then to be removed: the author is muted
    REMOVE_FILTERED = "remove_filtered"
    FLAGGED = "flagged"              # recorded and held for review in /mod queue
    HOLD = "hold"                    # recorded, then taken down and held for review (pre-moderation)


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str | None = None       # for moderators (the mod-log), in the third person
    article_id: int | None = None
    notice: str | None = None       # for the author, when it differs from `reason`

    @property
    def to_author(self) -> str | None:
        """Why the comment was removed, told to its author."""
        return self.notice or self.reason


MUTED_REASON = "the author is muted in article comments"
MUTED_NOTICE = "you are muted in article comments"


class IncomingMessage(NamedTuple):
    """A message as the recorder needs it (a NamedTuple: built once per event, so it must be cheap)."""

    message_id: int
    guild_id: int
    thread_id: int
    author_id: int
    author_name: str
    author_is_bot: bool
    content: str
    created_at: float
    reply_to_id: int | None = None
    attachments: tuple[Attachment, ...] = ()
    edited_at: float | None = None


_RECORDED = Decision(Verdict.RECORDED)
_IGNORED = Decision(Verdict.IGNORED)


_FilterList = list[tuple[WordFilter, Any]]  # (filter, its compiled `regex` pattern)


class CommentRecorder:
    def __init__(
        self, *, threads: ThreadStore, comments: CommentStore, reactions: ReactionStore,
        moderation: ModerationStore, posts: PostStore | None = None,
    ) -> None:
        self._posts = posts
        self._post_messages: set[int] = set()
        self._threads = threads
        self._comments = comments
        self._reactions = reactions
        self._moderation = moderation
        self._thread_articles: dict[int, int | None] = {}
        self._not_threads: set[int] = set()  # channels known not to be article threads
        self._recently_deleted: set[int] = set()
        self._mutes: dict[tuple[int, int], float | None] = {}
        self._filters: dict[int, _FilterList] = {}
        # Pre-moderation (bot/moderation/review.py fills these): {guild: first N comments held}, the
        # comments that stood per member in those guilds, and members on hold {(guild, user): until}.
        self._premod: dict[int, int] = {}
        self._standing: dict[tuple[int, int], int] = {}
        self._held_members: dict[tuple[int, int], float | None] = {}
        # Forget-me requests, {(user fingerprint, guild id | None): when}: what was said before a request
        # must not be stored again when a backfill or an edit shows it to us once more.
        self._forgotten: dict[tuple[int, int | None], float] = {}
        self._lock = asyncio.Lock()
        # Edits of one message are decided in the order they arrived: each reads the stored text before it
        # queues its change, and on PostgreSQL two reads run on two connections and may return out of order
        # (the earlier edit would then look older than the stored one and be lost from the revisions).
        self._editing: dict[int, tuple[asyncio.Lock, int]] = {}  # message id: (lock, edits using it)

    # --- caches ----------------------------------------------------------------------------------

    async def load(self) -> None:
        """Fill the caches from storage (at start-up)."""
        for thread in await self._threads.open_threads():
            self._thread_articles[thread.thread_id] = thread.article_id
        for mute in await self._moderation.all_mutes():
            self._mutes[(mute.guild_id, mute.user_id)] = mute.expires_at
        for guild_id in await self._moderation.guilds_with_filters():
            await self.refresh_filters(guild_id)
        if self._posts is not None:
            self._post_messages.update(await self._posts.all_message_ids())
        self._forgotten.update(await self._comments.forgotten_users())

    def forget(self, user_id: int, guild_id: int | None, at: float) -> None:
        """`user_id` asked to be forgotten at `at` (in `guild_id`, or everywhere when None)."""
        key = (user_fingerprint(user_id), guild_id)
        self._forgotten[key] = max(at, self._forgotten.get(key, at))

    def is_forgotten(self, guild_id: int, user_id: int, created_at: float | None = None) -> bool:
        """Whether something of `user_id`'s from `created_at` (None: from any time) falls under a forget-me."""
        if not self._forgotten:
            return False
        fingerprint = user_fingerprint(user_id)
        for key in ((fingerprint, None), (fingerprint, guild_id)):
            at = self._forgotten.get(key)
            if at is not None and (created_at is None or created_at <= at):
                return True
        return False

    def track_thread(self, thread_id: int, article_id: int | None) -> None:
        self._thread_articles[thread_id] = article_id
        self._not_threads.discard(thread_id)

    def known_article_thread(self, channel_id: int) -> bool | None:
        """From memory only: True/False, or None when storage must be asked."""
        if channel_id in self._thread_articles:
            return True
        if channel_id in self._not_threads:
            return False
        return None

    async def is_article_thread(self, thread_id: int, *, remember_no: bool = True) -> bool:
        """Ask storage when memory does not know. `remember_no=False` for a thread so young that the
        publisher may not have registered it yet: a "no" is then not cached."""
        known = self.known_article_thread(thread_id)
        if known is not None:
            return known
        thread = await self._threads.get(thread_id)
        if thread is not None:
            self._thread_articles[thread_id] = thread.article_id
        elif remember_no and len(self._not_threads) < 100_000:  # bounded: far more than a guild's channels
            self._not_threads.add(thread_id)
        return thread is not None

    def track_post(self, message_id: int) -> None:
        """A story post's message: reactions on it count for its article even outside the thread."""
        self._post_messages.add(message_id)

    def article_for(self, thread_id: int) -> int | None:
        return self._thread_articles.get(thread_id)

    def set_mute(self, guild_id: int, user_id: int, expires_at: float | None) -> None:
        self._mutes[(guild_id, user_id)] = expires_at

    def clear_mute(self, guild_id: int, user_id: int) -> None:
        self._mutes.pop((guild_id, user_id), None)

    def may_act_on(self, guild_id: int, user_id: int) -> bool:
        """Whether a new comment might have to be removed, flagged or held (its author is muted, new or on
        hold, or the guild has filters): then the caller needs the full Discord message to act on."""
        key = (guild_id, user_id)
        if self._filters.get(guild_id) or key in self._mutes or key in self._held_members:
            return True
        first = self._premod.get(guild_id)
        return first is not None and self._standing.get(key, 0) < first

    def set_premod(self, guild_id: int, first: int | None, standing: dict[int, int]) -> None:
        """Hold each member's comments until `first` of theirs stood (None: pre-moderation off)."""
        for key in [k for k in self._standing if k[0] == guild_id]:
            del self._standing[key]
        if not first:
            self._premod.pop(guild_id, None)
            return
        self._premod[guild_id] = first
        self._standing.update({(guild_id, user): n for user, n in standing.items()})

    def comment_stood(self, guild_id: int, user_id: int) -> None:
        """A held comment was approved: it counts towards the member's first N."""
        if guild_id in self._premod:
            key = (guild_id, user_id)
            self._standing[key] = self._standing.get(key, 0) + 1

    def set_member_hold(self, guild_id: int, user_id: int, expires_at: float | None) -> None:
        self._held_members[(guild_id, user_id)] = expires_at

    def clear_member_hold(self, guild_id: int, user_id: int) -> None:
        self._held_members.pop((guild_id, user_id), None)

    def hold_reason(self, guild_id: int, user_id: int, now: float) -> str | None:
        """Why a new comment by the member is held ("auto_hold", "new_member"), or None."""
        key = (guild_id, user_id)
        if key in self._held_members:
            until = self._held_members[key]
            if until is None or until > now:
                return "auto_hold"
        first = self._premod.get(guild_id)
        if first is not None and self._standing.get(key, 0) < first:
            return "new_member"
        return None

    def is_muted(self, guild_id: int, user_id: int, now: float | None = None) -> bool:
        key = (guild_id, user_id)
        if key not in self._mutes:
            return False
        expires = self._mutes[key]
        return expires is None or expires > (time.time() if now is None else now)

    async def refresh_filters(self, guild_id: int) -> None:
        self._filters[guild_id] = [(f, f.compiled()) for f in await self._moderation.filters(guild_id)]

    def _check(self, guild_id: int, text: str) -> FilterHit | None:
        filters = self._filters.get(guild_id)
        return check_filters(text, filters) if filters else None

    # --- events ----------------------------------------------------------------------------------

    def record_now(self, m: IncomingMessage) -> Decision | None:
        """Record a new message from memory alone; None if storage must say whether it is an article thread."""
        if m.author_is_bot:
            return _IGNORED
        articles = self._thread_articles
        thread_id = m.thread_id
        if thread_id not in articles:
            return _IGNORED if thread_id in self._not_threads else None
        article_id = articles[thread_id]
        muted = bool(self._mutes) and self.is_muted(m.guild_id, m.author_id, m.created_at)
        hit = None if muted else self._check(m.guild_id, m.content)
        self._comments.submit(m.message_id, m.guild_id, thread_id, article_id, m.author_id, m.author_name,
                              m.content, m.reply_to_id, m.attachments, m.created_at, m.edited_at)
        if muted:
            return Decision(Verdict.REMOVE_MUTED, MUTED_REASON, article_id, MUTED_NOTICE)
        if hit is not None and hit.action == "remove":
            return Decision(Verdict.REMOVE_FILTERED, f"matched the filter {hit.pattern!r}", article_id)
        if self._premod or self._held_members:
            held = self.hold_reason(m.guild_id, m.author_id, m.created_at)
            if held is not None:
                return Decision(Verdict.HOLD, held, article_id)
            if m.guild_id in self._premod:
                self.comment_stood(m.guild_id, m.author_id)
        if hit is not None:
            self._comments.submit_status(m.message_id, "flagged")
            return Decision(Verdict.FLAGGED, f"matched the filter {hit.pattern!r}", article_id)
        return _RECORDED if article_id is None else Decision(Verdict.RECORDED, article_id=article_id)

    async def on_message(self, message: IncomingMessage, *, remember_no: bool = True) -> Decision:
        # The async path also serves the backfill, which replays old messages: the live tap (record_now)
        # only ever sees new ones, written after any forget-me request.
        if self.is_forgotten(message.guild_id, message.author_id, message.created_at):
            return _IGNORED
        decision = self.record_now(message)
        if decision is not None:
            return decision
        if not await self.is_article_thread(message.thread_id, remember_no=remember_no):
            return _IGNORED
        decision = self.record_now(message)
        assert decision is not None  # the cache now knows it is an article thread
        return decision

    async def on_edit(self, *, guild_id: int, thread_id: int, message_id: int, content: str, edited_at: float,
                      message: IncomingMessage | None = None) -> Decision:
        """An edit. With the whole `message` (Discord sends it with the update), a comment we never saw
        being created (the bot was down, or crashed before its batch was committed) is recorded first,
        so a backfill that read an older version cannot be the last word."""
        lock, users = self._editing.get(message_id, (asyncio.Lock(), 0))
        self._editing[message_id] = (lock, users + 1)
        try:
            async with lock:
                return await self._on_edit(guild_id, thread_id, message_id, content, edited_at, message)
        finally:
            lock, users = self._editing[message_id]
            if users == 1:
                del self._editing[message_id]
            else:
                self._editing[message_id] = (lock, users - 1)

    async def _on_edit(self, guild_id: int, thread_id: int, message_id: int, content: str, edited_at: float,
                       message: IncomingMessage | None) -> Decision:
        if not await self.is_article_thread(thread_id):
            return Decision(Verdict.IGNORED)
        if (message is not None and not message.author_is_bot
                and not self.is_forgotten(guild_id, message.author_id, message.created_at)):
            m = message
            self._comments.submit(m.message_id, m.guild_id, thread_id, self._thread_articles.get(thread_id),
                                  m.author_id, m.author_name, m.content, m.reply_to_id, m.attachments,
                                  m.created_at, edited_at)
        # Link previews and pins arrive as updates too, with the text unchanged (and a stale edit can
        # arrive after a newer one): only a real change of text is an edit the filters look at again —
        # otherwise an approved comment would go back to the review queue.
        stored = await self._comments.get(message_id)
        self._comments.submit_edit(message_id, content, edited_at)
        if stored is not None and (stored.content == content or (stored.edited_at or 0) > edited_at):
            return _RECORDED
        hit = self._check(guild_id, content)
        if hit is not None and hit.action == "remove":
            return Decision(Verdict.REMOVE_FILTERED, f"matched the filter {hit.pattern!r}")
        if hit is not None:
            self._comments.submit_status(message_id, "flagged")
            return Decision(Verdict.FLAGGED, f"matched the filter {hit.pattern!r}")
        return Decision(Verdict.RECORDED)

    async def on_delete(self, message_ids: Sequence[int], at: float) -> None:
        # Remembered for a while: a backfill may have read one of these messages just before it was
        # deleted, and must not record it afterwards as a live comment.
        recent = self._recently_deleted
        recent.update(message_ids)
        if len(recent) > 50_000:
            recent.clear()
            recent.update(message_ids)
        await self._comments.record_deletes(message_ids, at)

    async def on_thread_deleted(self, thread_id: int, at: float) -> None:
        """An article thread was deleted on Discord, and every message in it."""
        await self._threads.record_deleted(thread_id, at=at)
        await self._comments.record_thread_deleted(thread_id, at)

    def was_deleted(self, message_id: int) -> bool:
        return message_id in self._recently_deleted

    async def on_reaction(
        self, *, added: bool, guild_id: int, channel_id: int, message_id: int, user_id: int, emoji: str, at: float,
    ) -> bool:
        """Record a reaction in an article thread (on the story post or a comment). True if recorded."""
        # A thread started from a message shares the message's id, so the story post itself is found
        # both by its own id and as a thread id.
        on_story = message_id in self._post_messages or message_id in self._thread_articles
        if not on_story and not await self.is_article_thread(channel_id):
            return False
        if added:
            await self._reactions.add(guild_id=guild_id, channel_id=channel_id, message_id=message_id,
                                      user_id=user_id, emoji=emoji, at=at)
        else:
            await self._reactions.remove(message_id=message_id, user_id=user_id, emoji=emoji, at=at)
        return True

    async def on_reactions_cleared(self, *, channel_id: int, message_id: int, at: float,
                                   emoji: str | None = None) -> bool:
        """All reactions (or one emoji's) removed from a message at once. True if recorded."""
        on_story = message_id in self._post_messages or message_id in self._thread_articles
        if not on_story and not await self.is_article_thread(channel_id):
            return False
        await self._reactions.remove_all(message_id=message_id, at=at, emoji=emoji)
        return True

    # --- catching up (the backfill) and thread state ------------------------------------------------------

    async def on_thread_state(self, thread_id: int, *, locked: bool | None = None, archived: bool | None = None,
                              name: str | None = None, slowmode_seconds: int | None = None) -> None:
        """An article thread's name, lock, archive or slowmode as Discord now shows it (changes are kept)."""
        await self._threads.record_state(thread_id, locked=locked, archived=archived, name=name,
                                         slowmode_seconds=slowmode_seconds)

    async def open_threads(self, guild_ids: list[int]) -> list[ArticleThread]:
        """The guilds' article threads not archived: what a backfill reads again."""
        return await self._threads.open_threads(guild_ids)

    async def stored_thread(self, thread_id: int) -> tuple[list[Comment], dict[tuple[int, str], set[int]]]:
        """What is recorded of a thread: its comments, and its live reactions {(message id, emoji): users}."""
        return (await self._comments.for_thread(thread_id),
                await self._reactions.live_users(channel_id=thread_id))

    async def live_reactions(self, message_id: int) -> dict[tuple[int, str], set[int]]:
        return await self._reactions.live_users(message_id=message_id)

    async def on_missed_edit(self, message_id: int, content: str, edited_at: float) -> None:
        """An edit made while we were away (the history shows text we do not have)."""
        await self._comments.record_edit(message_id, content, edited_at)

    async def on_missed_reaction(self, *, added: bool, guild_id: int, channel_id: int, message_id: int,
                                 user_id: int, emoji: str, at: float) -> None:
        """A reaction added or removed while we were away, on a message known to be ours to record."""
        if added:
            await self._reactions.add(guild_id=guild_id, channel_id=channel_id, message_id=message_id,
                                      user_id=user_id, emoji=emoji, at=at)
        else:
            await self._reactions.remove(message_id=message_id, user_id=user_id, emoji=emoji, at=at)

    async def flush(self) -> None:
        await self._comments.flush()

    def add_recovery_listener(self, callback: Callable[[], None]) -> None:
        """Call `callback()` when the database takes writes again after failing: events refused meanwhile
        can then be caught up (the listener's backfill)."""
        self._comments.add_recovery_listener(callback)

    def remove_recovery_listener(self, callback: Callable[[], None]) -> None:
        self._comments.remove_recovery_listener(callback)
