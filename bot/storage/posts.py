"""Story posts: which article went to which channel as which message and thread.

Posting is two-phase so a crash can never cause a double post: `reserve()` writes a row with a nonce
before the message is sent (the nonce travels with the message, with enforce_nonce), then
`mark_posted()` fills in the message id (and the thread's, once the thread exists). A row left without a
message id is retried by the publisher: within minutes the same nonce makes Discord return the message
already sent, later the channel's recent history is searched for the story, instead of posting blindly.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from bot.storage.database import Database, Row
from bot.storage.errors import ConstraintViolation

__all__ = ["Post", "PostStore"]


@dataclass(frozen=True)
class Post:
    id: int
    article_id: int
    subscription_id: int | None
    guild_id: int
    channel_id: int
    nonce: str
    message_id: int | None
    thread_id: int | None
    content_hash: str | None
    posted_at: float | None
    edited_at: float | None
    created_at: float
    merged_into: int | None = None  # the story post this article was added to instead of being posted
    webhook_id: int | None = None   # the channel webhook that sent it (or is sending it); None: the bot itself


def _post(row: Row) -> Post:
    return Post(**dict(row))


class PostStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def reserve(
        self, *, article_id: int, subscription_id: int | None, guild_id: int, channel_id: int
    ) -> Post | None:
        """Claim the right to post `article_id` in `channel_id`. None if it was already claimed."""
        nonce = secrets.token_hex(8)  # Discord nonces are at most 25 characters
        try:
            await self._db.execute(
                "INSERT INTO posts (article_id, subscription_id, guild_id, channel_id, nonce, created_at)"
                " VALUES (?,?,?,?,?,?)",
                (article_id, subscription_id, guild_id, channel_id, nonce, time.time()),
            )
        except ConstraintViolation:
            return None
        return await self.by_nonce(nonce)

    async def mark_posted(
        self, post_id: int, *, message_id: int, thread_id: int | None, content_hash: str | None,
        at: float | None = None, webhook_id: int | None = None,
    ) -> None:
        """The post is on Discord: its message (and thread), sent by the bot or by the webhook `webhook_id`."""
        await self._db.execute(
            "UPDATE posts SET message_id = ?, thread_id = COALESCE(?, thread_id), content_hash = ?,"
            " posted_at = ?, webhook_id = ? WHERE id = ?",
            (message_id, thread_id, content_hash, time.time() if at is None else at, webhook_id, post_id),
        )

    async def sending_through(self, post_id: int, webhook_id: int | None) -> None:
        """Before a webhook send: a webhook takes no nonce, so a retry of this reservation looks for a message of
        this webhook in the channel instead of trusting Discord to deduplicate it."""
        await self._db.execute("UPDATE posts SET webhook_id = ? WHERE id = ? AND message_id IS NULL",
                               (webhook_id, post_id))

    async def mark_edited(self, post_id: int, *, content_hash: str, at: float | None = None) -> None:
        await self._db.execute(
            "UPDATE posts SET content_hash = ?, edited_at = ? WHERE id = ?",
            (content_hash, time.time() if at is None else at, post_id),
        )

    async def mark_merged(self, post_id: int, *, into: int) -> None:
        """Finish a reservation without a message: its article was added to the story post `into`."""
        await self._db.execute("UPDATE posts SET merged_into = ? WHERE id = ? AND message_id IS NULL",
                               (into, post_id))

    async def sent_in_channel(self, article_id: int, channel_id: int) -> Post | None:
        """The sent post of `article_id` in `channel_id` (a story's post), or None."""
        row = await self._db.fetchone(
            "SELECT * FROM posts WHERE article_id = ? AND channel_id = ? AND message_id IS NOT NULL",
            (article_id, channel_id))
        return None if row is None else _post(row)

    async def release(self, post_id: int) -> None:
        """Forget a reservation whose message was certainly never sent, so it can be retried."""
        await self._db.execute("DELETE FROM posts WHERE id = ? AND message_id IS NULL", (post_id,))

    async def by_nonce(self, nonce: str) -> Post | None:
        row = await self._db.fetchone("SELECT * FROM posts WHERE nonce = ?", (nonce,))
        return None if row is None else _post(row)

    async def get(self, post_id: int) -> Post | None:
        row = await self._db.fetchone("SELECT * FROM posts WHERE id = ?", (post_id,))
        return None if row is None else _post(row)

    async def by_message(self, message_id: int) -> Post | None:
        row = await self._db.fetchone("SELECT * FROM posts WHERE message_id = ?", (message_id,))
        return None if row is None else _post(row)

    async def by_thread(self, thread_id: int) -> Post | None:
        row = await self._db.fetchone("SELECT * FROM posts WHERE thread_id = ?", (thread_id,))
        return None if row is None else _post(row)

    async def for_article(self, article_id: int) -> list[Post]:
        rows = await self._db.fetchall("SELECT * FROM posts WHERE article_id = ? ORDER BY id", (article_id,))
        return [_post(r) for r in rows]

    async def all_message_ids(self) -> list[int]:
        return [r[0] for r in await self._db.fetchall("SELECT message_id FROM posts WHERE message_id IS NOT NULL")]

    async def unfinished(self) -> list[Post]:
        """Reservations not finished: never sent, or sent but a crash or failure came before mark_posted."""
        rows = await self._db.fetchall(
            "SELECT * FROM posts WHERE message_id IS NULL AND merged_into IS NULL ORDER BY id")
        return [_post(r) for r in rows]

    async def behind_their_article(self) -> list[Post]:
        """Sent posts showing an older version of their article (its content hash moved on), oldest first."""
        rows = await self._db.fetchall(
            "SELECT p.* FROM posts p JOIN articles a ON a.id = p.article_id"
            " WHERE p.message_id IS NOT NULL AND p.content_hash IS DISTINCT FROM a.content_hash ORDER BY p.id")
        return [_post(r) for r in rows]

    # --- announcements: articles stored since the outbox last looked (queued by a trigger, migration 0006) ---

    async def announced(self, limit: int = 500) -> list[tuple[int, str]]:
        """(article id, 'new' or 'updated'), oldest first."""
        rows = await self._db.fetchall(
            "SELECT article_id, kind FROM announcements ORDER BY created_at, article_id LIMIT ?", (limit,))
        return [(r["article_id"], r["kind"]) for r in rows]

    async def drop_announcement(self, article_id: int, kind: str) -> None:
        await self._db.execute("DELETE FROM announcements WHERE article_id = ? AND kind = ?", (article_id, kind))

    async def recent_usage(self, subscription_id: int, since: float) -> tuple[int, float | None]:
        """How many posts were reserved for the subscription since `since`, and when its latest was (caps).
        A report merged into a story already posted took no post of its own, so it uses up no cap."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) FILTER (WHERE created_at >= ?) AS n, MAX(created_at) AS last_at FROM posts "
            "WHERE subscription_id = ? AND merged_into IS NULL", (since, subscription_id))
        return (int(row["n"]), row["last_at"]) if row is not None else (0, None)

    async def count_for_subscription(self, subscription_id: int) -> int:
        return int(await self._db.fetchval(
            "SELECT COUNT(*) FROM posts WHERE subscription_id = ? AND message_id IS NOT NULL", (subscription_id,)
        ))

    async def recent_in_guild(self, guild_id: int, limit: int = 25) -> list[Post]:
        rows = await self._db.fetchall(
            "SELECT * FROM posts WHERE guild_id = ? AND message_id IS NOT NULL ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_post(r) for r in rows]
