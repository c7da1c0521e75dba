"""Comments in article threads, their revisions, and reactions.

Recording is idempotent on Discord ids: recording the same message twice leaves one row, re-recording an
edit that is already stored adds no revision, and re-adding a live reaction is a no-op. That is what lets
a backfill after downtime replay history over rows the live listener already wrote.
Writes go through a `Writer`, so a write-behind batcher can replace direct commits without changing callers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.storage.database import Database, Row
from bot.storage.dialect import in_ids
from bot.storage.writer import DirectWriter, Statement, Writer

__all__ = ["Attachment", "Comment", "CommentRecord", "CommentStore", "Reaction", "ReactionStore"]


@dataclass(frozen=True)
class Attachment:
    name: str
    url: str
    size: int
    content_type: str | None = None


@dataclass(frozen=True)
class CommentRecord:
    """A reader's message in an article thread, as the bot saw it."""

    message_id: int
    guild_id: int
    thread_id: int
    author_id: int
    author_name: str
    content: str
    created_at: float
    article_id: int | None = None
    parent_id: int | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    edited_at: float | None = None


@dataclass(frozen=True)
class Comment:
    message_id: int
    guild_id: int
    thread_id: int
    article_id: int | None
    author_id: int
    author_name: str
    content: str
    parent_id: int | None
    attachments: tuple[Attachment, ...]
    created_at: float
    edited_at: float | None
    deleted_at: float | None
    status: str
    removed_by: int | None
    removed_reason: str | None

    @classmethod
    def from_row(cls, row: Row) -> Comment:
        return cls(
            message_id=row["message_id"], guild_id=row["guild_id"], thread_id=row["thread_id"],
            article_id=row["article_id"], author_id=row["author_id"], author_name=row["author_name"],
            content=row["content"], parent_id=row["parent_id"],
            attachments=tuple(Attachment(**a) for a in json.loads(row["attachments"])),
            created_at=row["created_at"], edited_at=row["edited_at"], deleted_at=row["deleted_at"],
            status=row["status"], removed_by=row["removed_by"], removed_reason=row["removed_reason"],
        )


_INSERT_COMMENT = (
    "INSERT INTO comments (message_id, guild_id, thread_id, article_id, author_id, author_name, content,"
    " parent_id, attachments, created_at, edited_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT (message_id) DO NOTHING"
)
# An edit keeps the old text as a revision, but only if the text really changed and the edit is not older
# than the stored text: replaying the same edit (live event, then backfill) adds no second revision, and a
# backfill that read an older version cannot overwrite a newer live edit.
_INSERT_REVISION = (
    "INSERT INTO comment_revisions (message_id, old_content, new_content, edited_at)"
    " SELECT message_id, content, CAST(? AS TEXT), CAST(? AS DOUBLE PRECISION) FROM comments"
    " WHERE message_id = ? AND content IS DISTINCT FROM ? AND COALESCE(edited_at, 0) <= ? ON CONFLICT DO NOTHING"
)
_APPLY_EDIT = (
    "UPDATE comments SET content = ?, edited_at = ? WHERE message_id = ? AND content IS DISTINCT FROM ?"
    " AND COALESCE(edited_at, 0) <= ?"
)
_NO_ATTACHMENTS = "[]"
_END_REACTIONS = "UPDATE reactions SET removed_at = ? WHERE "


