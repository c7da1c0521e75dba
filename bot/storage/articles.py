"""Articles seen in feeds: deduplication on ingest, lookups, and full text (table `articles`).

An item is *new* only if none of these has been seen: its guid in the same feed, its canonical URL (in any
feed: the same story syndicated twice is posted once), or — same feed — the same normalised title with
near-identical text (feeds that re-key or re-link an item). A known article whose content hash changed is
*updated* (the stored version is replaced); otherwise it is *unchanged*. Only the feed that first brought an
article can update it, so two feeds carrying one story do not take turns "updating" it.

Concurrency: every write is a single statement that cannot fail on the UNIQUE constraints (`ON CONFLICT DO
NOTHING`, then read back), so two pollers ingesting the same items at once — on one connection or two — each get
a consistent answer and exactly one of them sees "new". No statement here opens an explicit transaction, so
callers sharing the connection cannot collide on BEGIN.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.articles.identity import canonical_url, text_similarity, title_key
from bot.articles.records import Article, FeedItem, IngestOutcome
from bot.storage.database import Database, Row
from bot.storage.dialect import case_insensitive_like
from bot.storage.errors import ConstraintViolation

__all__ = ["NEAR_DUPLICATE_SIMILARITY", "ArticleStore"]

# Same feed, same normalised title and this similar a text (word 3-gram Jaccard): the same article.
NEAR_DUPLICATE_SIMILARITY = 0.8
# ...unless their dates are further apart than this (a weekly column reusing its title is not a duplicate).
NEAR_DUPLICATE_MAX_DAYS = 7
_MIN_TITLE_KEY = 8
_CHUNK = 400
_WRITE_ATTEMPTS = 6  # SQLite's bound-parameter limit is far higher; this keeps statements small

_COLUMNS = ("id, feed_id, guid, canonical_url, content_hash, title, title_key, author, published_at, image_url, "
            "excerpt, text, language, first_seen_at, updated_at, categories")


def _dt(stamp: float | None) -> datetime | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, tz=UTC)


def _stamp(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _article(row: Row) -> Article:
    return Article(
        id=row["id"], feed_id=row["feed_id"], guid=row["guid"], url=row["canonical_url"],
        content_hash=row["content_hash"], title=row["title"], author=row["author"],
        published=_dt(row["published_at"]), image=row["image_url"], excerpt=row["excerpt"], text=row["text"],
        language=row["language"], first_seen=_dt(row["first_seen_at"]) or datetime.now(UTC),
        updated=_dt(row["updated_at"]) or datetime.now(UTC),
        categories=tuple(c for c in (row["categories"] or "").split("\n") if c),
    )


def _categories(item: FeedItem) -> str:
    """The feed's categories, one a line (for filter rules), bounded like every stored feed field."""
    return "\n".join(c.replace("\n", " ")[:100] for c in item.categories[:50])


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


