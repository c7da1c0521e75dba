"""The feeds pages: follow a feed (with the same preview as `/feed test`), change, pause, resume or stop one.

Every change goes through `FeedSubscriptions`, the service `/feed` uses, and is recorded in the moderation log
(so it is echoed to #mod-log) with the person who made it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.feeds.rules import MATCHES, MAX_RULES_TEXT, RuleError, compiled_rules
from bot.feeds.subscriptions import MODES, FeedProblem
from bot.moderation import actions

if TYPE_CHECKING:
    from web.app import Dashboard

__all__ = ["FeedPages"]

MAX_FILTER = 300


class FeedPages:
    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard
        self.services = dashboard.services

    async def _channels(self, guild_id: int) -> list[tuple[int, str, str]]:
        return await self.d.discord.channels(guild_id) if self.d.discord is not None else []

    async def _rows(self, guild_id: int, channels: list[tuple[int, str, str]]) -> list[dict[str, Any]]:
        names = {cid: name for cid, name, _ in channels}
        subs = self.services.feed_subscriptions
        return [{"sub": sub, "feed": feed, "channel": names.get(sub.channel_id, str(sub.channel_id)),
                 "posts": await subs.posts_made(sub.id)}
                for sub, feed in await subs.for_guild(guild_id) if feed is not None]

    async def list(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, manage=True)
        channels = await self._channels(access.guild_id)
        return self.d.page(request, "feeds.html", access=access, rows=await self._rows(access.guild_id, channels),
                           channels=channels, modes=MODES, matches=MATCHES, form={}, preview=None, error=None)

    async def preview(self, request: web.Request) -> web.Response:
        """What following this feed would bring: the newest items its filters let through (nothing is saved)."""
        access = await self.d.guild_access(request, manage=True)
        form = await self.d.checked_form(request)
        channels = await self._channels(access.guild_id)
        fields = _fields(form)
        error, items, title = None, [], None
        try:
            _check(fields, channels)
            rules = compiled_rules(fields["include"], fields["exclude"], fields["rules"], fields["match"])
            if isinstance(rules, RuleError):
                raise FeedProblem(str(rules))
            _, parsed = await self.services.feed_subscriptions.resolve(fields["url"])
            title = parsed.title
            items = [i for i in parsed.items if rules.refusal(i) is None][:5]
        except FeedProblem as exc:
            error = str(exc)
        return self.d.page(request, "feeds.html", status=400 if error else 200, access=access,
                           rows=await self._rows(access.guild_id, channels),
                           channels=channels, modes=MODES, matches=MATCHES, form=fields, error=error,
                           preview={"title": title, "items": items} if error is None else None)

    async def add(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, manage=True)
        form = await self.d.checked_form(request)
        fields = _fields(form)
        session = self.d.session(request)
        try:
            _check(fields, await self._channels(access.guild_id))
            result = await self.services.feed_subscriptions.subscribe(
                fields["url"], guild_id=access.guild_id, channel_id=int(fields["channel_id"]), mode=fields["mode"],
                summary=fields["summary"], include=fields["include"], exclude=fields["exclude"],
                created_by=session.user_id, rules=fields["rules"], match=fields["match"],
                daily_cap=fields["daily_cap"], min_gap_minutes=fields["min_gap_minutes"])
        except FeedProblem as exc:
            return await self._back(request, access.guild_id, f"Could not follow that feed: {exc}")
        self.services.scheduler.wake()
        await self._log(access.guild_id, request, actions.FEED_ADD, result.feed_title or result.feed.url,
                        int(fields["channel_id"]))
        return await self._back(request, access.guild_id,
                                f"Following {result.feed_title or result.feed.url}: {result.items} current items "
                                "were marked as already seen, so only new stories will be posted.")

    async def change(self, request: web.Request) -> web.Response:
        """Pause, resume, remove or edit one subscription (`action` in the form)."""
        access = await self.d.guild_access(request, manage=True)
        form = await self.d.checked_form(request)
        subs = self.services.feed_subscriptions
        sub_id = str(form.get("subscription", ""))
        sub = await subs.get(int(sub_id)) if sub_id.isdigit() else None
        if sub is None or sub.guild_id != access.guild_id:  # another server's id grants nothing
            raise web.HTTPNotFound(text="No such feed in this server.")
        title = next((f.title or f.url for s, f in await subs.for_guild(access.guild_id) if s.id == sub.id and f),
                     str(sub.id))
        action = str(form.get("action", ""))
        if action == "pause":
            await subs.pause(sub.id)
            logged, message = actions.FEED_PAUSE, "Paused: nothing is posted from it until you resume it."
        elif action == "resume":
            await subs.resume(sub)
            logged, message = actions.FEED_RESUME, "Resumed: stories published while it was paused are skipped."
        elif action == "remove":
            await subs.remove(sub.id)
            logged, message = actions.FEED_REMOVE, "Stopped following that feed in that channel."
        elif action == "edit":
            fields = _fields(form)  # the form holds every setting: an empty field clears it
            try:
                await subs.edit(sub.id, summary=fields["summary"], include_filter=fields["include"],
                                exclude_filter=fields["exclude"], filter_rules=fields["rules"] or "",
                                filter_match=fields["match"], daily_cap=fields["daily_cap"] or 0,
                                min_gap_minutes=fields["min_gap_minutes"] or 0, webhook=fields["webhook"])
            except FeedProblem as exc:
                return await self._back(request, access.guild_id, f"Not saved: {exc}")
            logged, message = actions.FEED_EDIT, "Saved."
        else:
            raise web.HTTPBadRequest(text="Unknown action.")
        await self._log(access.guild_id, request, logged, title, sub.channel_id)
        return await self._back(request, access.guild_id, message)

    async def history(self, request: web.Request) -> web.Response:
        """One subscription's delivery history: each recent item and why it was, or was not, posted."""
        access = await self.d.guild_access(request, manage=True)
        raw = request.match_info["subscription_id"]
        sub = await self.services.feed_subscriptions.get(int(raw)) if raw.isdigit() and len(raw) < 19 else None
        if sub is None or sub.guild_id != access.guild_id:
            raise web.HTTPNotFound(text="No such feed in this server.")
        title = next((f.title or f.url for s, f in await self.services.feed_subscriptions.for_guild(access.guild_id)
                      if s.id == sub.id and f), str(sub.id))
        channels = {cid: name for cid, name, _ in await self._channels(access.guild_id)}
        return self.d.page(request, "deliveries.html", access=access, sub=sub, title=title,
                           channel=channels.get(sub.channel_id, str(sub.channel_id)),
                           deliveries=await self.services.feed_subscriptions.history(sub.id))

    async def _log(self, guild_id: int, request: web.Request, action: str, feed: str, channel_id: int) -> None:
        session = self.d.session(request)
        assert session.user_id is not None
        await self.services.moderation.record(guild_id=guild_id, moderator_id=session.user_id, action=action,
                                              details={"feed": feed[:200], "channel_id": channel_id})

    async def _back(self, request: web.Request, guild_id: int, message: str) -> web.Response:
        self.d.flash(request, message)
        raise web.HTTPSeeOther(f"/g/{guild_id}/feeds")


