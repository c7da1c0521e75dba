"""Featured comments: a moderator's pick of good comments, pinned in the thread (by the adapter), listed under
the story's post and in the daily digest.

`FeaturedComments.feature` / `unfeature` store the pick, mark the story's posts behind (the publisher's next
pass edits them, so a crash between the pick and the edit loses nothing) and log the action through
`ModerationService.record`. `post_lines` is what `build_story_post` shows; `digest_lines` what the digest adds.
"""

from __future__ import annotations

import time

from bot.moderation import actions
from bot.moderation.service import ModerationError, ModerationService
from bot.storage.comments import CommentStore
from bot.storage.featured import FeaturedComment, FeaturedStore
from bot.storage.moderation import ModerationAction

__all__ = ["MAX_SHOWN", "FeaturedComments"]

MAX_SHOWN = 3  # under a post: the latest picks; older ones stay featured (pinned, in the history and export)


class FeaturedComments:
    def __init__(self, *, featured: FeaturedStore, comments: CommentStore, moderation: ModerationService) -> None:
        self._featured = featured
        self._comments = comments
        self._moderation = moderation

    async def feature(self, *, guild_id: int, message_id: int, moderator_id: int) -> FeaturedComment:
        """Feature a recorded comment. Raises ModerationError when it cannot be (unknown, not up, already)."""
        comment = await self._comments.get(message_id)
        if comment is None or comment.guild_id != guild_id:
            raise ModerationError("That message is not a recorded comment in an article thread of this server.")
        if comment.status not in ("visible", "flagged") or comment.deleted_at is not None:
            raise ModerationError("That comment is removed or deleted; only a comment still up can be featured.")
        featured = FeaturedComment(message_id, guild_id, comment.thread_id, comment.article_id, comment.author_id,
                                   comment.author_name, comment.content, moderator_id, time.time())
        if not await self._featured.add(featured):
            raise ModerationError("That comment is featured already.")
        if comment.article_id is not None:
            await self._featured.posts_behind(guild_id, comment.article_id)
        await self._moderation.record(guild_id=guild_id, moderator_id=moderator_id, action=actions.FEATURE,
                                      target_user_id=comment.author_id, target_message_id=message_id,
                                      target_thread_id=comment.thread_id, article_id=comment.article_id)
        return featured

    async def unfeature(self, *, guild_id: int, message_id: int, moderator_id: int) -> FeaturedComment:
        """Stop featuring a comment. Raises ModerationError if it is not featured in this guild."""
        existing = await self._featured.get(message_id)
        if existing is None or existing.guild_id != guild_id:
            raise ModerationError("That comment is not featured.")
        await self._featured.remove(message_id)
        if existing.article_id is not None:
            await self._featured.posts_behind(guild_id, existing.article_id)
        await self._moderation.record(guild_id=guild_id, moderator_id=moderator_id, action=actions.UNFEATURE,
                                      target_user_id=existing.author_id, target_message_id=message_id,
                                      target_thread_id=existing.thread_id, article_id=existing.article_id)
        return existing

    async def on_record(self, entry: ModerationAction) -> None:
        """A `ModerationService` subscriber: a removal of a member's comments re-edits the posts that quote
        one of their featured comments (the post then leaves out what is no longer up)."""
        if entry.action in (actions.REMOVE, actions.PURGE) and entry.target_user_id is not None:
            await self._featured.posts_behind_for_author(entry.guild_id, entry.target_user_id)

    async def for_post(self, guild_id: int, article_id: int) -> list[FeaturedComment]:
        """The picks a story post shows: the latest MAX_SHOWN, oldest first."""
        return (await self._featured.for_article(article_id, guild_id))[-MAX_SHOWN:]

    async def for_digest(self, guild_id: int, since: float, until: float) -> list[FeaturedComment]:
        return await self._featured.in_window(guild_id, since, until, limit=MAX_SHOWN)

    async def by_author(self, guild_id: int, author_id: int) -> list[FeaturedComment]:
        return await self._featured.by_author(guild_id, author_id)
