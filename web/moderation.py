"""The moderation pages: the review queue (approve or remove), word filters, mutes and a member's history.

Each action is the one `/mod` takes, through `ModerationService`, so it is logged and echoed to #mod-log the
same way, with the person who clicked as the moderator. Removing a comment deletes it on Discord first (through
the dashboard's Discord port), exactly as the "Remove comment" menu does.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from aiohttp import web

from bot.moderation.review import HOLD_WORDS, QueueItem, repost_text
from bot.moderation.service import ModerationError

if TYPE_CHECKING:
    from web.app import Dashboard

__all__ = ["ModerationPages"]

DECIDED = ("approve", "remove")


class ModerationPages:
    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard
        self.moderation = dashboard.services.moderation
        self.comments = dashboard.services.comments
        self.review = dashboard.services.review

    async def queue(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, moderate=True)
        flagged = await self.review.queue(access.guild_id, limit=50)
        decided = [a for a in await self.moderation.history(access.guild_id, limit=100) if a.action in DECIDED][:20]
        return self.d.page(request, "queue.html", access=access, flagged=flagged, decided=decided)

    async def decide(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, moderate=True)
        form = await self.d.checked_form(request)
        moderator = self.d.session(request).user_id
        assert moderator is not None
        raw = str(form.get("message", ""))
        comment = await self.comments.get(int(raw)) if raw.isdigit() else None
        if comment is None or comment.guild_id != access.guild_id:
            raise web.HTTPNotFound(text="No such comment in this server.")
        item = await self.review.item(access.guild_id, comment.message_id)
        if item is not None and item.held is not None:
            message = await self._decide_held(item, approve=form.get("action") == "approve", moderator=moderator)
        elif form.get("action") == "approve":
            done = item is not None and await self.review.keep(item=item, moderator_id=moderator)
            message = ("Approved: the comment stays." if done else
                       "That comment is no longer waiting for review (removed, deleted or already approved).")
        elif form.get("action") == "remove":
            reason = " ".join(str(form.get("reason", "")).split())[:300] or "flagged and removed"
            if self.d.discord is None:
                message = "This dashboard has no bot token (DISCORD_TOKEN), so it cannot delete messages."
            elif (refused := await self.d.discord.delete_message(comment.thread_id, comment.message_id, reason)):
                message = f"Not removed: {refused}."
            else:
                await self.moderation.removed(guild_id=access.guild_id, moderator_id=moderator,
                                              message_id=comment.message_id, reason=reason, thread_id=comment.thread_id)
                await self.review.removed(comment.message_id)
                message = "Removed."
        else:
            raise web.HTTPBadRequest(text="Unknown action.")
        self.d.flash(request, message)
        back = str(form.get("back", ""))  # only back to one of this server's pages
        raise web.HTTPSeeOther(back if back.startswith(f"/g/{access.guild_id}/") else f"/g/{access.guild_id}/queue")

    async def _decide_held(self, item: QueueItem, *, approve: bool, moderator: int) -> str:
        """A held comment is no longer on Discord: approving posts it again as the bot, rejecting keeps it off."""
        if not approve:
            done = await self.review.reject_held(item=item, moderator_id=moderator, reason="rejected after review")
            return "Rejected: it stays off the thread." if done else "Someone else decided on it first."
        if self.d.discord is None:
            return "This dashboard has no bot token (DISCORD_TOKEN), so it cannot post the comment again."
        if not await self.review.claim_approval(item):
            return "Someone else decided on it first."
        posted = await self.d.discord.post_message(item.comment.thread_id, repost_text(item.comment))
        if isinstance(posted, str):
            await self.review.approval_failed(item)
            return f"Not approved: {posted}."
        await self.review.approved_held(item=item, moderator_id=moderator, repost_id=posted)
        return "Approved: the bot posted it again with the author's name."

    async def filters(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, moderate=True)
        return self.d.page(request, "filters.html", access=access,
                           filters=await self.moderation.filters(access.guild_id))

    async def change_filter(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, moderate=True)
        form = await self.d.checked_form(request)
        moderator = self.d.session(request).user_id
        assert moderator is not None
        pattern = str(form.get("pattern", "")).strip()
        if form.get("op") == "add":
            try:
                await self.moderation.add_filter(guild_id=access.guild_id, pattern=pattern,
                                                 is_regex=form.get("regex") == "on",
                                                 action="flag" if form.get("action") == "flag" else "remove",
                                                 moderator_id=moderator)
                self.d.flash(request, f"Filter added: {pattern}")
            except ModerationError as exc:
                self.d.flash(request, f"Not added: {exc}")
        elif form.get("op") == "remove":
            gone = await self.moderation.remove_filter(guild_id=access.guild_id, pattern=pattern,
                                                       moderator_id=moderator)
            self.d.flash(request, f"Filter {pattern} removed." if gone else f"There is no filter {pattern}.")
        else:
            raise web.HTTPBadRequest(text="Unknown action.")
        raise web.HTTPSeeOther(f"/g/{access.guild_id}/filters")

    async def mutes(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, moderate=True)
        return self.d.page(request, "mutes.html", access=access,
                           mutes=await self.moderation.active_mutes(access.guild_id))

    async def unmute(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, moderate=True)
        form = await self.d.checked_form(request)
        moderator = self.d.session(request).user_id
        assert moderator is not None
        raw = str(form.get("user", ""))
        if not raw.isdigit():
            raise web.HTTPBadRequest(text="Which member?")
        lifted = await self.moderation.unmute(guild_id=access.guild_id, user_id=int(raw), moderator_id=moderator,
                                              reason=" ".join(str(form.get("reason", "")).split())[:300] or None)
        self.d.flash(request, "Unmuted." if lifted else "That member was not muted.")
        raise web.HTTPSeeOther(f"/g/{access.guild_id}/mutes")

    async def member(self, request: web.Request) -> web.Response:
        """A member's comments, the moderation actions about them and their mute, across the server."""
        access = await self.d.guild_access(request, moderate=True)
        raw = request.match_info["user_id"]
        if not raw.isdigit() or len(raw) > 20:
            raise web.HTTPNotFound(text="No such member.")
        user_id = int(raw)
        comments = await self.comments.by_author(access.guild_id, user_id, limit=100)
        history = await self.moderation.history(access.guild_id, user_id=user_id, limit=100)
        mute = await self.moderation.active_mute(access.guild_id, user_id)
        name = comments[0].author_name if comments else str(user_id)
        return self.d.page(request, "member.html", access=access, user_id=user_id, name=name, comments=comments,
                           history=[a for a in history if a.target_user_id == user_id], mute=mute, now=time.time(),
                           notes=await self.moderation.notes(access.guild_id, user_id),
                           review=await self.d.services.review.about_member(access.guild_id, user_id),
                           hold_words=HOLD_WORDS)

    async def member_export(self, request: web.Request) -> web.Response:
        """The member's history as a JSON download (what `/mod user export:true` attaches)."""
        access = await self.d.guild_access(request, moderate=True)
        raw = request.match_info["user_id"]
        if not raw.isdigit() or len(raw) > 20:
            raise web.HTTPNotFound(text="No such member.")
        body = await self.d.services.member_export.export(access.guild_id, int(raw))
        return web.Response(body=body, headers={
            "Content-Type": "application/json",
            "Content-Disposition": f'attachment; filename="member-{access.guild_id}-{raw}.json"'})

    async def add_note(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, moderate=True)
        form = await self.d.checked_form(request)
        author = self.d.session(request).user_id
        raw = request.match_info["user_id"]
        if not raw.isdigit() or len(raw) > 20 or author is None:
            raise web.HTTPNotFound(text="No such member.")
        try:
            await self.moderation.add_note(guild_id=access.guild_id, user_id=int(raw), author_id=author,
                                           text=str(form.get("text", "")))
            self.d.flash(request, "Note added.")
        except ModerationError as exc:
            self.d.flash(request, f"Not added: {exc}")
        raise web.HTTPSeeOther(f"/g/{access.guild_id}/members/{raw}")
