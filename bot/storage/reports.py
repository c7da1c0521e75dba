"""Reader reports, held comments and members on hold (migration 0015): the review side of the queue."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.dialect import in_ids, joined

__all__ = ["Hold", "MemberHold", "MemberReview", "ReportSummary", "ReviewStore"]


@dataclass(frozen=True)
class ReportSummary:
    """A reported comment's open reports: how many distinct members, and their reasons (never who)."""

    message_id: int
    count: int
    reasons: list[str]


@dataclass(frozen=True)
class Hold:
    message_id: int
    guild_id: int
    kind: str  # new_member | auto_hold | reports
    held_at: float
    decision: str | None
    repost_id: int | None


@dataclass(frozen=True)
class MemberHold:
    guild_id: int
    user_id: int
    reason: str | None
    created_at: float
    expires_at: float | None


@dataclass(frozen=True)
class MemberReview:
    """What review says about one member: reports against their comments (counts and reasons, never who) and
    their comments' holds, plus the member's own hold."""

    reports: list[ReportSummary]  # every report received, resolved or not
    holds: list[Hold]
    member_hold: MemberHold | None


class ReviewStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def about_member(self, guild_id: int, user_id: int, limit: int = 200) -> MemberReview:
        rows = await self._db.fetchall(
            f"SELECT r.message_id, COUNT(*) AS n, {joined(self._db.dialect, 'r.reason', chr(31))} AS reasons "
            "FROM comment_reports r "
            "JOIN comments c ON c.message_id = r.message_id WHERE r.guild_id = ? AND c.author_id = ? "
            "GROUP BY r.message_id ORDER BY r.message_id DESC LIMIT ?", (guild_id, user_id, limit))
        reports = [ReportSummary(r["message_id"], r["n"], sorted(set((r["reasons"] or "").split("\x1f")) - {""}))
                   for r in rows]
        held = await self._db.fetchall(
            "SELECT h.message_id, h.guild_id, h.kind, h.held_at, h.decision, h.repost_id FROM comment_holds h "
            "JOIN comments c ON c.message_id = h.message_id WHERE h.guild_id = ? AND c.author_id = ? "
            "ORDER BY h.held_at DESC, h.message_id DESC LIMIT ?", (guild_id, user_id, limit))
        return MemberReview(reports, [Hold(**dict(r)) for r in held], await self.member_hold(guild_id, user_id))

    # --- reports ---------------------------------------------------------------------------------

    async def add_report(self, *, guild_id: int, message_id: int, reporter_id: int, reason: str,
                         details: str | None, at: float) -> int:
        """Store one member's report (a second one by the same member replaces theirs); returns how many
        distinct members have an open report on the comment."""
        await self._db.execute(
            "INSERT INTO comment_reports (message_id, reporter_id, guild_id, reason, details, created_at)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT (message_id, reporter_id) DO UPDATE SET reason = excluded.reason,"
            " details = excluded.details, created_at = excluded.created_at, resolved_at = NULL",
            (message_id, reporter_id, guild_id, reason, details, at))
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM comment_reports WHERE message_id = ? AND resolved_at IS NULL", (message_id,))
        return int(row[0]) if row else 0

    async def open_reports(self, guild_id: int, message_ids: list[int] | None = None) -> dict[int, ReportSummary]:
        """Open reports by comment: all the guild's, or only those on `message_ids`."""
        sql = ("SELECT message_id, reason, details FROM comment_reports WHERE guild_id = ? AND resolved_at IS NULL")
        params: list[object] = [guild_id]
        if message_ids is not None:
            chosen, ids = in_ids(self._db.dialect, "message_id", message_ids)
            sql += f" AND {chosen}"
            params.append(ids)
        out: dict[int, tuple[int, list[str]]] = {}
        for r in await self._db.fetchall(sql + " ORDER BY created_at, message_id, reporter_id", params):
            count, reasons = out.get(r["message_id"], (0, []))
            reasons.append(r["reason"] + (f": {r['details']}" if r["details"] else ""))
            out[r["message_id"]] = (count + 1, reasons)
        return {mid: ReportSummary(mid, c, reasons) for mid, (c, reasons) in out.items()}

    async def reported_ids(self, guild_id: int, limit: int) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT DISTINCT message_id FROM comment_reports WHERE guild_id = ? AND resolved_at IS NULL"
            " ORDER BY message_id LIMIT ?", (guild_id, limit))
        return [r[0] for r in rows]

    async def resolve_reports(self, message_id: int, at: float) -> None:
        await self._db.execute("UPDATE comment_reports SET resolved_at = ? WHERE message_id = ? AND resolved_at IS NULL",
                                (at, message_id))

    # --- held comments ---------------------------------------------------------------------------

    async def hold(self, *, guild_id: int, message_id: int, kind: str, at: float) -> None:
        await self._db.execute(
            "INSERT INTO comment_holds (message_id, guild_id, kind, held_at) VALUES (?,?,?,?)"
            " ON CONFLICT (message_id) DO NOTHING", (message_id, guild_id, kind, at))

    async def get_hold(self, message_id: int) -> Hold | None:
        row = await self._db.fetchone("SELECT message_id, guild_id, kind, held_at, decision, repost_id"
                                      " FROM comment_holds WHERE message_id = ?", (message_id,))
        return None if row is None else Hold(**dict(row))

    async def pending_holds(self, guild_id: int, limit: int) -> list[Hold]:
        rows = await self._db.fetchall(
            "SELECT message_id, guild_id, kind, held_at, decision, repost_id FROM comment_holds"
            " WHERE guild_id = ? AND decision IS NULL ORDER BY message_id LIMIT ?", (guild_id, limit))
        return [Hold(**dict(r)) for r in rows]

    async def decide(self, message_id: int, decision: str, at: float) -> bool:
        """Settle a pending hold; False if it was already settled (another moderator was first)."""
        return await self._db.execute_rowcount(
            "UPDATE comment_holds SET decision = ?, decided_at = ? WHERE message_id = ? AND decision IS NULL",
            (decision, at, message_id)) > 0

    async def reposted(self, message_id: int, repost_id: int) -> None:
        await self._db.execute("UPDATE comment_holds SET repost_id = ? WHERE message_id = ?", (repost_id, message_id))

    async def reopen(self, message_id: int) -> None:
        """An approval that could not be carried out: the hold waits again."""
        await self._db.execute("UPDATE comment_holds SET decision = NULL, decided_at = NULL WHERE message_id = ?"
                               " AND repost_id IS NULL", (message_id,))

    async def approved_counts(self, guild_id: int) -> dict[int, int]:
        """Per member, their comments that stood: visible ones (approved re-posts included)."""
        rows = await self._db.fetchall(
            "SELECT author_id, COUNT(*) FROM comments WHERE guild_id = ? AND status IN ('visible', 'flagged')"
            " GROUP BY author_id", (guild_id,))
        return {r[0]: r[1] for r in rows}

    async def rejected_of_last(self, guild_id: int, user_id: int, window: int, *, not_reason: str) -> int:
        """How many of the member's last `window` decided comments moderators rejected: removed (but not
        for `not_reason`, a mute), held comments counted once decided."""
        row = await self._db.fetchone(
            "SELECT COALESCE(SUM(rejected), 0) FROM (SELECT CASE WHEN c.status = 'removed' THEN 1 ELSE 0 END AS rejected FROM comments c"
            " LEFT JOIN comment_holds h ON h.message_id = c.message_id"
            " WHERE c.guild_id = ? AND c.author_id = ? AND c.status IN ('visible', 'flagged', 'removed')"
            " AND (c.removed_reason IS NULL OR c.removed_reason != ?)"
            " AND NOT (h.message_id IS NOT NULL AND h.decision IS NULL)"
            " ORDER BY c.message_id DESC LIMIT ?) AS last_decided", (guild_id, user_id, not_reason, window))
        return int(row[0]) if row else 0

    # --- members on hold -------------------------------------------------------------------------

    async def hold_member(self, guild_id: int, user_id: int, *, reason: str, at: float, expires_at: float | None) -> None:
        await self._db.execute(
            "INSERT INTO member_holds (guild_id, user_id, reason, created_at, expires_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE SET reason = excluded.reason,"
            " created_at = excluded.created_at, expires_at = excluded.expires_at",
            (guild_id, user_id, reason, at, expires_at))

    async def release_expired(self, guild_id: int, user_id: int, now: float) -> bool:
        return await self._db.execute_rowcount(
            "DELETE FROM member_holds WHERE guild_id = ? AND user_id = ? AND expires_at IS NOT NULL"
            " AND expires_at <= ?", (guild_id, user_id, now)) > 0

    async def member_holds(self) -> list[MemberHold]:
        return [MemberHold(**dict(r)) for r in await self._db.fetchall("SELECT * FROM member_holds")]

    async def member_hold(self, guild_id: int, user_id: int) -> MemberHold | None:
        row = await self._db.fetchone("SELECT * FROM member_holds WHERE guild_id = ? AND user_id = ?",
                                      (guild_id, user_id))
        return None if row is None else MemberHold(**dict(row))

    async def first_notice(self, guild_id: int, user_id: int, at: float) -> bool:
        """Record that the member is told why their comments are held; False if they were told before."""
        return await self._db.execute_rowcount(
            "INSERT INTO premod_notices (guild_id, user_id, told_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
            (guild_id, user_id, at)) > 0

    async def premod_guilds(self) -> list[tuple[int, int]]:
        """(guild, first N held) for every guild with pre-moderation of new commenters on."""
        rows = await self._db.fetchall(
            "SELECT guild_id, premod_first FROM guild_settings WHERE premod_first IS NOT NULL")
        return [(r[0], r[1]) for r in rows]
