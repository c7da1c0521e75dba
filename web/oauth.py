""""Login with Discord": the OAuth2 authorization-code flow with PKCE, and the two identity calls we need.

Only the `identify` and `guilds` scopes are asked for: who the person is, and which servers they are in with
what permissions. The bot token is never used here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

__all__ = ["DiscordOAuth", "LoginStart", "OAuthError", "UserGuild", "WebUser"]

SCOPES = ("identify", "guilds")


class OAuthError(Exception):
    """Discord refused the login (a bad or used code, wrong credentials) or could not be reached."""


@dataclass(frozen=True)
class LoginStart:
    url: str  # where to send the browser
    state: str  # kept in the session: the callback must bring it back (CSRF on the login itself)
    verifier: str  # PKCE: proves the callback comes from the browser that started the login


@dataclass(frozen=True)
class WebUser:
    id: int
    name: str


@dataclass(frozen=True)
class UserGuild:
    id: int
    name: str
    permissions: int
    owner: bool


class DiscordOAuth:
    def __init__(self, *, api_base: str, authorize_url: str, client_id: str, client_secret: str,
                 redirect_uri: str, http: httpx.AsyncClient) -> None:
        self._api = api_base.rstrip("/")
        self._authorize_url = authorize_url
        self.client_id = client_id
        self._secret = client_secret
        self.redirect_uri = redirect_uri
        self._http = http

    def start(self) -> LoginStart:
        state = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = urlencode({"client_id": self.client_id, "response_type": "code", "redirect_uri": self.redirect_uri,
                           "scope": " ".join(SCOPES), "state": state, "prompt": "none",
                           "code_challenge": challenge, "code_challenge_method": "S256"})
        return LoginStart(f"{self._authorize_url}?{query}", state, verifier)

    async def exchange(self, code: str, verifier: str) -> str:
        """The access token for an authorization code."""
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "code_verifier": verifier}
        try:
            response = await self._http.post(f"{self._api}/oauth2/token", data=data,
                                             auth=(self.client_id, self._secret))
        except httpx.HTTPError as exc:
            raise OAuthError(f"could not reach Discord ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise OAuthError(_describe(response))
        token = response.json().get("access_token")
        if not isinstance(token, str):
            raise OAuthError("Discord answered without an access token")
        return token

    async def user(self, token: str) -> WebUser:
        body = await self._get(token, "/users/@me")
        if not isinstance(body, dict):
            raise OAuthError("Discord answered /users/@me with something else than a user")
        return WebUser(int(body["id"]), str(body.get("global_name") or body["username"]))

    async def guilds(self, token: str) -> list[UserGuild]:
        body = await self._get(token, "/users/@me/guilds")
        if not isinstance(body, list):
            raise OAuthError("Discord answered /users/@me/guilds with something else than a list")
        return [UserGuild(int(g["id"]), str(g["name"]), int(g.get("permissions", 0)), bool(g.get("owner")))
                for g in body]

    async def _get(self, token: str, path: str) -> Any:
        try:
            response = await self._http.get(f"{self._api}{path}", headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise OAuthError(f"could not reach Discord ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise OAuthError(_describe(response))
        return response.json()


def _describe(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail = body.get("error_description") or body.get("message") or response.reason_phrase
    return f"Discord refused the login ({response.status_code}: {str(detail)[:200]})"
