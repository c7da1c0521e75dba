"""Story clustering records (tables `story_members` and `story_settings`).

A story is named by the article that opened it in a channel; every article posted to or merged into that
channel has one row saying which story it belongs to. The rows let the publisher list a story's outlets
("Also reported by"), rebuild a channel's `StoryIndex` after a restart (`recent`), and answer "merged into
which story" for an article. Writes are single statements that cannot fail on the primary key, and `record`
returns what is stored, so two passes deciding the same article at once agree on one answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.formats import plural
from bot.storage.database import Database, Row

__all__ = ["DEFAULT_WINDOW_HOURS", "StoryMember", "StorySettings", "StorySettingsError", "StoryStore"]

DEFAULT_WINDOW_HOURS = 36.0
MAX_WINDOW_HOURS = 24.0 * 14


class StorySettingsError(ValueError):
    """A story setting out of range; the message says which values are allowed."""


@dataclass(frozen=True, slots=True)
class StoryMember:
    """One article of a story in a channel, with what the publisher shows of it."""

    article_id: int
    story_article_id: int
    score: float | None
    assigned_at: float
    title: str
    url: str
    outlet: str | None  # the feed's title
    summary: str | None  # the article's excerpt
    language: str | None
    published_at: float | None
    feed_id: int | None = None  # the outlet's feed

    @property
    def opened_story(self) -> bool:
        return self.article_id == self.story_article_id


@dataclass(frozen=True, slots=True)
class StorySettings:
    enabled: bool
    window_hours: float


_MEMBER_SQL = (
    "SELECT m.article_id, m.story_article_id, m.score, m.assigned_at, a.title, a.canonical_url AS url,"
    " f.title AS outlet, a.excerpt AS summary, a.language, a.published_at, a.feed_id"
    " FROM story_members m JOIN articles a ON a.id = m.article_id LEFT JOIN feeds f ON f.id = a.feed_id"
)


def _member(row: Row) -> StoryMember:
    return StoryMember(**dict(row))


class StoryStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, *, channel_id: int, article_id: int, story_article_id: int | None, score: float | None,
                     at: float) -> int:
        """Store which story `article_id` belongs to in `channel_id` (None: it opens its own story).

        Returns the story stored: the one given, or the one an earlier decision stored for this article.
        """
        story = article_id if story_article_id is None else story_article_id
        await self._db.execute(
            "INSERT INTO story_members (channel_id, article_id, story_article_id, score, assigned_at)"
            " VALUES (?,?,?,?,?) ON CONFLICT (channel_id, article_id) DO NOTHING",
            (channel_id, article_id, story, None if story_article_id is None else score, at),
        )
        stored = await self._db.fetchval(
            "SELECT story_article_id FROM story_members WHERE channel_id = ? AND article_id = ?",
            (channel_id, article_id),
        )
        return int(stored)

    async def story_of(self, channel_id: int, article_id: int) -> int | None:
        """The story `article_id` belongs to in `channel_id`, or None when no decision is stored."""
        value = await self._db.fetchval(
            "SELECT story_article_id FROM story_members WHERE channel_id = ? AND article_id = ?",
            (channel_id, article_id),
        )
        return None if value is None else int(value)

    async def members(self, channel_id: int, story_article_id: int) -> list[StoryMember]:
        """The story's articles in the order they joined it (the opener first)."""
        rows = await self._db.fetchall(
            _MEMBER_SQL + " WHERE m.channel_id = ? AND m.story_article_id = ? ORDER BY m.assigned_at, m.article_id",
            (channel_id, story_article_id),
        )
        return [_member(row) for row in rows]

    async def recent(self, channel_id: int, since: float) -> list[StoryMember]:
        """Every decision in the channel since `since`, oldest first: replay them with `StoryIndex.restore`.

        A story whose opener is older than `since` is outside the window anyway, so its later members are left
        out too (they would otherwise reopen it under their own name).
        """
        rows = await self._db.fetchall(
            _MEMBER_SQL + " JOIN story_members o ON o.channel_id = m.channel_id AND o.article_id = m.story_article_id"
            " WHERE m.channel_id = ? AND o.assigned_at >= ? ORDER BY m.assigned_at, m.article_id",
            (channel_id, since),
        )
        return [_member(row) for row in rows]

    async def forget_before(self, at: float) -> int:
        """Delete decisions older than `at` (long past any window). Returns the rows deleted."""
        return await self._db.execute_rowcount("DELETE FROM story_members WHERE assigned_at < ?", (at,))

    async def settings(self, subscription_id: int) -> StorySettings | None:
        """The subscription's story settings, or None when there is no such subscription."""
        row = await self._db.fetchone(
            "SELECT COALESCE(t.enabled, 1) AS enabled, COALESCE(t.window_hours, ?) AS window_hours"
            " FROM subscriptions s LEFT JOIN story_settings t ON t.subscription_id = s.id WHERE s.id = ?",
            (DEFAULT_WINDOW_HOURS, subscription_id))
        if row is None:
            return None
        return StorySettings(enabled=bool(row["enabled"]), window_hours=float(row["window_hours"]))

    async def configure(self, subscription_id: int, *, enabled: bool | None = None,
                        window_hours: float | None = None) -> StorySettings | None:
        """Change the subscription's story settings; returns them, or None when there is no such subscription."""
        if window_hours is not None and not 0 < window_hours <= MAX_WINDOW_HOURS:
            raise StorySettingsError(
                f"the story window must be more than 0 and at most {plural(int(MAX_WINDOW_HOURS), 'hour')}"
                f" (got {window_hours:g})")
        # One statement: the row is created with the defaults where a value is not given.
        await self._db.execute(
            "INSERT INTO story_settings (subscription_id, enabled, window_hours)"
            " SELECT id, COALESCE(?, 1), COALESCE(CAST(? AS DOUBLE PRECISION), ?) FROM subscriptions WHERE id = ?"
            " ON CONFLICT (subscription_id) DO UPDATE SET enabled = COALESCE(?, story_settings.enabled),"
            " window_hours = COALESCE(?, story_settings.window_hours)",
            (None if enabled is None else int(enabled), window_hours, DEFAULT_WINDOW_HOURS, subscription_id,
             None if enabled is None else int(enabled), window_hours),
        )
        return await self.settings(subscription_id)
