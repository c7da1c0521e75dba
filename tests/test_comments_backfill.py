"""The backfill's decisions (bot/comments/backfill.py) on plain data: which messages are new, edited or
gone, and how reactions are reconciled. No Discord, no database."""

from __future__ import annotations

from bot.comments.backfill import (
    RECONCILE_USERS_DAYS,
    HistoryMessage,
    Step,
    ThreadHistory,
    emojis_to_check,
    reaction_changes,
)
from bot.storage.comments import Comment

THREAD = 1000
NOW = 1_800_000_000.0
DAY = 86400.0


def comment(message_id: int, content: str, *, status: str = "visible", deleted_at: float | None = None) -> Comment:
    return Comment(message_id=message_id, guild_id=1, thread_id=THREAD, article_id=7, author_id=50,
                   author_name="alice", content=content, parent_id=None, attachments=(), created_at=NOW - 60,
                   edited_at=None, deleted_at=deleted_at, status=status, removed_by=None, removed_reason=None)


def message(message_id: int, content: str, *, bot: bool = False) -> HistoryMessage:
    return HistoryMessage(id=message_id, author_is_bot=bot, content=content, created_at=NOW - 60)


def test_new_edited_unchanged_and_gone_comments() -> None:
    stored = [comment(1, "same"), comment(2, "old text"), comment(3, "deleted while away"),
              comment(4, "removed by a moderator", status="removed"), comment(5, "gone before", deleted_at=NOW - 5)]
    history = ThreadHistory(THREAD, stored, {})
    steps = [history.step(m) for m in (
        message(THREAD, "the story post (forum starter)", bot=True), message(1, "same"), message(2, "new text"),
        message(4, "text the moderator removed, edited since"), message(6, "said while we were away"),
        message(7, "a bot's message", bot=True))]
    assert steps == [Step.KEEP, Step.KEEP, Step.EDIT, Step.KEEP, Step.RECORD, Step.KEEP]
    assert history.vanished_comments() == [3]  # 5 was already marked deleted


def test_reactions_on_vanished_messages_are_listed_but_not_the_story_posts() -> None:
    reactions = {(1, "👍"): {50, 51}, (2, "🎉"): {52}, (THREAD, "👀"): {53}}
    history = ThreadHistory(THREAD, [comment(1, "kept"), comment(2, "deleted")], reactions)
    history.step(message(1, "kept"))
    assert history.reactions_on(1) == {"👍": {50, 51}} and history.reactions_on(99) == {}
    assert history.vanished_reactions() == [(2, "🎉", 52)]  # the story post lives in the parent channel


def test_recent_messages_have_every_emoji_checked_older_ones_only_when_counts_differ() -> None:
    ours = {"👍": {50, 51}, "🎉": {52}}
    counts = {"👍": (2, False), "🎉": (2, False), "👀": (1, True)}
    assert emojis_to_check(counts=counts, ours=ours, created_at=NOW - DAY, now=NOW) == ["👍", "🎉", "👀"]
    old = NOW - (RECONCILE_USERS_DAYS + 1) * DAY
    # 👍 has the same count (a swap would hide there, but the message is old); 👀 includes the bot's own.
    assert emojis_to_check(counts=counts, ours=ours, created_at=old, now=NOW) == ["🎉", "👀"]


def test_reaction_changes_add_remove_and_emoji_cleared() -> None:
    ours = {"👍": {50, 51}, "🎉": {52}, "🔥": {53}}
    changes = reaction_changes(ours=ours, users={"👍": {51, 54}, "🚀": {55}}, on_discord=["👍", "🎉", "🚀"])
    assert sorted(changes.added) == [("👍", 54), ("🚀", 55)]
    # 👍 lost 50 (a swap with 54); 🔥 is gone from the message; 🎉 was not asked for, so it is left alone.
    assert sorted(changes.removed) == [("👍", 50), ("🔥", 53)]
