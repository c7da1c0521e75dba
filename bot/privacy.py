"""`/privacy forget-me`: delete what we hold about one person, and keep a record that we did."""

from __future__ import annotations

import hashlib
import time

from bot.storage.database import Database

__all__ = ["forget_user", "user_fingerprint"]


def user_fingerprint(user_id: int) -> int:
    """What the privacy log keeps instead of the id: enough to answer "did this user ask?", not who asked."""
    return int.from_bytes(hashlib.sha256(f"newsdesk-forget:{user_id}".encode()).digest()[:7], "big")


async def forget_user(db: Database, *, user_id: int, guild_id: int | None = None) -> int:
    """Delete the user's comments (with their revisions), reactions and mutes. Returns rows deleted.

    Replies to a forgotten comment keep their place in the tree: their parent id is left as is and the
    tree shows them as top-level replies, which is how a deleted parent looks anyway.
    """
    scope, params = ("", [user_id]) if guild_id is None else (" AND guild_id = ?", [user_id, guild_id])
    deleted = 0
    statements = [
        f"DELETE FROM comment_revisions WHERE message_id IN (SELECT message_id FROM comments WHERE author_id = ?{scope})",
        f"DELETE FROM comments WHERE author_id = ?{scope}",
        f"DELETE FROM reactions WHERE user_id = ?{scope}",
        f"DELETE FROM comment_mutes WHERE user_id = ?{scope}",
    ]
    await db.conn.execute("BEGIN IMMEDIATE")
    try:
        for sql in statements:
            cursor = await db.conn.execute(sql, params)
            deleted += max(cursor.rowcount, 0)
            await cursor.close()
        await db.conn.execute(
            "INSERT INTO privacy_requests (guild_id, user_id, kind, rows_deleted, created_at) VALUES (?,?,?,?,?)",
            (guild_id, user_fingerprint(user_id), "forget-me", deleted, time.time()),
        )
    except BaseException:
        await db.conn.execute("ROLLBACK")
        raise
    await db.conn.execute("COMMIT")
    return deleted
