"""Moderation records: the action log, comment mutes and word filters."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import regex

from bot.storage.database import Database

__all__ = ["ModerationAction", "ModerationStore", "Mute", "WordFilter"]


@dataclass(frozen=True)
class ModerationAction:
    id: int
    guild_id: int
    moderator_id: int
    action: str
    target_user_id: int | None
    target_message_id: int | None
    target_thread_id: int | None
    article_id: int | None
    reason: str | None
    details: dict[str, Any]
    created_at: float
    expires_at: float | None


@dataclass(frozen=True)
class MemberNote:
    id: int
    guild_id: int
    user_id: int
    author_id: int
    text: str
    created_at: float


@dataclass(frozen=True)
class Mute:
    guild_id: int
    user_id: int
    muted_by: int
    reason: str | None
    created_at: float
    expires_at: float | None


@dataclass(frozen=True)
class WordFilter:
    id: int
    guild_id: int
    pattern: str
    is_regex: bool
    action: str  # "remove" or "flag"

    def compiled(self) -> Any:
        """The filter as a `regex` pattern (`search(text, timeout=...)` bounds a backtracking one)."""
        if self.is_regex:
            return regex.compile(self.pattern, regex.IGNORECASE | regex.V0)
        return regex.compile(rf"(?<!\w){regex.escape(self.pattern)}(?!\w)", regex.IGNORECASE | regex.V0)


class ModerationStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- the log ---------------------------------------------------------------------------------

    async def log(
        self, *, guild_id: int, moderator_id: int, action: str, reason: str | None = None,
        target_user_id: int | None = None, target_message_id: int | None = None,
        target_thread_id: int | None = None, article_id: int | None = None,
        details: dict[str, Any] | None = None, expires_at: float | None = None, at: float | None = None,
    ) -> ModerationAction:
        """Store one entry of the action log; returns it as stored."""
        created_at = time.time() if at is None else at
        details = details or {}
        row_id = await self._db.insert(
            "INSERT INTO moderation_actions (guild_id, moderator_id, action, target_user_id, target_message_id,"
            " target_thread_id, article_id, reason, details, created_at, expires_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (guild_id, moderator_id, action, target_user_id, target_message_id, target_thread_id, article_id,
             reason, json.dumps(details), created_at, expires_at),
        )
        return ModerationAction(row_id, guild_id, moderator_id, action, target_user_id, target_message_id,
                                target_thread_id, article_id, reason, details, created_at, expires_at)

    async def actions(
        self, guild_id: int, *, user_id: int | None = None, article_id: int | None = None, limit: int = 50
    ) -> list[ModerationAction]:
        sql = "SELECT * FROM moderation_actions WHERE guild_id = ?"
        params: list[Any] = [guild_id]
        if user_id is not None:
            sql += " AND (target_user_id = ? OR moderator_id = ?)"
            params += [user_id, user_id]
        if article_id is not None:
            sql += " AND article_id = ?"
            params.append(article_id)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        params.append(limit)
        rows = await self._db.fetchall(sql, params)
        return [
            ModerationAction(**{**dict(r), "details": json.loads(r["details"] or "{}")}) for r in rows
        ]

    # --- mutes -----------------------------------------------------------------------------------

    async def mute(
        self, guild_id: int, user_id: int, *, muted_by: int, reason: str | None, expires_at: float | None
    ) -> None:
        await self._db.execute(
            "INSERT INTO comment_mutes (guild_id, user_id, muted_by, reason, created_at, expires_at)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT (guild_id, user_id) DO UPDATE SET muted_by = excluded.muted_by,"
            " reason = excluded.reason, created_at = excluded.created_at, expires_at = excluded.expires_at",
            (guild_id, user_id, muted_by, reason, time.time(), expires_at),
        )

    async def unmute(self, guild_id: int, user_id: int) -> bool:
        return await self._db.execute_rowcount(
            "DELETE FROM comment_mutes WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        ) > 0

    async def unmute_expired(self, guild_id: int, user_id: int, now: float) -> bool:
        """Lift the mute only if it is over by `now` (a re-mute since the expiry was planned stays)."""
        return await self._db.execute_rowcount(
            "DELETE FROM comment_mutes WHERE guild_id = ? AND user_id = ? AND expires_at IS NOT NULL"
            " AND expires_at <= ?", (guild_id, user_id, now)
        ) > 0

    async def active_mute(self, guild_id: int, user_id: int, now: float | None = None) -> Mute | None:
        row = await self._db.fetchone(
            "SELECT * FROM comment_mutes WHERE guild_id = ? AND user_id = ?"
            " AND (expires_at IS NULL OR expires_at > ?)",
            (guild_id, user_id, time.time() if now is None else now),
        )
        return None if row is None else Mute(**dict(row))

    async def add_note(self, guild_id: int, user_id: int, author_id: int, text: str, at: float) -> MemberNote:
        note_id = await self._db.insert(
            "INSERT INTO member_notes (guild_id, user_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
            (guild_id, user_id, author_id, text, at))
        return MemberNote(note_id, guild_id, user_id, author_id, text, at)

    async def notes(self, guild_id: int, user_id: int) -> list[MemberNote]:
        rows = await self._db.fetchall("SELECT * FROM member_notes WHERE guild_id = ? AND user_id = ? "
                                       "ORDER BY created_at DESC, id DESC", (guild_id, user_id))
        return [MemberNote(**dict(r)) for r in rows]

    async def active_mutes(self, guild_id: int, now: float) -> list[Mute]:
        rows = await self._db.fetchall(
            "SELECT * FROM comment_mutes WHERE guild_id = ? AND (expires_at IS NULL OR expires_at > ?) "
            "ORDER BY created_at DESC, user_id", (guild_id, now))
        return [Mute(**dict(r)) for r in rows]

    async def all_mutes(self) -> list[Mute]:
        return [Mute(**dict(r)) for r in await self._db.fetchall("SELECT * FROM comment_mutes")]

    # --- word filters ----------------------------------------------------------------------------

    async def add_filter(
        self, guild_id: int, pattern: str, *, is_regex: bool, action: str, created_by: int | None
    ) -> WordFilter:
        if action not in {"remove", "flag"}:
            raise ValueError("action must be remove or flag")
        if is_regex:
            regex.compile(pattern, regex.IGNORECASE | regex.V0)  # raises regex.error for the caller to report
        await self._db.execute(
            "INSERT INTO word_filters (guild_id, pattern, is_regex, action, created_by, created_at)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT (guild_id, pattern) DO UPDATE SET"
            " is_regex = excluded.is_regex, action = excluded.action",
            (guild_id, pattern, int(is_regex), action, created_by, time.time()),
        )
        row = await self._db.fetchone(
            "SELECT * FROM word_filters WHERE guild_id = ? AND pattern = ?", (guild_id, pattern)
        )
        assert row is not None
        return _filter(row)

    async def remove_filter(self, guild_id: int, pattern: str) -> bool:
        return await self._db.execute_rowcount(
            "DELETE FROM word_filters WHERE guild_id = ? AND pattern = ?", (guild_id, pattern)
        ) > 0

    async def guilds_with_filters(self) -> list[int]:
        return [r[0] for r in await self._db.fetchall("SELECT DISTINCT guild_id FROM word_filters")]

    async def filters(self, guild_id: int) -> list[WordFilter]:
        rows = await self._db.fetchall("SELECT * FROM word_filters WHERE guild_id = ? ORDER BY id", (guild_id,))
        return [_filter(r) for r in rows]


def _filter(row: Any) -> WordFilter:
    return WordFilter(row["id"], row["guild_id"], row["pattern"], bool(row["is_regex"]), row["action"])
