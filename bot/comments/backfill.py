"""What a thread's history, read again after a (re)connect, changes in what we stored: the backfill's
decisions as plain data, so they are tested without Discord.

`ThreadHistory` is fed the thread's messages oldest first and answers, for each, whether to record it as
new, store an edit, or leave it; at the end it lists the stored comments and reactions that are no longer
there. `emojis_to_check` and `reaction_changes` reconcile one message's reactions with Discord's.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.storage.comments import Comment

__all__ = ["RECONCILE_USERS_DAYS", "HistoryMessage", "ReactionChanges", "Step", "ThreadHistory",
           "emojis_to_check", "reaction_changes"]

RECONCILE_USERS_DAYS = 3  # see emojis_to_check: exact on messages this young, by count on older ones
Reactions = Mapping[tuple[int, str], set[int]]  # {(message id, emoji): user ids}, as ReactionStore.live_users


@dataclass(frozen=True)
class HistoryMessage:
    """One message of a thread's history, as the backfill needs it."""

    id: int
    author_is_bot: bool
    content: str
    created_at: float
    edited_at: float | None = None


class Step(enum.Enum):
    RECORD = "record"  # not stored yet: record it like a live message (muted users, filters applied)
    EDIT = "edit"  # stored with other text: store the edit
    KEEP = "keep"  # nothing to do


class ThreadHistory:
    def __init__(self, thread_id: int, stored: Iterable[Comment], reactions: Reactions) -> None:
        self.thread_id = thread_id
        self._stored = {c.message_id: c for c in stored}
        self._reactions = reactions
        self._by_message: dict[int, dict[str, set[int]]] = {}
        for (mid, emoji), users in reactions.items():
            self._by_message.setdefault(mid, {})[emoji] = users
        self._seen: set[int] = set()

    def step(self, message: HistoryMessage) -> Step:
        self._seen.add(message.id)
        if message.author_is_bot or message.id == self.thread_id:
            return Step.KEEP  # the bot's own messages and the story post are not comments
        previous = self._stored.get(message.id)
        if previous is None:
            return Step.RECORD
        if previous.content != message.content and previous.status not in ("deleted", "removed"):
            return Step.EDIT
        return Step.KEEP

    def reactions_on(self, message_id: int) -> dict[str, set[int]]:
        """Our live reactions on one message: {emoji: user ids}."""
        return self._by_message.get(message_id, {})

    def vanished_comments(self) -> list[int]:
        """Stored comments not deleted yet that the history no longer has (deleted while we were away)."""
        return [mid for mid, c in self._stored.items() if mid not in self._seen and c.deleted_at is None]

    def vanished_reactions(self) -> list[tuple[int, str, int]]:
        """(message, emoji, user) of our live reactions on messages the history no longer has. The story post
        (the thread's id) lives in the parent channel, not in this history: its reactions are not gone."""
        return [(mid, emoji, user) for (mid, emoji), users in self._reactions.items()
                if mid not in self._seen and mid != self.thread_id for user in sorted(users)]


def emojis_to_check(*, counts: Mapping[str, tuple[int, bool]], ours: Mapping[str, set[int]], created_at: float,
                    now: float) -> list[str]:
    """The emoji of a message whose users must be asked from Discord. `counts` is Discord's {emoji: (count,
    includes the bot's own)}. A message shows only a count per emoji, and an equal count can hide a swap (one
    user removed theirs, another added one, while we were away): on recent messages every emoji is asked
    for; on messages older than RECONCILE_USERS_DAYS, only those whose count differs from ours."""
    recent = now - created_at < RECONCILE_USERS_DAYS * 86400
    return [emoji for emoji, (count, me) in counts.items() if recent or me or count != len(ours.get(emoji, ()))]


@dataclass
class ReactionChanges:
    added: list[tuple[str, int]] = field(default_factory=list)  # (emoji, user)
    removed: list[tuple[str, int]] = field(default_factory=list)


def reaction_changes(*, ours: Mapping[str, set[int]], users: Mapping[str, set[int]],
                     on_discord: Iterable[str]) -> ReactionChanges:
    """How our reactions on one message become Discord's. `users` holds the (non-bot) users of each emoji
    asked for; `on_discord` every emoji the message shows. An emoji not on the message any more lost all
    its reactions; one shown but not asked for is unchanged."""
    changes = ReactionChanges()
    present = set(on_discord)
    for emoji, theirs in users.items():
        mine = ours.get(emoji, set())
        changes.added += [(emoji, user) for user in sorted(theirs - mine)]
        changes.removed += [(emoji, user) for user in sorted(mine - theirs)]
    for emoji, mine in ours.items():
        if emoji not in present:
            changes.removed += [(emoji, user) for user in sorted(mine)]
    return changes
