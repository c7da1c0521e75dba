"""Discord's OAuth2 authorization-code flow, emulated, so "Login with Discord" runs with no internet.

- `GET /oauth2/authorize`: Discord's consent screen. Here it lists the people of the emulated world, each a
  one-click "Authorize as ..." link (tests follow the link of the person they want). With
  `integration_type=1` it is the user install ("Add to My Apps"): scope `applications.commands` without `bot`,
  refused when the application's User Install box is off; the chosen person gets the app (`install_app`).
- `POST /api/v10/oauth2/token`: code -> bearer token. Checks the client id and secret, the redirect URI and, when
  the code was asked for with one, the PKCE verifier (S256 only, as Discord does). Codes are single-use.
- `GET /api/v10/users/@me` (a Bot token gets the bot user, as before) and `/users/@me/guilds` with `Authorization: Bearer ...`: the user, and the guilds
  they are a member of with their computed permissions (as a string, like Discord).

Errors have Discord's OAuth2 shape: `{"error": "invalid_grant", "error_description": ...}` with status 400/401.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from aiohttp import web

from emulator import payloads
from emulator.wire import json_response

if TYPE_CHECKING:
    from emulator.server import EmulatorServer

__all__ = ["OAuthApp", "add_oauth_routes"]

CODE_TTL = 600.0
TOKEN_TTL = 604_800


@dataclass
class _Grant:
    user_id: int
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str | None
    expires: float


@dataclass
class OAuthApp:
    """The application's OAuth2 settings (its client id is the application id) and issued codes/tokens."""

    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    redirect_uris: set[str] = field(default_factory=set)  # empty: any redirect URI is accepted
    codes: dict[str, _Grant] = field(default_factory=dict)
    tokens: dict[str, tuple[int, tuple[str, ...], float]] = field(default_factory=dict)  # token -> user, scopes, expiry


def _error(status: int, error: str, description: str) -> web.Response:
    return json_response({"error": error, "error_description": description}, status=status)