class ArticleStore:
    """Narrow async access to `articles`. All methods are safe to call concurrently."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- ingest ------------------------------------------------------------------------------------------

    async def ingest(self, feed_id: int | None, items: Sequence[FeedItem]) -> list[IngestOutcome]:
        """Record `items` (one feed's current entries); one outcome per item, in the same order."""
        if not items:
            return []
        by_guid, by_url = await self._known(feed_id, items)
        touched: set[int] = set()
        outcomes: list[IngestOutcome] = []
        for item in items:
            row = (by_guid.get(item.guid) if feed_id is not None else None) or by_url.get(item.url)
            if row is None:
                row = await self._near_duplicate(feed_id, item)
            if row is None:
                inserted = await self._insert(feed_id, item)
                if inserted is not None:
                    outcome = IngestOutcome("new", _article(inserted), item)
                    touched.add(inserted["id"])
                    self._remember(inserted, by_guid, by_url)
                    outcomes.append(outcome)
                    continue
                # Lost a race with another ingest of the same article: it exists now, read it back.
                row = await self._find(feed_id, item)
                if row is None:  # deleted again in between: nothing sensible to report
                    continue
            outcomes.append(await self._existing(feed_id, item, row, touched, by_guid, by_url))
        return outcomes

    async def mark_seen(self, feed_id: int | None, items: Sequence[FeedItem]) -> Article | None:
        """Record `items` without announcing them (subscribe / resume: no flood); return the newest one's
        article (by published date, else the feed's first item), or None for an empty feed."""
        outcomes = await self.ingest(feed_id, items)
        if not outcomes:
            return None
        floor = datetime.min.replace(tzinfo=UTC)
        # max() keeps the first of equals, and feeds list newest first: undated feeds give their first item.
        newest = max(outcomes, key=lambda o: o.item.published or o.article.published or floor)
        return newest.article

    async def _known(self, feed_id: int | None, items: Sequence[FeedItem]
                     ) -> tuple[dict[str, Row], dict[str, Row]]:
        by_guid: dict[str, Row] = {}
        by_url: dict[str, Row] = {}
        if feed_id is not None:
            for chunk in _chunks(list({i.guid for i in items})):
                marks = ",".join("?" * len(chunk))
                for row in await self._db.fetchall(
                        f"SELECT {_COLUMNS} FROM articles WHERE feed_id = ? AND guid IN ({marks})", (feed_id, *chunk)):
                    by_guid[row["guid"]] = row
        for chunk in _chunks(list({i.url for i in items})):
            marks = ",".join("?" * len(chunk))
            for row in await self._db.fetchall(
                    f"SELECT {_COLUMNS} FROM articles WHERE canonical_url IN ({marks})", tuple(chunk)):
                by_url[row["canonical_url"]] = row
        return by_guid, by_url

    @staticmethod
    def _remember(row: Row, by_guid: dict[str, Row], by_url: dict[str, Row]) -> None:
        if row["guid"] is not None:
            by_guid[row["guid"]] = row
        by_url[row["canonical_url"]] = row

    async def _find(self, feed_id: int | None, item: FeedItem) -> Row | None:
        if feed_id is not None:
            row = await self._db.fetchone(
                f"SELECT {_COLUMNS} FROM articles WHERE feed_id = ? AND guid = ?", (feed_id, item.guid))
            if row is not None:
                return row
        return await self._db.fetchone(f"SELECT {_COLUMNS} FROM articles WHERE canonical_url = ?", (item.url,))

    async def _near_duplicate(self, feed_id: int | None, item: FeedItem) -> Row | None:
        key = title_key(item.title)
        text = item.content_text or item.excerpt
        if feed_id is None or len(key) < _MIN_TITLE_KEY or not text:
            return None
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM articles WHERE feed_id = ? AND title_key = ? ORDER BY id DESC LIMIT 20",
            (feed_id, key))
        for row in rows:
            if item.published is not None and row["published_at"] is not None and abs(
                    item.published.timestamp() - row["published_at"]) > NEAR_DUPLICATE_MAX_DAYS * 86400:
                continue
            stored = row["excerpt"] or ""
            if stored and text_similarity(item.excerpt or text, stored) >= NEAR_DUPLICATE_SIMILARITY:
                return row
        return None

    async def _insert(self, feed_id: int | None, item: FeedItem) -> Row | None:
        now = time.time()
        rows = await self._write(
            "INSERT INTO articles (feed_id, guid, canonical_url, content_hash, title, title_key, author, "
            "published_at, image_url, excerpt, language, first_seen_at, updated_at, categories) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
            f"RETURNING {_COLUMNS}",
            (feed_id, item.guid, item.url, item.content_hash, item.title, title_key(item.title), item.author,
             _stamp(item.published), item.image, item.excerpt, item.language, now, now, _categories(item)))
        return rows[0] if rows else None

    async def _existing(self, feed_id: int | None, item: FeedItem, row: Row, touched: set[int],
                        by_guid: dict[str, Row], by_url: dict[str, Row]) -> IngestOutcome:
        owned = row["feed_id"] == feed_id
        if row["id"] in touched or not owned or row["content_hash"] == item.content_hash:
            # Unchanged; a feed that re-keyed its guid gets the new one recorded (so the next poll is a hit).
            if owned and feed_id is not None and row["guid"] != item.guid and row["id"] not in touched:
                with contextlib.suppress(ConstraintViolation):  # another article of the feed has that guid
                    await self._write("UPDATE articles SET guid = ? WHERE id = ?", (item.guid, row["id"]))
            touched.add(row["id"])
            return IngestOutcome("unchanged", _article(row), item)
        touched.add(row["id"])
        rows = await self._write(
            "UPDATE articles SET content_hash = ?, title = ?, title_key = ?, author = COALESCE(?, author), "
            "published_at = COALESCE(published_at, ?), image_url = COALESCE(?, image_url), excerpt = ?, "
            "language = COALESCE(?, language), updated_at = ?, categories = ? "
            f"WHERE id = ? RETURNING {_COLUMNS}",
            (item.content_hash, item.title, title_key(item.title), item.author, _stamp(item.published),
             item.image, item.excerpt, item.language, time.time(), _categories(item), row["id"]))
        updated = rows[0] if rows else row
        self._remember(updated, by_guid, by_url)
        return IngestOutcome("updated", _article(updated), item)

    async def _write(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """One write statement; retried briefly when SQLite reports the database busy without waiting (another
        connection committed while a read of ours was open: SQLITE_BUSY_SNAPSHOT skips the busy timeout)."""
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                return await self._db.fetchall(sql, params)
            except sqlite3.OperationalError as exc:
                if attempt == _WRITE_ATTEMPTS - 1 or ("locked" not in str(exc) and "busy" not in str(exc)):
                    raise
                await asyncio.sleep(0.01 * 2 ** attempt)
        return []  # unreachable: the loop returns or raises

    # --- lookups -----------------------------------------------------------------------------------------

    async def get(self, article_id: int) -> Article | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,))
        return None if row is None else _article(row)

    async def by_url(self, url: str) -> Article | None:
        """The article at `url` (compared in canonical form: tracking parameters and fragment ignored)."""
        for candidate in dict.fromkeys(filter(None, (canonical_url(url), url))):
            row = await self._db.fetchone(
                f"SELECT {_COLUMNS} FROM articles WHERE canonical_url = ?", (candidate,))
            if row is not None:
                return _article(row)
        return None

    async def search(self, query: str = "", *, guild_id: int | None = None, limit: int = 25) -> list[Article]:
        """Newest articles whose title contains `query` (case-insensitive; all when empty), optionally only
        those from the guild's subscribed feeds or posted in the guild. For autocomplete."""
        limit = max(1, min(int(limit), 100))
        where: list[str] = []
        params: list[Any] = []
        if query.strip():
            pattern = "%" + query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            like = case_insensitive_like(self._db.dialect)
            where.append(f"(title {like} ? ESCAPE '\\' OR canonical_url {like} ? ESCAPE '\\')")
            params += [pattern, pattern]
        if guild_id is not None:
            where.append("(feed_id IN (SELECT feed_id FROM subscriptions WHERE guild_id = ?) "
                         "OR id IN (SELECT article_id FROM posts WHERE guild_id = ?))")
            params += [guild_id, guild_id]
        sql = f"SELECT {_COLUMNS} FROM articles"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY COALESCE(published_at, first_seen_at) DESC, id DESC LIMIT ?"
        rows = await self._db.fetchall(sql, (*params, limit))
        return [_article(r) for r in rows]

    async def recent(self, feed_id: int, limit: int = 20) -> list[Article]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM articles WHERE feed_id = ? "
            "ORDER BY COALESCE(published_at, first_seen_at) DESC, id DESC LIMIT ?", (feed_id, limit))
        return [_article(r) for r in rows]

    async def set_text(self, article_id: int, text: str, image: str | None = None,
                       language: str | None = None) -> bool:
        """Store an article's extracted full text (and the page's image and language when the feed had
        none). False when the article does not exist."""
        rows = await self._write(
            "UPDATE articles SET text = ?, image_url = COALESCE(image_url, ?), language = COALESCE(language, ?), "
            "updated_at = ? WHERE id = ? RETURNING id", (text, image, language, time.time(), article_id))
        return bool(rows)
