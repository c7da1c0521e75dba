"""Sessions in a signed cookie (itsdangerous): nothing to share between any number of `newsdesk web` processes
but the key. The cookie is HttpOnly, SameSite=Lax and Secure when the dashboard is served over https.

A session holds who is logged in, their Discord access token (needed to re-check their servers and
permissions), a per-session CSRF secret, and during login the OAuth2 `state` and PKCE verifier.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = ["COOKIE", "Session", "SessionCodec"]

COOKIE = "newsdesk_session"
MAX_AGE = 7 * 24 * 3600


@dataclass(frozen=True)
class Session:
    user_id: int | None = None
    user_name: str | None = None
    token: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    login_state: str | None = None
    login_verifier: str | None = None
    next_path: str = "/"
    flash: str | None = None  # one message shown on the next page (after a form's redirect)

    @property
    def logged_in(self) -> bool:
        return self.user_id is not None and self.token is not None

    def with_(self, **changes: Any) -> Session:
        return replace(self, **changes)

    def csrf_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token, self.csrf)


class SessionCodec:
    def __init__(self, secret_key: str, *, secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="newsdesk-web-session")
        self._secure = secure

    def load(self, request: web.Request) -> Session:
        """The request's session; a missing, forged or expired cookie is a new, logged-out session."""
        raw = request.cookies.get(COOKIE)
        if not raw:
            return Session()
        try:
            data = self._serializer.loads(raw, max_age=MAX_AGE)
            return Session(**data)
        except (BadSignature, TypeError, ValueError):
            return Session()

    def save(self, response: web.StreamResponse, session: Session) -> None:
        response.set_cookie(COOKIE, self._serializer.dumps(asdict(session)), max_age=MAX_AGE, httponly=True,
                            samesite="Lax", secure=self._secure, path="/")

    def clear(self, response: web.StreamResponse) -> None:
        response.del_cookie(COOKIE, path="/")
