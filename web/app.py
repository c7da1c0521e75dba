"""The dashboard's aiohttp application: login, the servers you may manage, and each server's pages.

Every page under /g/{guild} re-checks the person's access to that server (web.access) before reading a thing,
so a guild id in the URL grants nothing; every form carries the session's CSRF token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from aiohttp import web

from bot.services import Services
from web.access import AccessCache, GuildAccess
from web.feeds import FeedPages
from web.moderation import ModerationPages
from web.oauth import DiscordOAuth, OAuthError
from web.ports import DiscordPort
from web.render import templates
from web.server_pages import ServerPages
from web.session import Session, SessionCodec
from web.settings import SettingsPage

__all__ = ["WebConfig", "build_app"]

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROOTS_PER_PAGE = 100
SESSION = web.RequestKey("session", Session)  # set by the middleware on every request
STARTED = web.RequestKey("started", float)
# No script at all, styles inline, nothing framed: a page that shows hostile feed titles and comments.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


@dataclass(frozen=True)
class WebConfig:
    base_url: str  # as the browser reaches the dashboard, e.g. https://news.example.org
    client_id: str
    client_secret: str
    secret_key: str
    discord_api_base: str

    @property
    def authorize_url(self) -> str:
        """Discord's consent page: https://discord.com/oauth2/authorize for the default API base."""
        root = self.discord_api_base.rstrip("/").rsplit("/api", 1)[0]
        return f"{root}/oauth2/authorize"


class Dashboard:
    def __init__(self, services: Services, config: WebConfig, http: httpx.AsyncClient,
                 discord: DiscordPort | None = None) -> None:
        self.services = services
        self.discord = discord  # None: no bot token here, so no channel list and no removals
        self._bot_guilds: tuple[float, set[int]] = (float("-inf"), set())
        self.insights = services.insights
        self.oauth = DiscordOAuth(api_base=config.discord_api_base, authorize_url=config.authorize_url,
                                  client_id=config.client_id, client_secret=config.client_secret,
                                  redirect_uri=f"{config.base_url.rstrip('/')}/callback", http=http)
        self.access = AccessCache(self.oauth.guilds)
        self.sessions = SessionCodec(config.secret_key, secure=config.base_url.startswith("https:"))
        self.templates = templates()
        self.logins = _RateLimit(per_minute=20)

    # --- plumbing -------------------------------------------------------------------------------------------------

    def page(self, request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
        session = request.get(SESSION)
        flash = session.flash if session is not None else None
        if session is not None and flash:  # shown once
            request[SESSION] = session.with_(flash=None)
        html = self.templates.get_template(template).render(session=session, flash=flash, **context)
        return web.Response(text=html, content_type="text/html", status=status)

    def session(self, request: web.Request) -> Session:
        return request[SESSION]

    def flash(self, request: web.Request, message: str) -> None:
        request[SESSION] = request[SESSION].with_(flash=message[:500])

    async def checked_form(self, request: web.Request) -> Any:
        """The posted form, once its CSRF token matches the session's; 403 otherwise."""
        form = await request.post()
        if not request[SESSION].csrf_ok(str(form.get("csrf", ""))):
            raise web.HTTPForbidden(text="This form has expired: reload the page and try again.")
        return form

    def error(self, request: web.Request, status: int, message: str) -> web.Response:
        return self.page(request, "error.html", status=status, code=status, message=message)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        session = self.sessions.load(request)
        request[SESSION] = session
        request[STARTED] = started
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400 or exc.status == 405:  # redirects (and 405's Allow header) go out as they are
                self._finish(request, exc, session)
                raise
            response = self.error(request, exc.status, exc.text or exc.reason)
        except Exception:  # a bug: log it with the ids, answer a plain page
            log.exception("dashboard: %s %s failed", request.method, request.path)
            response = self.error(request, 500, "Something went wrong on our side; it is in the log.")
        self._finish(request, response, session)
        return response

    def _finish(self, request: web.Request, response: web.StreamResponse, loaded: Session) -> None:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        # How long the server took (shown in the browser's network panel; read by benchmarks/web_dashboard.py).
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - request[STARTED]) * 1000:.1f}"
        if request[SESSION] is not loaded:  # a handler changed the session: send the new cookie
            self.sessions.save(response, request[SESSION])

    async def bot_guilds(self) -> set[int]:
        """Servers this dashboard can show: those the bot is in, and any Newsdesk holds data for (the bot may
        have been removed since; its history stays readable). Asked at most once a minute, not per request."""
        now = time.monotonic()
        if now - self._bot_guilds[0] > 60:
            in_discord = await self.discord.guild_ids() if self.discord is not None else set()
            self._bot_guilds = (now, in_discord | await self.insights.known_guilds())
        return self._bot_guilds[1]

    async def guild_access(self, request: web.Request, *, moderate: bool = False, manage: bool = False
                           ) -> GuildAccess:
        """The person's access to the guild in the URL, checked now; 403 whatever the reason it is missing."""
        session: Session = request[SESSION]
        if not session.logged_in or session.token is None:
            raise web.HTTPFound(f"/login?next={request.path_qs}")
        try:
            guild_id = int(request.match_info["guild_id"])
            access = (await self.access.for_token(session.token)).get(guild_id)
        except ValueError:
            access = None
        except OAuthError:  # the token was revoked or expired: log in again
            request[SESSION] = Session()
            raise web.HTTPFound("/") from None
        needed = access is not None and (access.moderate if moderate else access.manage if manage else access.any)
        if access is None or not needed or guild_id not in await self.bot_guilds():
            raise web.HTTPForbidden(text="You may not manage this server here (it needs Manage Server or "
                                         "Manage Messages in it, and Newsdesk must be in it).")
        return access

    # --- login ------------------------------------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        session: Session = request[SESSION]
        if not session.logged_in or session.token is None:
            return self.page(request, "login.html", error=None)
        try:
            mine = await self.access.for_token(session.token)
        except OAuthError:
            request[SESSION] = Session()
            return self.page(request, "login.html", error="Your Discord login expired: log in again.")
        known = await self.bot_guilds()
        servers = sorted((a for a in mine.values() if a.guild_id in known), key=lambda a: a.name.lower())
        return self.page(request, "servers.html", servers=servers)

    async def login(self, request: web.Request) -> web.Response:
        if not self.logins.allow(request.remote or "?"):
            raise web.HTTPTooManyRequests(text="Too many logins from here: wait a minute and try again.")
        start = self.oauth.start()
        next_path = request.query.get("next", "/")
        if not next_path.startswith("/") or next_path.startswith("//"):  # only our own pages
            next_path = "/"
        request[SESSION] = request[SESSION].with_(login_state=start.state, login_verifier=start.verifier,
                                                  next_path=next_path)
        raise web.HTTPFound(start.url)

    async def callback(self, request: web.Request) -> web.Response:
        session: Session = request[SESSION]
        if not self.logins.allow(request.remote or "?"):
            raise web.HTTPTooManyRequests(text="Too many logins from here: wait a minute and try again.")
        state, code = request.query.get("state"), request.query.get("code")
        if not session.login_state or state != session.login_state or not code or not session.login_verifier:
            return self.page(request, "login.html", status=400,
                             error="That login link was not started here or was already used: log in again.")
        try:
            token = await self.oauth.exchange(code, session.login_verifier)
            user = await self.oauth.user(token)
        except OAuthError as exc:
            return self.page(request, "login.html", status=400, error=str(exc))
        # A new CSRF secret for the new identity; the login's one-time values are dropped.
        request[SESSION] = Session(user_id=user.id, user_name=user.name, token=token)
        raise web.HTTPFound(session.next_path)

    async def logout(self, request: web.Request) -> web.Response:
        await self.checked_form(request)
        session: Session = request[SESSION]
        if session.token:
            self.access.forget(session.token)
        request[SESSION] = Session()
        raise web.HTTPFound("/")

