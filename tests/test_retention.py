"""COMMENT_RETENTION_DAYS: deleted comments' text is blanked after the window; live comments are never touched."""

from __future__ import annotations

from bot.comments.retention import RetentionSweeper
from bot.storage.comments import Attachment, CommentRecord, CommentStore
from bot.storage.engines import open_database

DAY = 86400.0
NOW = 1_800_000_000.0


def comment(mid: int, text: str) -> CommentRecord:
    return CommentRecord(message_id=mid, guild_id=1, thread_id=2, author_id=3, author_name="alice", content=text,
                         created_at=NOW - 40 * DAY, attachments=(Attachment("a.png", "https://cdn/a.png", 10),))


async def test_sweep_blanks_only_deleted_comments_older_than_the_window(database_url: str) -> None:
    db = await open_database(database_url)
    try:
        comments = CommentStore(db)
        for mid, text in ((1, "still here"), (2, "deleted long ago"), (3, "deleted yesterday"), (4, "removed")):
            await comments.record(comment(mid, text))
        await comments.record_edit(2, "deleted long ago (edited)", NOW - 39 * DAY)
        await comments.record_deletes([2], NOW - 31 * DAY)
        await comments.record_deletes([3], NOW - 1 * DAY)
        await comments.mark_removed(4, moderator_id=9, reason="spam", at=NOW - 35 * DAY)

        sweeper = RetentionSweeper(comments, 30, clock=lambda: NOW)
        assert await sweeper.sweep() == 2
        assert await sweeper.sweep() == 0  # idempotent

        by_id = {mid: await comments.get(mid) for mid in (1, 2, 3, 4)}
        assert by_id[1] is not None and by_id[1].content == "still here" and by_id[1].attachments
        assert by_id[2] is not None and by_id[2].content == "" and by_id[2].attachments == ()
        assert by_id[2].status == "deleted" and await comments.revisions(2) == []
        assert by_id[3] is not None and by_id[3].content == "deleted yesterday"
        assert by_id[4] is not None and by_id[4].content == "" and by_id[4].removed_reason == "spam"
    finally:
        await db.close()


async def test_zero_days_blanks_at_the_next_sweep(database_url: str) -> None:
    db = await open_database(database_url)
    try:
        comments = CommentStore(db)
        await comments.record(comment(1, "gone"))
        await comments.record_deletes([1], NOW - 1)
        assert await RetentionSweeper(comments, 0, clock=lambda: NOW).sweep() == 1
    finally:
        await db.close()


async def test_sweep_prunes_bookkeeping_records_older_than_thirty_days(database_url: str) -> None:
    """Delivery records and story decisions are handed the same cutoff, RECORD_DAYS before the sweep."""
    db = await open_database(database_url)
    try:
        asked: list[float] = []

        async def prune(older_than: float) -> int:
            asked.append(older_than)
            return 0

        await RetentionSweeper(CommentStore(db), 30, records=(prune, prune), clock=lambda: NOW).sweep()
        assert asked == [NOW - 30 * DAY, NOW - 30 * DAY]
    finally:
        await db.close()
