"""What readers' and moderators' commands ask about recorded comments, and forget-me.

Reads first land the recorder's queued writes, so a comment posted a moment ago is in the answer.
"""

from __future__ import annotations

import time

from bot.comments.recorder import CommentRecorder
from bot.privacy import forget_user
from bot.storage.comments import Comment, CommentStore
from bot.storage.privacy import PrivacyStore

__all__ = ["CommentService"]


class CommentService:
    def __init__(self, *, comments: CommentStore, recorder: CommentRecorder, privacy: PrivacyStore) -> None:
        self._comments = comments
        self._recorder = recorder
        self._privacy = privacy

    async def get(self, message_id: int) -> Comment | None:
        return await self._comments.get(message_id)

    async def for_article(self, guild_id: int, article_id: int) -> list[Comment]:
        """The article's discussion in this guild (an article posted in several guilds has one per guild)."""
        return [c for c in await self._comments.for_article(article_id) if c.guild_id == guild_id]

    async def by_author(self, guild_id: int, author_id: int, limit: int = 50) -> list[Comment]:
        return await self._comments.by_author(guild_id, author_id, limit=limit)

    async def forget_user(self, user_id: int, guild_id: int | None = None) -> int:
        """Delete what is stored of `user_id`'s (everywhere when `guild_id` is None). Returns rows deleted."""
        # First the recorder, so a backfill running meanwhile cannot store their old messages again.
        self._recorder.forget(user_id, guild_id, time.time())
        return await forget_user(self._privacy, user_id=user_id, guild_id=guild_id)