def _filter(value: Any) -> str | None:
    text = " ".join(str(value or "").split())[:MAX_FILTER]
    return text or None


def _count(value: Any) -> int | None:
    """A cap or gap from the form: a whole number, else None (no cap); bounded like the slash options."""
    text = str(value or "").strip()
    return min(int(text), 10_000) if text.isdigit() and len(text) < 7 else None


def _fields(form: Any) -> dict[str, Any]:
    match = str(form.get("match", "all"))
    return {"url": str(form.get("url", "")).strip()[:2000], "channel_id": str(form.get("channel_id", "")),
            "mode": str(form.get("mode", "thread")), "summary": form.get("summary") == "on",
            "webhook": form.get("webhook") == "on",
            "include": _filter(form.get("include")), "exclude": _filter(form.get("exclude")),
            "rules": str(form.get("rules") or "").strip()[:MAX_RULES_TEXT] or None,
            "match": match if match in MATCHES else "all",
            "daily_cap": _count(form.get("daily_cap")), "min_gap_minutes": _count(form.get("min_gap_minutes"))}


def _check(fields: dict[str, Any], channels: list[tuple[int, str, str]]) -> None:
    """The same rules as `/feed add`: a known channel, and forum mode exactly for a forum channel."""
    if not fields["url"]:
        raise FeedProblem("Give the feed's (or the site's) address.")
    kinds = {str(cid): kind for cid, _, kind in channels}
    if fields["channel_id"] not in kinds:
        raise FeedProblem("Pick one of this server's channels.")
    if fields["mode"] not in MODES:
        raise FeedProblem(f"The mode is one of {', '.join(MODES)}.")
    if (fields["mode"] == "forum") != (kinds[fields["channel_id"]] == "forum"):
        raise FeedProblem("A forum channel takes forum posts, and forum posts need a forum channel: "
                          "pick mode forum for a forum channel, thread or plain for a text channel.")