class _RateLimit:
    """At most `per_minute` events per key in any 60 s window (logins per address)."""

    def __init__(self, per_minute: int) -> None:
        self._limit = per_minute
        self._seen: dict[str, list[float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        recent = [t for t in self._seen.get(key, []) if now - t < 60]
        if len(recent) >= self._limit:
            self._seen[key] = recent
            return False
        recent.append(now)
        self._seen[key] = recent
        if len(self._seen) > 10_000:
            self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < 60}
        return True


def build_app(services: Services, config: WebConfig, http: httpx.AsyncClient,
              discord: DiscordPort | None = None) -> web.Application:
    dashboard = Dashboard(services, config, http, discord)
    feeds = FeedPages(dashboard)
    moderation = ModerationPages(dashboard)
    settings = SettingsPage(dashboard)
    server = ServerPages(dashboard)
    app = web.Application(middlewares=[dashboard.middleware], client_max_size=64 * 1024)
    app.router.add_get("/", dashboard.index)
    app.router.add_get("/login", dashboard.login)
    app.router.add_get("/callback", dashboard.callback)
    app.router.add_post("/logout", dashboard.logout)
    app.router.add_get("/g/{guild_id}", server.overview)
    app.router.add_get("/g/{guild_id}/articles/{article_id}", server.article)
    app.router.add_get("/g/{guild_id}/modlog", server.modlog)
    app.router.add_get("/g/{guild_id}/search", server.search)
    app.router.add_get("/g/{guild_id}/activity", server.activity)
    app.router.add_get("/g/{guild_id}/export.{fmt:json|csv}", server.export)
    app.router.add_get("/g/{guild_id}/feeds", feeds.list)
    app.router.add_post("/g/{guild_id}/feeds/preview", feeds.preview)
    app.router.add_post("/g/{guild_id}/feeds/add", feeds.add)
    app.router.add_post("/g/{guild_id}/feeds/change", feeds.change)
    app.router.add_get("/g/{guild_id}/feeds/{subscription_id}", feeds.history)
    app.router.add_get("/g/{guild_id}/queue", moderation.queue)
    app.router.add_post("/g/{guild_id}/queue", moderation.decide)
    app.router.add_get("/g/{guild_id}/filters", moderation.filters)
    app.router.add_post("/g/{guild_id}/filters", moderation.change_filter)
    app.router.add_get("/g/{guild_id}/mutes", moderation.mutes)
    app.router.add_post("/g/{guild_id}/mutes", moderation.unmute)
    app.router.add_get("/g/{guild_id}/members/{user_id}", moderation.member)
    app.router.add_post("/g/{guild_id}/members/{user_id}/notes", moderation.add_note)
    app.router.add_get("/g/{guild_id}/members/{user_id}/history.json", moderation.member_export)
    app.router.add_get("/g/{guild_id}/settings", settings.show)
    app.router.add_post("/g/{guild_id}/settings", settings.change)
    return app

