"""Read-only views across stores for the web dashboard: a server's feeds and their health, its stories, the
volume of its discussion over time. Each is one set-based query; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database
from bot.storage.dialect import POSTGRESQL, least, whole

__all__ = ["MARK_END", "MARK_START", "FeedHealth", "HourCount", "InsightStore", "SearchHit", "StoryRow", "fts_query"]


@dataclass(frozen=True)
class FeedHealth:
    subscription_id: int
    feed_id: int
    url: str
    title: str | None
    channel_id: int
    mode: str
    paused: bool  # the subscription (this channel) or the feed itself
    paused_reason: str | None
    failing_reason: str | None  # e.g. a missing permission in the channel
    consecutive_failures: int
    last_error: str | None
    last_success_at: float | None
    posts: int

    @property
    def state(self) -> str:
        if self.paused:
            return "paused"
        if self.failing_reason or self.consecutive_failures:
            return "failing"
        return "ok"


@dataclass(frozen=True)
class StoryRow:
    article_id: int
    title: str
    url: str
    channel_id: int
    message_id: int | None
    thread_id: int | None
    posted_at: float | None
    comments: int


@dataclass(frozen=True)
class Ranked:
    label: str
    value: float
    key: int | None = None  # an article id or a user id, for links


@dataclass(frozen=True)
class DayCount:
    day: float  # the day's start, epoch seconds UTC
    kind: str
    count: int


@dataclass(frozen=True)
class HourCount:
    hour: float  # the hour's start, epoch seconds UTC
    count: int


class InsightStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def known_guilds(self) -> set[int]:
        """Servers Newsdesk holds anything for (settings, subscriptions or discussion threads)."""
        rows = await self._db.fetchall(
            "SELECT guild_id FROM guild_settings UNION SELECT guild_id FROM subscriptions "
            "UNION SELECT guild_id FROM threads")
        return {int(r[0]) for r in rows}

    async def feed_health(self, guild_id: int) -> list[FeedHealth]:
        rows = await self._db.fetchall(
            "SELECT s.id AS subscription_id, f.id AS feed_id, f.url, f.title, s.channel_id, s.mode, "
            "       s.paused AS sub_paused, f.paused AS feed_paused, f.paused_reason, s.failing_reason, "
            "       f.consecutive_failures, f.last_error, f.last_success_at, "
            "       (SELECT COUNT(*) FROM posts p WHERE p.subscription_id = s.id AND p.message_id IS NOT NULL) "
            "         AS posts "
            "FROM subscriptions s JOIN feeds f ON f.id = s.feed_id WHERE s.guild_id = ? "
            "ORDER BY COALESCE(f.title, f.url), s.channel_id", (guild_id,))
        return [FeedHealth(
            subscription_id=r["subscription_id"], feed_id=r["feed_id"], url=r["url"], title=r["title"],
            channel_id=r["channel_id"], mode=r["mode"], paused=bool(r["sub_paused"] or r["feed_paused"]),
            paused_reason=r["paused_reason"] if r["feed_paused"] else ("paused in this channel" if r["sub_paused"]
                                                                        else None),
            failing_reason=r["failing_reason"], consecutive_failures=r["consecutive_failures"],
            last_error=r["last_error"], last_success_at=r["last_success_at"], posts=r["posts"]) for r in rows]

    async def stories(self, guild_id: int, *, since: float, limit: int = 50) -> list[StoryRow]:
        """Stories posted in the server since `since`, newest first, with their comment counts."""
        rows = await self._db.fetchall(
            "SELECT a.id AS article_id, a.title, a.canonical_url AS url, p.channel_id, p.message_id, p.thread_id, "
            "       p.posted_at, "
            "       (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.guild_id = p.guild_id "
            "          AND c.status IN ('visible', 'flagged')) AS comments "
            "FROM posts p JOIN articles a ON a.id = p.article_id "
            "WHERE p.guild_id = ? AND p.posted_at >= ? ORDER BY p.posted_at DESC, p.id DESC LIMIT ?",
            (guild_id, since, limit))
        return [StoryRow(**dict(r)) for r in rows]

    async def comments_per_hour(self, guild_id: int, *, since: float) -> list[HourCount]:
        """Comments written per hour in a server since `since` (hours without comments are left out), from the
        hourly counts a trigger keeps (migration 0009): a busy server costs 48 rows, not a scan."""
        rows = await self._db.fetchall(
            "SELECT hour * 3600 AS hour, written AS n FROM comment_hours WHERE guild_id = ? AND hour >= ? "
            "ORDER BY hour", (guild_id, int(since // 3600)))
        return [HourCount(float(r["hour"]), int(r["n"])) for r in rows]

    async def search(self, guild_id: int, text: str, **filters: Any) -> list[SearchHit]:
        """Comments of one server matching `text`, newest first (filters: article_id, author, since,
        include_removed, limit)."""
        return await _search(self._db, guild_id, text, **filters)

    async def most_discussed(self, guild_id: int, *, since: float, limit: int = 10) -> list[Ranked]:
        rows = await self._db.fetchall(
            "SELECT c.article_id, a.title, COUNT(*) AS n FROM comments c JOIN articles a ON a.id = c.article_id "
            "WHERE c.guild_id = ? AND c.created_at >= ? AND c.status IN ('visible', 'flagged') "
            "GROUP BY c.article_id, a.title ORDER BY n DESC, c.article_id LIMIT ?", (guild_id, since, limit))
        return [Ranked(r["title"] or f"story {r['article_id']}", r["n"], r["article_id"]) for r in rows]

    async def active_commenters(self, guild_id: int, *, since: float, limit: int = 10) -> list[Ranked]:
        rows = await self._db.fetchall(
            "SELECT author_id, MAX(author_name) AS name, COUNT(*) AS n FROM comments "
            "WHERE guild_id = ? AND created_at >= ? GROUP BY author_id ORDER BY n DESC, author_id LIMIT ?",
            (guild_id, since, limit))
        return [Ranked(r["name"], r["n"], r["author_id"]) for r in rows]

    async def reactions_per_day(self, guild_id: int, *, since: float) -> list[DayCount]:
        rows = await self._db.fetchall(
            f"SELECT {whole(self._db.dialect, 'added_at / 86400')} * 86400 AS day, COUNT(*) AS n FROM reactions "
            "WHERE guild_id = ? AND added_at >= ? GROUP BY day ORDER BY day", (guild_id, since))
        return [DayCount(float(r["day"]), "reactions", r["n"]) for r in rows]

    async def moderation_per_day(self, guild_id: int, *, since: float) -> list[DayCount]:
        rows = await self._db.fetchall(
            f"SELECT {whole(self._db.dialect, 'created_at / 86400')} * 86400 AS day, action, COUNT(*) AS n "
            "FROM moderation_actions WHERE guild_id = ? AND created_at >= ? GROUP BY day, action ORDER BY day",
            (guild_id, since))
        return [DayCount(float(r["day"]), r["action"], r["n"]) for r in rows]

    async def feed_latency(self, guild_id: int, *, since: float) -> list[Ranked]:
        """Median minutes from a story's publication (else first sight) to its post, per feed."""
        rows = await self._db.fetchall(
            "SELECT f.id, COALESCE(f.title, f.url) AS name, "
            f"       p.posted_at - COALESCE({least(self._db.dialect)}(a.published_at, p.posted_at), a.first_seen_at) AS delay "
            "FROM posts p JOIN articles a ON a.id = p.article_id JOIN subscriptions s ON s.id = p.subscription_id "
            "JOIN feeds f ON f.id = s.feed_id WHERE p.guild_id = ? AND p.posted_at >= ? ORDER BY f.id",
            (guild_id, since))
        delays: dict[int, tuple[str, list[float]]] = {}
        for r in rows:
            delays.setdefault(r["id"], (r["name"], []))[1].append(max(0.0, float(r["delay"])))
        out = []
        for feed_id, (name, values) in delays.items():
            values.sort()
            out.append(Ranked(name, values[len(values) // 2] / 60, feed_id))
        return sorted(out, key=lambda r: -r.value)

    async def reactions_on_article(self, guild_id: int, article_id: int) -> dict[int, list[tuple[str, int]]]:
        """Live reactions on each comment of a story: {message id: [(emoji, count), ...]}, most used first."""
        rows = await self._db.fetchall(
            "SELECT r.message_id, r.emoji, COUNT(*) AS n FROM reactions r JOIN comments c ON c.message_id = r.message_id "
            "WHERE c.article_id = ? AND c.guild_id = ? AND r.removed_at IS NULL GROUP BY r.message_id, r.emoji "
            "ORDER BY n DESC, r.emoji", (article_id, guild_id))
        out: dict[int, list[tuple[str, int]]] = {}
        for r in rows:
            out.setdefault(r["message_id"], []).append((r["emoji"], r["n"]))
        return out

    async def revisions_on_article(self, guild_id: int, article_id: int) -> dict[int, list[tuple[float, str]]]:
        """Earlier versions of each edited comment of a story: {message id: [(edited at, old text), ...]}."""
        rows = await self._db.fetchall(
            "SELECT v.message_id, v.edited_at, v.old_content FROM comment_revisions v "
            "JOIN comments c ON c.message_id = v.message_id WHERE c.article_id = ? AND c.guild_id = ? "
            "ORDER BY v.edited_at, v.id", (article_id, guild_id))
        out: dict[int, list[tuple[float, str]]] = {}
        for r in rows:
            out.setdefault(r["message_id"], []).append((r["edited_at"], r["old_content"]))
        return out

    async def article_in_guild(self, guild_id: int, article_id: int) -> bool:
        """Whether the article was posted in (or discussed in) this server: the URL alone grants nothing."""
        return bool(await self._db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM posts WHERE guild_id = ? AND article_id = ?) "
            "OR EXISTS (SELECT 1 FROM comments WHERE guild_id = ? AND article_id = ?)",
            (guild_id, article_id, guild_id, article_id)))


@dataclass(frozen=True)
class SearchHit:
    message_id: int
    article_id: int | None
    article_title: str | None
    thread_id: int
    author_id: int
    author_name: str
    status: str
    created_at: float
    snippet: str  # the matching text with each match between MARK_START and MARK_END (not yet HTML-escaped)


MARK_START, MARK_END = "\x02", "\x03"
PREFIX_MIN = 4


def fts_query(text: str) -> str | None:
    """A safe FTS5 query for what a person typed: every word must appear, and the last one, when it has at least
    PREFIX_MIN characters, may be the start of a word (`disag` finds "disagree").

    Words are quoted, so FTS5's own syntax (AND/OR/NEAR, column filters, unbalanced quotes) is never
    interpreted: typing `"` or `author_name:` searches for those characters instead of failing. Shorter
    prefixes are matched as whole words: "th*" would merge the lists of every word starting with "th"
    (100 ms over a million comments, against 0.3 ms for "the" and under 10 ms for any 4-letter prefix).
    """
    words = [w for w in text.replace('"', " ").split() if w][:20]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    if len(words[-1]) >= PREFIX_MIN:
        quoted[-1] += "*"
    return " ".join(quoted)


def tsquery(text: str) -> str | None:
    """`fts_query` for PostgreSQL: every word a quoted lexeme (so no operator is ever read), ANDed; the last one
    a prefix under the same rule."""
    words = [w for w in text.split() if w.strip("'\\:&|!<>()*")][:20]
    if not words:
        return None
    quoted = ["'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in words]
    if len(words[-1]) >= PREFIX_MIN:
        quoted[-1] += ":*"
    return " & ".join(quoted)


async def _search(db: Database, guild_id: int, text: str, *, article_id: int | None = None,
                          author: str | None = None, since: float | None = None, include_removed: bool = True,
                          limit: int = 50) -> list[SearchHit]:
    postgres = db.dialect == POSTGRESQL
    query = tsquery(text) if postgres else fts_query(text)
    if query is None:
        return []
    columns = ("SELECT c.message_id, c.article_id, a.title AS article_title, c.thread_id, c.author_id, "
               "c.author_name, c.status, c.created_at, ")
    params: list[object]
    if postgres:  # the expression of the GIN index `comments_search` (migrations/postgresql/0009)
        sql = columns + ("ts_headline('simple', COALESCE(c.content, ''), to_tsquery('simple', ?), ?) AS snippet "
                         "FROM comments c LEFT JOIN articles a ON a.id = c.article_id WHERE to_tsvector('simple', "
                         "COALESCE(c.content, '') || ' ' || COALESCE(c.author_name, '')) @@ to_tsquery('simple', ?) "
                         "AND c.guild_id = ?")
        params = [query, f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords=24, MinWords=8', query, guild_id]
    else:
        sql = columns + ("snippet(comments_fts, 0, ?, ?, '…', 24) AS snippet "
                         "FROM comments_fts JOIN comments c ON c.message_id = comments_fts.rowid "
                         "LEFT JOIN articles a ON a.id = c.article_id "
                         "WHERE comments_fts MATCH ? AND c.guild_id = ?")
        params = [MARK_START, MARK_END, query, guild_id]
    if article_id is not None:
        sql += " AND c.article_id = ?"
        params.append(article_id)
    if author:
        if author.isdigit():
            sql += " AND c.author_id = ?"
            params.append(int(author))
        else:
            sql += " AND lower(c.author_name) = lower(?)"
            params.append(author)
    if since is not None:
        sql += " AND c.created_at >= ?"
        params.append(since)
    if not include_removed:
        sql += " AND c.status IN ('visible', 'flagged')"
    # rowid order is FTS5's own order: newest first costs no sort, however common the word.
    sql += " ORDER BY c.message_id DESC LIMIT ?" if postgres else " ORDER BY comments_fts.rowid DESC LIMIT ?"
    params.append(limit)
    rows = await db.fetchall(sql, params)
    return [SearchHit(**dict(r)) for r in rows]
