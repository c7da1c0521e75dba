"""`/privacy forget-me`: delete what we hold about one person, and keep a record that we did."""

from __future__ import annotations

import hashlib

from bot.storage.privacy import PrivacyStore

__all__ = ["forget_user", "user_fingerprint"]


def user_fingerprint(user_id: int) -> int:
    """What the privacy log keeps instead of the id: enough to answer "did this user ask?", not who asked."""
    return int.from_bytes(hashlib.sha256(f"newsdesk-forget:{user_id}".encode()).digest()[:7], "big")


async def forget_user(privacy: PrivacyStore, *, user_id: int, guild_id: int | None = None) -> int:
    """Delete the user's comments (with their revisions) and reactions. Returns rows deleted.

    Moderation records stay: a mute is a moderator's measure that expires on its own (forgetting must not
    lift it), and the moderation log is the guild's account of what its moderators did.

    Replies to a forgotten comment keep their place in the tree: their parent id is left as is and the
    tree shows them as top-level replies, which is how a deleted parent looks anyway.
    """
    return await privacy.forget(user_id=user_id, fingerprint=user_fingerprint(user_id), guild_id=guild_id)
