"""A server's pages on the dashboard: overview, a story's discussion, activity charts, search, the moderation
log and exports. Each asks `Dashboard.guild_access` first and reads through services only."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from aiohttp import web

from bot.comments.tree import build_tree
from web.charts import bar_chart, ranked_bars, stacked_bars
from web.render import when

if TYPE_CHECKING:
    from web.app import Dashboard

__all__ = ["ROOTS_PER_PAGE", "ServerPages"]

# A busy story's discussion comes a hundred conversations (top-level comments with their replies) a page.
ROOTS_PER_PAGE = 100


class ServerPages:
    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard

    async def overview(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request)
        now = time.time()
        hours = await self.d.insights.comments_per_hour(access.guild_id, since=now - 48 * 3600)
        chart = bar_chart([(h.hour, h.count) for h in hours], title="Comments per hour",
                          start=_hour(now) - 47 * 3600, end=_hour(now) + 3600)
        channels = await self.d.discord.channels(access.guild_id) if self.d.discord is not None else []
        return self.d.page(request, "overview.html", access=access, chart=chart,
                         channel_names={cid: name for cid, name, _ in channels},
                         feeds=await self.d.insights.feed_health(access.guild_id),
                         stories=await self.d.insights.stories(access.guild_id, since=now - 24 * 3600))

    async def article(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request)
        try:
            article_id = int(request.match_info["article_id"])
        except ValueError:
            raise web.HTTPNotFound(text="No such story.") from None
        article = await self.d.services.articles.get(article_id)
        if article is None or not await self.d.insights.article_in_guild(access.guild_id, article_id):
            raise web.HTTPNotFound(text="No such story in this server.")
        comments = await self.d.services.comments.for_article(access.guild_id, article_id)
        roots = build_tree(comments)
        # A busy story's discussion comes a hundred conversations (top-level comments with their replies) a page.
        pages = max(1, -(-len(roots) // ROOTS_PER_PAGE))
        raw = request.query.get("page", "1")
        page = min(max(int(raw), 1), pages) if raw.isdigit() and len(raw) < 6 else 1
        first = min((c.created_at for c in comments), default=time.time())
        start = _hour(first)
        end = max(start + 24 * 3600, _hour(max((c.created_at for c in comments), default=start)) + 3600)
        # The comments are loaded already: the chart counts them (bar_chart buckets by hour).
        chart = bar_chart([(c.created_at, 1) for c in comments], title="Comments per hour", start=start,
                          end=min(end, start + 14 * 24 * 3600))
        reactions = await self.d.insights.reactions_on_article(access.guild_id, article_id)
        revisions = (await self.d.insights.revisions_on_article(access.guild_id, article_id) if access.moderate
                     else {})
        return self.d.page(request, "article.html", access=access, article=article, reactions=reactions,
                         revisions=revisions,
                         roots=roots[(page - 1) * ROOTS_PER_PAGE:page * ROOTS_PER_PAGE], page=page, pages=pages,
                         count=len(comments), chart=chart)

    async def modlog(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, moderate=True)
        rows = await self.d.services.moderation.history(access.guild_id, limit=200)
        actions = [{"when": when(a.created_at), "action": a.action,
                    "by": "Newsdesk" if a.moderator_id == 0 else str(a.moderator_id),  # 0: older logs
                    "target": a.target_user_id or a.target_message_id or a.target_thread_id or "",
                    "reason": a.reason} for a in rows]
        return self.d.page(request, "modlog.html", access=access, actions=actions)


    async def export(self, request: web.Request) -> web.Response:
        """The server's discussion (or one story's) as a download, as `/comments export` gives it."""
        access = await self.d.guild_access(request, moderate=True)
        fmt = request.match_info["fmt"]
        article = request.query.get("article", "")
        article_id = int(article) if article.isdigit() else None
        body = await self.d.services.exporter.export(access.guild_id, fmt, article_id)
        name = f"comments-{access.guild_id}-{article_id or 'all'}.{fmt}"
        return web.Response(body=body, headers={
            "Content-Type": "application/json" if fmt == "json" else "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"'})

    async def activity(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request)
        now = time.time()
        figures = await self.d.insights.activity(access.guild_id, now=now)
        gid = access.guild_id
        day_start = now - now % 86400
        charts = {
            "Most discussed stories, last 7 days": ranked_bars(
                [(r.label, r.value, f"/g/{gid}/articles/{r.key}") for r in figures.most_discussed],
                title="Comments per story"),
            "Most active commenters, last 30 days": ranked_bars(
                [(r.label, r.value, None) for r in figures.commenters], title="Comments per member"),
            "Reactions per day": bar_chart([(d.day, d.count) for d in figures.reactions], title="Reactions per day",
                                           start=day_start - 29 * 86400, end=day_start + 86400, step=86400),
            "Moderation actions per day": stacked_bars(
                [(d.day, d.kind, d.count) for d in figures.moderation], title="Moderation actions per day",
                start=day_start - 29 * 86400, end=day_start + 86400),
            "Feed latency (median minutes from publication to post)": ranked_bars(
                [(r.label, r.value, None) for r in figures.latency], title="Feed latency", unit=" min"),
        }
        return self.d.page(request, "activity.html", access=access, charts=charts)

    async def search(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, moderate=True)
        q = request.query
        text = q.get("q", "").strip()[:200]
        article = q.get("article", "").strip()
        days = q.get("days", "").strip()
        hits = []
        if text:
            hits = await self.d.insights.search(
                access.guild_id, text, article_id=int(article) if article.isdigit() else None,
                author=q.get("author", "").strip()[:100] or None,
                since=time.time() - int(days) * 86400 if days.isdigit() and 0 < int(days) < 36500 else None)
        return self.d.page(request, "search.html", access=access, hits=hits, q=text, article=article,
                         author=q.get("author", ""), days=days)


def _hour(at: float) -> float:
    return at - at % 3600