def add_oauth_routes(router: web.UrlDispatcher, server: EmulatorServer, prefix: str) -> None:
    oauth = server.oauth
    world = server.world

    async def authorize(request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != str(world.application_id):
            return web.Response(status=400, text="Unknown application (client_id)")
        if q.get("integration_type", "0") == "1":
            return user_install(q)
        if q.get("response_type") != "code":
            return web.Response(status=400, text="response_type must be code")
        redirect_uri = q.get("redirect_uri", "")
        if oauth.redirect_uris and redirect_uri not in oauth.redirect_uris:
            return web.Response(status=400, text="Invalid OAuth2 redirect_uri")
        if q.get("code_challenge") and q.get("code_challenge_method") != "S256":
            return web.Response(status=400, text="code_challenge_method must be S256")
        user_id = q.get("login_as")
        if user_id is None:  # the consent screen: one link per person of the world
            links = []
            for user in world.users.values():
                if user.bot or user.id == world.owner_user.id:
                    continue
                target = f"/oauth2/authorize?{urlencode({**q, 'login_as': str(user.id)})}"
                links.append(f'<li><a href="{html.escape(target)}" data-user="{user.id}">'
                             f"Authorize as {html.escape(user.username)}</a></li>")
            page = (f"<!doctype html><title>Discord - Authorize</title><h1>Log in to the application</h1>"
                    f"<p>Scopes: {html.escape(q.get('scope', ''))}</p><ul>{''.join(links)}</ul>")
            return web.Response(text=page, content_type="text/html")
        if not user_id.isdigit() or int(user_id) not in world.users:
            return web.Response(status=400, text="Unknown user")
        code = secrets.token_urlsafe(20)
        oauth.codes[code] = _Grant(int(user_id), redirect_uri, tuple(q.get("scope", "").split()),
                                   q.get("code_challenge"), time.time() + CODE_TTL)
        back = {"code": code, **({"state": q["state"]} if "state" in q else {})}
        raise web.HTTPFound(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(back)}")

    def user_install(q: Mapping[str, str]) -> web.Response:
        scopes = q.get("scope", "").split()
        if "applications.commands" not in scopes or "bot" in scopes:
            return web.Response(status=400, text="A user install takes the applications.commands scope, not bot")
        if not world.user_install_enabled:
            return web.Response(status=400, text="This application cannot be installed to a user account")
        user_id = q.get("login_as")
        if user_id is None:
            links = "".join(
                f'<li><a href="/oauth2/authorize?{html.escape(urlencode({**q, "login_as": str(u.id)}))}" '
                f'data-user="{u.id}">Add to My Apps as {html.escape(u.username)}</a></li>'
                for u in world.users.values() if not u.bot and u.id != world.owner_user.id)
            return web.Response(text=f"<!doctype html><title>Discord - Add app</title><ul>{links}</ul>",
                                content_type="text/html")
        if not user_id.isdigit() or int(user_id) not in world.users:
            return web.Response(status=400, text="Unknown user")
        world.user_installs.add(int(user_id))
        return web.Response(text="<!doctype html><title>Discord</title><p>Added to your apps.</p>",
                            content_type="text/html")

    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        client_id, client_secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
        if request.headers.get("Authorization", "").startswith("Basic "):
            decoded = base64.b64decode(request.headers["Authorization"][6:]).decode()
            client_id, _, client_secret = decoded.partition(":")
        if client_id != str(world.application_id) or not secrets.compare_digest(client_secret, oauth.client_secret):
            return _error(401, "invalid_client", "Invalid client credentials")
        if form.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type", "Only authorization_code is emulated")
        grant = oauth.codes.pop(str(form.get("code", "")), None)  # single use
        if grant is None or grant.expires < time.time():
            return _error(400, "invalid_grant", 'Invalid "code" in request.')
        if str(form.get("redirect_uri", "")) != grant.redirect_uri:
            return _error(400, "invalid_grant", 'Invalid "redirect_uri" in request.')
        if grant.challenge is not None:
            verifier = str(form.get("code_verifier", ""))
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not secrets.compare_digest(digest, grant.challenge):
                return _error(400, "invalid_grant", "Invalid code_verifier")
        access = secrets.token_urlsafe(24)
        oauth.tokens[access] = (grant.user_id, grant.scopes, time.time() + TOKEN_TTL)
        return json_response({"access_token": access, "token_type": "Bearer", "expires_in": TOKEN_TTL,
                                  "refresh_token": secrets.token_urlsafe(24), "scope": " ".join(grant.scopes)})

    def bearer(request: web.Request, scope: str) -> int:
        auth = request.headers.get("Authorization", "")
        entry = oauth.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if entry is None or entry[2] < time.time():
            raise web.HTTPUnauthorized(text='{"message": "401: Unauthorized", "code": 0}',
                                       content_type="application/json")
        if scope not in entry[1]:
            raise web.HTTPForbidden(text='{"message": "Missing Access", "code": 50001}',
                                    content_type="application/json")
        return entry[0]

    async def me(request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("Bearer "):  # the bot asking who it is
            server.authorize(request)
            return json_response({**payloads.user(world.bot_user), "verified": True, "mfa_enabled": False,
                                      "email": None, "locale": "en-US"})
        return json_response(payloads.user(world.user(bearer(request, "identify"))))

    async def my_guilds(request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("Bearer "):  # the bot's own servers
            server.authorize(request)
            user_id = world.bot_user.id
        else:
            user_id = bearer(request, "guilds")
        out: list[dict[str, object]] = []
        for guild in world.guilds.values():
            if user_id in guild.members:
                out.append({"id": str(guild.id), "name": guild.name, "icon": None,
                            "owner": guild.owner_id == user_id, "features": [],
                            "permissions": str(world.base_permissions(guild, user_id))})
        return json_response(out)

    router.add_get("/oauth2/authorize", authorize)
    router.add_post(f"{prefix}/oauth2/token", token)
    router.add_get(f"{prefix}/users/@me", me)
    router.add_get(f"{prefix}/users/@me/guilds", my_guilds)
