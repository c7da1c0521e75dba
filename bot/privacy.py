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
    """Delete the user's comments (with their revisions) and reactions. Returns rows deleted.

    Moderation records stay: a mute is a moderator's measure that expires on its own (forgetting must not
    lift it), and the moderation log is the guild's account of what its moderators did.

    Replies to a forgotten comment keep their place in the tree: their parent id is left as is and the
    tree shows them as top-level replies, which is how a deleted parent looks anyway.
    """
    scope, params = ("", [user_id]) if guild_id is None else (" AND guild_id = ?", [user_id, guild_id])
    tables = [
        ("comment_revisions", f"message_id IN (SELECT message_id FROM comments WHERE author_id = ?{scope})"),
        ("comments", f"author_id = ?{scope}"),
        ("reactions", f"user_id = ?{scope}"),
    ]
    deleted = 0
    for table, where in tables:  # counted first: the deletes below run as one transaction
        deleted += int(await db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {where}", params) or 0)
    await db.run_batch([
        *((f"DELETE FROM {table} WHERE {where}", params) for table, where in tables),
        ("INSERT INTO privacy_requests (guild_id, user_id, kind, rows_deleted, created_at) VALUES (?,?,?,?,?)",
         (guild_id, user_fingerprint(user_id), "forget-me", deleted, time.time())),
    ])
    return deleted
