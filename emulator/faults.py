"""Faults on demand (5xx, 429 bursts, slow responses on chosen routes), Discord's rate-limit headers, the
request log, and the aiohttp middleware that applies them and turns `ApiError` into Discord's error body."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from emulator.errors import ApiError
from emulator.wire import API_PREFIX, json_response

__all__ = ["FaultRule", "Faults", "RequestRecord"]

_log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _compile(route: str) -> tuple[str | None, re.Pattern[str]]:
    """`"POST /channels/{channel_id}/messages"` -> (method, regex). `{name}` matches one path segment."""
    method, _, path = route.strip().partition(" ")
    if not path:
        method, path = "", method
    pattern = re.escape(path.rstrip("/"))
    pattern = re.sub(r"\\\{[^}]*\\\}", r"[^/]+", pattern)
    return (method.upper() or None), re.compile(f"^{pattern}/?$")


@dataclass(eq=False)
class FaultRule:
    method: str | None
    pattern: re.Pattern[str]
    kind: str  # "status" | "ratelimit" | "delay"
    remaining: int | None  # None: until cleared
    status: int = 500
    retry_after: float = 0.05
    is_global: bool = False
    delay: float = 0.0
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.pattern.match(path))


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # relative to /api/v10
    status: int  # 0: dropped unanswered (the emulator stopped during a slow fault)
    at: float = field(default_factory=time.time)


class Faults:
    """Rules are consulted in order for each REST request (paths relative to /api/v10)."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.requests: list[RequestRecord] = []
        # Exceptions the emulator itself raised while handling a request (bugs): tests should fail on these.
        self.internal_errors: list[BaseException] = []
        # Set to a list to capture every REST answer as (method, path, status, JSON body) — contract tests.
        self.capture: list[tuple[str, str, int, object]] | None = None
        self._delayed: set[asyncio.Future[bool]] = set()

    def fail(self, route: str, status: int = 500, times: int | None = 1) -> FaultRule:
        """Answer `status` (e.g. 500, 502, 503) to the next `times` requests matching `route`."""
        method, pattern = _compile(route)
        return self._add(FaultRule(method, pattern, "status", times, status=status))

    def rate_limit(self, route: str, times: int | None = 1, retry_after: float = 0.05,
                   is_global: bool = False) -> FaultRule:
        """Answer 429 with `retry_after`, `Via` and X-RateLimit-* headers, as Discord does."""
        method, pattern = _compile(route)
        return self._add(FaultRule(method, pattern, "ratelimit", times, status=429, retry_after=retry_after,
                                   is_global=is_global))

    def slow(self, route: str, seconds: float, times: int | None = None) -> FaultRule:
        method, pattern = _compile(route)
        return self._add(FaultRule(method, pattern, "delay", times, delay=seconds))

    def clear(self) -> None:
        self.rules.clear()

    def drop_delayed(self) -> None:
        """End every delay under way: those requests are dropped unanswered, as by a server that went away
        (`DiscordEmulator.stop` calls this, so it does not wait out a slow fault nobody is waiting for)."""
        self._end_delays(False)

    def release_delayed(self) -> None:
        """End every delay under way now: those requests are handled at once. With a long `slow` fault, a
        test holds a request for exactly as long as it needs to (no guessed duration to wait out)."""
        self._end_delays(True)

    def _end_delays(self, proceed: bool) -> None:
        for waiter in self._delayed:
            _settle(waiter, proceed)

    async def _delay(self, seconds: float) -> bool:
        """Wait `seconds`; False if `drop_delayed` ended the wait first."""
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        timer = asyncio.get_running_loop().call_later(seconds, _settle, waiter, True)
        self._delayed.add(waiter)
        try:
            return await waiter
        finally:
            timer.cancel()
            self._delayed.discard(waiter)

    def count(self, route: str) -> int:
        """How many requests matching `route` the emulator has received (faulted ones included)."""
        method, pattern = _compile(route)
        return sum(1 for r in self.requests if (method is None or r.method == method) and pattern.match(r.path))

    def _add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def _take(self, method: str, path: str) -> list[FaultRule]:
        taken = []
        for rule in list(self.rules):
            if rule.matches(method, path):
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
                taken.append(rule)
                if rule.kind != "delay":
                    break
        return taken

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        path = request.path[len(API_PREFIX):] or "/"
        bucket = re.sub(r"\d{15,}", "id", f"{request.method} {path}")
        response: web.StreamResponse
        for rule in self._take(request.method, path):
            if rule.kind == "delay":
                if not await self._delay(rule.delay):  # stopping: the connection drops, nothing is answered
                    if request.transport is not None:
                        request.transport.abort()
                    self.requests.append(RequestRecord(request.method, path, 0))
                    return web.Response(status=503)  # aiohttp cannot send it: the connection is gone
            elif rule.kind == "ratelimit":
                response = json_response(
                    {"message": "You are being rate limited.", "retry_after": rule.retry_after,
                     "global": rule.is_global, "code": 0}, status=429)
                response.headers.update(_ratelimit_headers(bucket, remaining=0, reset_after=rule.retry_after))
                response.headers["Retry-After"] = str(max(1, round(rule.retry_after)))
                if rule.is_global:
                    response.headers["X-RateLimit-Global"] = "true"
                    response.headers["X-RateLimit-Scope"] = "global"
                else:
                    response.headers["X-RateLimit-Scope"] = "user"
                return self._log(request, path, response)
            else:
                response = json_response({"message": f"{rule.status}: emulated server error", "code": 0},
                                         status=rule.status)
                return self._log(request, path, response)
        try:
            response = await handler(request)
        except ApiError as exc:
            response = json_response(exc.body(), status=exc.status)
        except web.HTTPException:
            raise
        except Exception as exc:  # an emulator bug: answer a non-retried 5xx at once and remember it
            _log.exception("emulator failed handling %s %s", request.method, path)
            self.internal_errors.append(exc)
            response = json_response({"message": f"emulator internal error: {exc!r}", "code": 0}, status=503)
        response.headers.update(_ratelimit_headers(bucket, remaining=49, reset_after=1.0))
        return self._log(request, path, response)

    def _log(self, request: web.Request, path: str, response: web.StreamResponse) -> web.StreamResponse:
        response.headers["Via"] = "1.1 google"
        if self.capture is not None and isinstance(response, web.Response) and response.body:
            import json

            self.capture.append((request.method, path, response.status, json.loads(response.body)))  # type: ignore[arg-type]
        self.requests.append(RequestRecord(request.method, path, response.status))
        return response


def _settle(waiter: asyncio.Future[bool], proceed: bool) -> None:
    if not waiter.done():
        waiter.set_result(proceed)


def _ratelimit_headers(bucket: str, *, remaining: int, reset_after: float) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": format(abs(hash(bucket)), "x"),
    }
