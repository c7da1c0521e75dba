"""A member's history as a JSON document: what `/mod user` and the dashboard's member page show, for a
download (`/mod user export:true`, the member page's "Download JSON").

The project's export conventions (`bot/comments/export.py`): ids as strings, times ISO 8601 UTC.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.formats import id_text, iso_utc
from bot.moderation.featured import FeaturedComments
from bot.moderation.review import CommentReview
from bot.moderation.service import ModerationService
from bot.storage.comments import CommentStore

__all__ = ["MemberHistoryExport"]

LIMIT = 5000  # comments and actions per export: a member's whole history in any real server


class MemberHistoryExport:
    def __init__(self, *, comments: CommentStore, moderation: ModerationService, featured: FeaturedComments,
                 review: CommentReview | None = None) -> None:
        self._review = review
        self._comments = comments
        self._moderation = moderation
        self._featured = featured

    async def collect(self, guild_id: int, user_id: int) -> dict[str, Any]:
        comments = await self._comments.by_author(guild_id, user_id, limit=LIMIT)
        actions = [a for a in await self._moderation.history(guild_id, user_id=user_id, limit=LIMIT)
                   if a.target_user_id == user_id]
        notes = await self._moderation.notes(guild_id, user_id)
        mute = await self._moderation.active_mute(guild_id, user_id)
        featured = await self._featured.by_author(guild_id, user_id)
        review = await self._review.about_member(guild_id, user_id) if self._review is not None else None
        return {
            "guild_id": id_text(guild_id), "user_id": id_text(user_id),
            "mute": None if mute is None else {
                "muted_by": id_text(mute.muted_by), "reason": mute.reason, "created_at": iso_utc(mute.created_at),
                "expires_at": iso_utc(mute.expires_at), "ban": mute.expires_at is None},
            "notes": [{"id": id_text(n.id), "author_id": id_text(n.author_id), "text": n.text,
                       "created_at": iso_utc(n.created_at)} for n in notes],
            "actions": [{"id": id_text(a.id), "action": a.action, "moderator_id": id_text(a.moderator_id),
                         "message_id": id_text(a.target_message_id), "thread_id": id_text(a.target_thread_id),
                         "article_id": id_text(a.article_id), "reason": a.reason, "details": _portable_details(a.details),
                         "created_at": iso_utc(a.created_at), "expires_at": iso_utc(a.expires_at)}
                        for a in actions],
            "reports": [] if review is None else [  # counts and reasons only: reporters are never exported
                {"message_id": id_text(r.message_id), "count": r.count, "reasons": r.reasons} for r in review.reports],
            "holds": [] if review is None else [
                {"message_id": id_text(h.message_id), "kind": h.kind, "held_at": iso_utc(h.held_at),
                 "decision": h.decision} for h in review.holds],
            "member_hold": None if review is None or review.member_hold is None else {
                "reason": review.member_hold.reason, "created_at": iso_utc(review.member_hold.created_at),
                "expires_at": iso_utc(review.member_hold.expires_at)},
            "featured": [{"message_id": id_text(f.message_id), "featured_by": id_text(f.featured_by),
                          "featured_at": iso_utc(f.featured_at)} for f in featured],
            "comments": [{"message_id": id_text(c.message_id), "thread_id": id_text(c.thread_id),
                          "article_id": id_text(c.article_id), "parent_id": id_text(c.parent_id),
                          "author_name": c.author_name, "content": c.content, "status": c.status,
                          "removed_by": id_text(c.removed_by), "removed_reason": c.removed_reason,
                          "created_at": iso_utc(c.created_at), "edited_at": iso_utc(c.edited_at),
                          "deleted_at": iso_utc(c.deleted_at)} for c in comments],
        }

    async def export(self, guild_id: int, user_id: int) -> bytes:
        """The member's history as UTF-8 JSON."""
        data = await self.collect(guild_id, user_id)
        return await asyncio.to_thread(lambda: json.dumps(data, ensure_ascii=False, indent=2).encode())


def _portable_details(details: dict[str, Any]) -> dict[str, Any]:
    """An action's details with the message ids a purge lists as strings."""
    if isinstance(details.get("messages"), list):
        return {**details, "messages": [id_text(m) for m in details["messages"]]}
    return details