class CommentStore:
    def __init__(self, db: Database, writer: Writer | None = None) -> None:
        self._db = db
        self._writer: Writer = writer or DirectWriter(db)

    @staticmethod
    def record_statements(record: CommentRecord) -> list[Statement]:
        attachments = (json.dumps([a.__dict__ for a in record.attachments]) if record.attachments
                       else _NO_ATTACHMENTS)
        return [
            (_INSERT_COMMENT, (
                record.message_id, record.guild_id, record.thread_id, record.article_id, record.author_id,
                record.author_name, record.content, record.parent_id, attachments, record.created_at,
                record.edited_at,
            )),
        ]

    def submit(self, message_id: int, guild_id: int, thread_id: int, article_id: int | None, author_id: int,
               author_name: str, content: str, parent_id: int | None, attachments: Sequence[Attachment],
               created_at: float, edited_at: float | None) -> None:
        """The hot path: queue a new comment without building a record or awaiting (idempotent)."""
        self._writer.submit(((_INSERT_COMMENT, (
            message_id, guild_id, thread_id, article_id, author_id, author_name, content, parent_id,
            json.dumps([a.__dict__ for a in attachments]) if attachments else _NO_ATTACHMENTS,
            created_at, edited_at,
        )),))

    async def record(self, record: CommentRecord) -> None:
        """Store a new comment. Recording a message id that is already stored changes nothing."""
        await self._writer.write(self.record_statements(record))

    @staticmethod
    def _edit_statements(message_id: int, new_content: str, edited_at: float) -> tuple[Statement, ...]:
        return ((_INSERT_REVISION, (new_content, edited_at, message_id, new_content, edited_at)),
                (_APPLY_EDIT, (new_content, edited_at, message_id, new_content, edited_at)))

    def submit_edit(self, message_id: int, new_content: str, edited_at: float) -> None:
        self._writer.submit(self._edit_statements(message_id, new_content, edited_at))

    async def record_edit(self, message_id: int, new_content: str, edited_at: float) -> None:
        """Keep the previous text as a revision and store the new one (no-op if the text is unchanged)."""
        await self._writer.write(self._edit_statements(message_id, new_content, edited_at))

    async def record_deletes(self, message_ids: Sequence[int], deleted_at: float) -> None:
        """Mark comments deleted; their text stays for moderators until the retention purge. Reactions on
        the deleted messages end with them: Discord sends no reaction-remove events for a deleted message."""
        statements: list[Statement] = []
        for mid in message_ids:
            statements += [
                ("UPDATE comments SET deleted_at = ?, status = CASE WHEN status = 'removed' THEN status"
                 " ELSE 'deleted' END WHERE message_id = ? AND deleted_at IS NULL", (deleted_at, mid)),
                (_END_REACTIONS + "message_id = ? AND removed_at IS NULL", (deleted_at, mid)),
            ]
        await self._writer.write(statements)

    async def record_thread_deleted(self, thread_id: int, deleted_at: float) -> None:
        """A deleted thread's messages went with it: its comments are deleted as of `deleted_at`, and the
        reactions on them end."""
        await self._writer.write([
            ("UPDATE comments SET deleted_at = ?, status = CASE WHEN status = 'removed' THEN status"
             " ELSE 'deleted' END WHERE thread_id = ? AND deleted_at IS NULL", (deleted_at, thread_id)),
            (_END_REACTIONS + "channel_id = ? AND removed_at IS NULL", (deleted_at, thread_id)),
        ])

    async def mark_removed(self, message_id: int, moderator_id: int, reason: str, at: float) -> None:
        await self._writer.write([(
            "UPDATE comments SET status = 'removed', removed_by = ?, removed_reason = ?,"
            " deleted_at = COALESCE(deleted_at, ?) WHERE message_id = ?",
            (moderator_id, reason, at, message_id),
        )])

    def submit_status(self, message_id: int, status: str) -> None:
        self._writer.submit([("UPDATE comments SET status = ? WHERE message_id = ?", (status, message_id))])

    async def set_status(self, message_id: int, status: str, *, only_if: str | None = None) -> None:
        """Set a comment's status; with `only_if`, only while it has that status."""
        statement: Statement
        if only_if is None:
            statement = ("UPDATE comments SET status = ? WHERE message_id = ?", (status, message_id))
        else:
            statement = ("UPDATE comments SET status = ? WHERE message_id = ? AND status = ?",
                         (status, message_id, only_if))
        await self._writer.write([statement])

    async def flush(self) -> None:
        await self._writer.flush()

    def add_recovery_listener(self, callback: Callable[[], None]) -> None:
        """Call `callback()` when the database takes writes again after failing (see `ThreadedBatchWriter`)."""
        self._writer.add_recovery_listener(callback)

    def remove_recovery_listener(self, callback: Callable[[], None]) -> None:
        self._writer.remove_recovery_listener(callback)

    async def get(self, message_id: int) -> Comment | None:
        row = await self._db.fetchone("SELECT * FROM comments WHERE message_id = ?", (message_id,))
        return None if row is None else Comment.from_row(row)

    async def for_thread(self, thread_id: int) -> list[Comment]:
        rows = await self._db.fetchall(
            "SELECT * FROM comments WHERE thread_id = ? ORDER BY message_id", (thread_id,)
        )
        return [Comment.from_row(r) for r in rows]

    async def last_message_id(self) -> int:
        row = await self._db.fetchone("SELECT MAX(message_id) FROM comments")
        return int(row[0]) if row and row[0] is not None else 0

    async def busy_threads(self, *, after_message_id: int, more_than: int) -> list[int]:
        """Threads with a comment newer than `after_message_id` and more than `more_than` visible comments."""
        rows = await self._db.fetchall(
            "SELECT thread_id FROM comments WHERE status = 'visible' AND thread_id IN"
            " (SELECT DISTINCT thread_id FROM comments WHERE message_id > ?)"
            " GROUP BY thread_id HAVING COUNT(*) > ?", (after_message_id, more_than))
        return [int(r[0]) for r in rows]

    async def for_article(self, article_id: int) -> list[Comment]:
        rows = await self._db.fetchall(
            "SELECT * FROM comments WHERE article_id = ? ORDER BY message_id", (article_id,)
        )
        return [Comment.from_row(r) for r in rows]

    async def by_author(self, guild_id: int, author_id: int, limit: int = 50) -> list[Comment]:
        rows = await self._db.fetchall(
            "SELECT * FROM comments WHERE guild_id = ? AND author_id = ? ORDER BY message_id DESC LIMIT ?",
            (guild_id, author_id, limit),
        )
        return [Comment.from_row(r) for r in rows]

    async def up_by_author(self, guild_id: int, author_id: int, *, article_id: int | None = None,
                           since: float | None = None) -> list[Comment]:
        """The author's comments still up (visible or flagged), oldest first; only one article's, or only
        those written since a time, when given. What a purge would remove."""
        rows = await self._db.fetchall(
            "SELECT * FROM comments WHERE guild_id = :guild AND author_id = :author"
            " AND status IN ('visible', 'flagged') AND (CAST(:article AS BIGINT) IS NULL OR article_id = :article)"
            " AND (CAST(:since AS DOUBLE PRECISION) IS NULL OR created_at >= :since) ORDER BY message_id",
            {"guild": guild_id, "author": author_id, "article": article_id, "since": since},
        )
        return [Comment.from_row(r) for r in rows]

    async def flagged(self, guild_id: int, limit: int = 25) -> list[Comment]:
        """Comments held for review in the guild, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM comments WHERE guild_id = ? AND status = 'flagged' ORDER BY message_id LIMIT ?",
            (guild_id, limit),
        )
        return [Comment.from_row(r) for r in rows]

    async def mark_removed_many(self, message_ids: Sequence[int], moderator_id: int, reason: str, at: float) -> None:
        """`mark_removed` for many comments at once, in one statement (a purge)."""
        chosen, ids = in_ids(self._db.dialect, "message_id", message_ids)
        await self._writer.write([(
            "UPDATE comments SET status = 'removed', removed_by = ?, removed_reason = ?,"
            f" deleted_at = COALESCE(deleted_at, ?) WHERE {chosen}",
            (moderator_id, reason, at, ids),
        )])

    async def revisions(self, message_id: int) -> list[dict[str, Any]]:
        rows = await self._db.fetchall(
            "SELECT old_content, new_content, edited_at FROM comment_revisions WHERE message_id = ?"
            " ORDER BY edited_at, id", (message_id,),
        )
        return [dict(r) for r in rows]

    async def forgotten_users(self) -> dict[tuple[int, int | None], float]:
        """Forget-me requests as {(user fingerprint, guild id or None for all guilds): latest request time}."""
        rows = await self._db.fetchall(
            "SELECT user_id, guild_id, MAX(created_at) FROM privacy_requests WHERE kind = 'forget-me'"
            " GROUP BY user_id, guild_id")
        return {(r[0], r[1]): r[2] for r in rows}

    async def purge_deleted_text(self, older_than: float) -> int:
        """Blank the text of comments deleted before `older_than` (the retention window)."""
        count = await self._db.execute_rowcount(
            "UPDATE comments SET content = '', attachments = '[]' WHERE deleted_at IS NOT NULL"
            " AND deleted_at < ? AND content != ''", (older_than,),
        )
        await self._db.execute(
            "DELETE FROM comment_revisions WHERE message_id IN (SELECT message_id FROM comments"
            " WHERE deleted_at IS NOT NULL AND deleted_at < ?)", (older_than,),
        )
        return count


@dataclass(frozen=True)
class Reaction:
    message_id: int
    user_id: int
    emoji: str
    added_at: float
    removed_at: float | None


class ReactionStore:
    def __init__(self, db: Database, writer: Writer | None = None) -> None:
        self._db = db
        self._writer: Writer = writer or DirectWriter(db)

    async def add(
        self, *, guild_id: int, channel_id: int, message_id: int, user_id: int, emoji: str, at: float
    ) -> None:
        """Record a reaction; adding one that is already live is a no-op."""
        await self._writer.write([(
            "INSERT INTO reactions (guild_id, channel_id, message_id, user_id, emoji, added_at)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (guild_id, channel_id, message_id, user_id, emoji, at),
        )])

    async def remove(self, *, message_id: int, user_id: int, emoji: str, at: float) -> None:
        await self._writer.write([(
            "UPDATE reactions SET removed_at = ? WHERE message_id = ? AND user_id = ? AND emoji = ?"
            " AND removed_at IS NULL", (at, message_id, user_id, emoji),
        )])

    async def remove_all(self, *, message_id: int, at: float, emoji: str | None = None) -> None:
        """A moderator cleared a message's reactions (all of them, or one emoji's)."""
        sql = "UPDATE reactions SET removed_at = ? WHERE message_id = ? AND removed_at IS NULL"
        params: tuple[Any, ...] = (at, message_id)
        if emoji is not None:
            sql += " AND emoji = ?"
            params += (emoji,)
        await self._writer.write([(sql, params)])

    async def live_users(self, *, channel_id: int | None = None,
                         message_id: int | None = None) -> dict[tuple[int, str], set[int]]:
        """Live reactions in a channel (or on one message) as {(message id, emoji): user ids}."""
        column, value = ("channel_id", channel_id) if channel_id is not None else ("message_id", message_id)
        rows = await self._db.fetchall(
            f"SELECT message_id, emoji, user_id FROM reactions WHERE {column} = ? AND removed_at IS NULL", (value,))
        out: dict[tuple[int, str], set[int]] = {}
        for r in rows:
            out.setdefault((r[0], r[1]), set()).add(r[2])
        return out

    async def live_for_message(self, message_id: int) -> list[Reaction]:
        rows = await self._db.fetchall(
            "SELECT message_id, user_id, emoji, added_at, removed_at FROM reactions"
            " WHERE message_id = ? AND removed_at IS NULL ORDER BY added_at, id", (message_id,),
        )
        return [Reaction(**dict(r)) for r in rows]

    async def history_for_message(self, message_id: int) -> list[Reaction]:
        rows = await self._db.fetchall(
            "SELECT message_id, user_id, emoji, added_at, removed_at FROM reactions"
            " WHERE message_id = ? ORDER BY added_at, id", (message_id,),
        )
        return [Reaction(**dict(r)) for r in rows]

    async def flush(self) -> None:
        await self._writer.flush()
