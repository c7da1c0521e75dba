"""`FeedFetcher`: one shared, guarded, polite HTTP client for feeds and article pages.

Every fetch goes through the same checks: the SSRF guard on each redirect hop and on the address actually
connected (`bot.feeds.guard`), a global and a per-host concurrency limit, connect/read timeouts plus a total
deadline (a server dripping one byte a second never holds a slot for long), and a cap on the *decompressed*
body. Decompression is done here, chunk by chunk with a bounded output, rather than by httpx: its decoders
inflate a whole network chunk at once, so a 64 KB chunk of a gzip bomb would already cost 64 MB.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import re
import ssl
import time
import zlib
from dataclasses import dataclass, field
from types import TracebackType

import httpcore
import httpx

from bot import __version__
from bot.config import Settings
from bot.feeds.errors import (
    BlockedAddressError,
    BodyTooLargeError,
    ConnectFailedError,
    ContentDecodingError,
    DnsError,
    FetchError,
    FetchTimeoutError,
    GoneError,
    HttpStatusError,
    InvalidUrlError,
    RateLimitedError,
    RedirectLimitError,
    TlsError,
    shown_url,
)
from bot.feeds.guard import AddressGuard, GuardedNetworkBackend, Resolver

__all__ = ["FEED_ACCEPT", "PAGE_ACCEPT", "FeedFetcher", "FetchError", "FetchResult", "user_agent"]

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
               "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.5, */*;q=0.1")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_RETRY_AFTER = 7 * 86400
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_CHUNK = 64 * 1024


def user_agent(contact_url: str | None) -> str:
    """`Newsdesk/<version> (+<contact>)`: names the bot and, when set, how to reach whoever runs it."""
    contact = f"; +{contact_url}" if contact_url else ""
    return f"Newsdesk/{__version__} (Discord news feed reader{contact})"


@dataclass(frozen=True)
class FetchResult:
    """A successful fetch. `status` 304 means not modified: `body` is empty and the validators are the old ones
    unless the server sent new ones."""

    url: str  # after redirects
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    max_age: int | None  # Cache-Control max-age, seconds: a lower bound for the next poll
    redirects: tuple[str, ...] = field(default=())
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the connection pool rebuilt on the guarded network backend."""

    def __init__(self, backend: GuardedNetworkBackend, limits: httpx.Limits) -> None:
        super().__init__(trust_env=False, limits=limits)
        # httpx does not expose `network_backend`; the pool itself is public httpcore API.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class _Decoder:
    """Decompresses a body incrementally, never producing more than `limit` bytes in total."""

    def __init__(self, encoding: str | None, limit: int, url: str) -> None:
        names = [e.strip().lower() for e in (encoding or "").split(",")]
        names = [n for n in names if n and n != "identity"]
        if len(names) > 1:
            raise ContentDecodingError(f"{shown_url(url)} uses stacked compression {encoding!r}, which is not supported",
                                       url=url)
        self.kind = names[0] if names else None
        if self.kind not in (None, "gzip", "x-gzip", "deflate"):
            raise ContentDecodingError(f"{shown_url(url)} uses the unsupported compression {self.kind!r}; "
                                       "ask the site for gzip or no compression", url=url)
        self.limit = limit
        self.url = url
        self.size = 0
        self.parts: list[bytes] = []
        self._z: zlib._Decompress | None = None
        self._started = False

    def feed(self, data: bytes) -> None:
        if self.kind is None:
            self._emit(data)
            return
        if not self._started:
            self._started = True
            self._z = zlib.decompressobj(self._wbits(data))
        try:
            while data:
                assert self._z is not None
                out = self._z.decompress(data, self.limit - self.size + 1)
                self._emit(out)
                data = self._z.unconsumed_tail
                if self._z.eof and self._z.unused_data:  # a gzip stream of several members
                    data = self._z.unused_data
                    self._z = zlib.decompressobj(self._wbits(data))
        except zlib.error as exc:
            raise ContentDecodingError(f"{self.url} sent a body that claims {self.kind} compression but is "
                                       f"corrupt ({exc})", url=self.url) from None

    def _wbits(self, head: bytes) -> int:
        if self.kind == "deflate":
            # "deflate" is zlib-wrapped by the spec but raw in some servers: look at the header.
            if len(head) >= 2 and head[0] & 0x0F == 8 and ((head[0] << 8) | head[1]) % 31 == 0:
                return zlib.MAX_WBITS
            return -zlib.MAX_WBITS
        return zlib.MAX_WBITS | 16

    def _emit(self, out: bytes) -> None:
        if not out:
            return
        self.size += len(out)
        if self.size > self.limit:
            raise BodyTooLargeError(
                f"{self.url} sent more than {self.limit:,} bytes{' after decompression' if self.kind else ''}; "
                "reading stopped (HTTP_MAX_BODY_BYTES sets the limit)", url=self.url)
        self.parts.append(out)

    def finish(self) -> bytes:
        if self._z is not None:
            try:
                self._emit(self._z.flush())
            except zlib.error as exc:
                raise ContentDecodingError(f"{self.url} sent a truncated {self.kind} body ({exc})",
                                           url=self.url) from None
        return b"".join(self.parts)


class _HostSlots:
    """One semaphore per host, created on demand and dropped when nobody holds or waits for it."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._slots: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}

    def acquire(self, host: str) -> _HostSlot:
        return _HostSlot(self, host)


class _HostSlot:
    def __init__(self, slots: _HostSlots, host: str) -> None:
        self._slots = slots
        self._host = host

    async def __aenter__(self) -> None:
        entry = self._slots._slots.get(self._host)
        if entry is None:
            entry = self._slots._slots[self._host] = (asyncio.Semaphore(self._slots._per_host), [0])
        entry[1][0] += 1
        try:
            await entry[0].acquire()
        except BaseException:
            self._release_user(entry)
            raise

    async def __aexit__(self, *exc: object) -> None:
        entry = self._slots._slots[self._host]
        entry[0].release()
        self._release_user(entry)

    def _release_user(self, entry: tuple[asyncio.Semaphore, list[int]]) -> None:
        entry[1][0] -= 1
        if entry[1][0] == 0:
            self._slots._slots.pop(self._host, None)


class FeedFetcher:
    """Fetches URLs through every guard. Create one per process and `await aclose()` it at shutdown."""

    def __init__(
        self,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        max_redirects: int = 5,
    ) -> None:
        self.settings = settings
        self.guard = AddressGuard(allow_private=settings.allow_private_networks, resolver=resolver)
        self.max_redirects = max_redirects
        self._total = settings.http_total_timeout
        limits = httpx.Limits(max_connections=settings.http_max_concurrency,
                              max_keepalive_connections=settings.http_max_concurrency, keepalive_expiry=30)
        self._client = httpx.AsyncClient(
            transport=_GuardedTransport(GuardedNetworkBackend(self.guard, network_backend), limits),
            timeout=httpx.Timeout(connect=settings.http_connect_timeout, read=settings.http_read_timeout,
                                  write=settings.http_read_timeout, pool=settings.http_total_timeout),
            follow_redirects=False,  # followed by hand, so every hop passes the guard
            trust_env=False,  # an environment proxy would bypass the address checks
            headers={"User-Agent": user_agent(settings.contact_url), "Accept-Encoding": "gzip, deflate"},
        )
        self._global = asyncio.Semaphore(settings.http_max_concurrency)
        self._hosts = _HostSlots(settings.http_per_host_concurrency)

    @property
    def user_agent(self) -> str:
        return str(self._client.headers["User-Agent"])

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> FeedFetcher:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET `url` (conditionally when `etag`/`last_modified` are given). Raises a `FetchError` subclass."""
        parsed = self.guard.check_url(url)
        # Waiting for a slot does not count against the total timeout: with a thousand feeds due at once most
        # of them queue here, and that is our doing, not the server's.
        async with self._global, self._hosts.acquire(parsed.host):
            started = time.monotonic()
            try:
                async with asyncio.timeout(self._total):
                    result = await self._fetch(parsed, etag, last_modified, accept,
                                               max_bytes or self.settings.http_max_body_bytes)
            except TimeoutError:
                raise FetchTimeoutError(
                    f"{shown_url(url)} took longer than {self._total:g} s in total (HTTP_TOTAL_TIMEOUT); the server is too "
                    "slow or stalling, try again later", url=url) from None
        return dataclasses.replace(result, elapsed=time.monotonic() - started)

    async def _fetch(self, start: httpx.URL, etag: str | None, last_modified: str | None, accept: str,
                     limit: int) -> FetchResult:
        """Follow redirects by hand: each hop's URL passes the guard before it is requested (and its address
        when connected). The per-host slot is the first host's: a redirect does not queue a second time."""
        current = start
        visited = [str(current)]
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _hop in range(self.max_redirects + 1):
            response = await self._send(current, headers)
            try:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    try:
                        joined = current.join(location.strip())
                    except (httpx.InvalidURL, ValueError):
                        raise InvalidUrlError(f"{shown_url(current)} redirects to an invalid address {location[:200]!r}",
                                              url=str(current)) from None
                    target = self.guard.check_url(joined)
                    if str(target) in visited:
                        raise RedirectLimitError(
                            f"{shown_url(start)} redirects in a loop ({' -> '.join(shown_url(v, 80) for v in [*visited, str(target)])}); "
                            "the site is misconfigured, tell its owner", url=str(start))
                    visited.append(str(target))
                    current = target
                    continue
                return await self._result(response, current, visited, limit)
            finally:
                await response.aclose()
        raise RedirectLimitError(f"{shown_url(start)} redirected more than {self.max_redirects} times "
                                 f"({' -> '.join(shown_url(v, 80) for v in visited)}); use the final address instead", url=str(start))

    async def _send(self, url: httpx.URL, headers: dict[str, str]) -> httpx.Response:
        shown = str(url)
        request = self._client.build_request("GET", url, headers=headers)
        try:
            return await self._client.send(request, stream=True)
        except (BlockedAddressError, DnsError) as exc:
            exc.url = exc.url or shown
            raise
        except httpx.ConnectTimeout:
            raise FetchTimeoutError(f"could not connect to {shown_url(url.host)} within {self.settings.http_connect_timeout:g} s "
                                    "(HTTP_CONNECT_TIMEOUT); the server may be down, try again later",
                                    url=shown) from None
        except httpx.TimeoutException:
            raise FetchTimeoutError(f"{shown_url(url.host)} did not answer within {self.settings.http_read_timeout:g} s "
                                    "(HTTP_READ_TIMEOUT); try again later", url=shown) from None
        except httpx.ConnectError as exc:
            if _caused_by_ssl(exc):
                raise TlsError(f"the secure (TLS) connection to {shown_url(url.host)} failed ({_root(exc)}); the site's "
                               "certificate or HTTPS set-up is broken, or try http://", url=shown) from None
            raise ConnectFailedError(f"could not connect to {shown_url(url.host)}:{url.port or _port(url)} ({_root(exc)}); "
                                     "check the address, or the server may be down", url=shown) from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise InvalidUrlError(f"{shown_url(shown)!r} cannot be fetched ({shown_url(exc)})", url=shown) from None
        except httpx.HTTPError as exc:
            raise ConnectFailedError(f"the connection to {shown_url(url.host)} failed ({_root(exc)}); try again later",
                                     url=shown) from None

    async def _result(self, response: httpx.Response, url: httpx.URL, visited: list[str],
                      limit: int) -> FetchResult:
        status = response.status_code
        shown = str(url)
        if status == 304:
            return self._make(response, url, visited, b"")
        if status == 410:
            raise GoneError(f"{shown_url(shown)} answered 410 Gone: the feed was removed; find its new address or "
                            "unsubscribe", url=shown, status=status)
        if status in (429, 503):
            retry_after = _retry_after(response.headers.get("retry-after"))
            when = f"; it asked us to wait {retry_after:g} s" if retry_after is not None else ""
            raise RateLimitedError(f"{shown_url(shown)} answered {status} {shown_url(response.reason_phrase or '', 80)}".rstrip() +
                                   f" (rate limited or overloaded){when}; polling will back off",
                                   url=shown, status=status, retry_after=retry_after)
        if status == 404:
            raise HttpStatusError(f"{shown_url(shown)} answered 404 Not Found; check the address (the feed may have moved)",
                                  url=shown, status=status)
        if status in (401, 403):
            raise HttpStatusError(f"{shown_url(shown)} answered {status} {shown_url(response.reason_phrase, 80)}: the site refuses access "
                                  "to this bot; the feed may be private", url=shown, status=status)
        if status in _REDIRECTS:
            raise HttpStatusError(f"{shown_url(shown)} answered redirect {status} without a Location header; the site is "
                                  "misconfigured", url=shown, status=status)
        if not 200 <= status < 300:
            raise HttpStatusError(f"{shown_url(shown)} answered HTTP {status} {shown_url(response.reason_phrase, 80)}".rstrip() +
                                  "; try again later", url=shown, status=status)
        return self._make(response, url, visited, await self._read_body(response, shown, limit))

    async def _read_body(self, response: httpx.Response, url: str, limit: int) -> bytes:
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLargeError(f"{shown_url(url)} is {int(declared):,} bytes, more than the limit of {limit:,} "
                                    "(HTTP_MAX_BODY_BYTES); nothing was read", url=url)
        decoder = _Decoder(response.headers.get("content-encoding"), limit, url)
        try:
            async for chunk in response.aiter_raw(_CHUNK):
                decoder.feed(chunk)
        except httpx.ReadTimeout:
            raise FetchTimeoutError(f"{shown_url(url)} stopped sending for more than {self.settings.http_read_timeout:g} s "
                                    "(HTTP_READ_TIMEOUT); try again later", url=url) from None
        except httpx.HTTPError as exc:
            raise ConnectFailedError(f"the connection broke while reading {shown_url(url)} ({_root(exc)}); try again later",
                                     url=url) from None
        return decoder.finish()

    @staticmethod
    def _make(response: httpx.Response, url: httpx.URL, visited: list[str], body: bytes) -> FetchResult:
        headers = response.headers
        return FetchResult(
            url=str(url), status=response.status_code, body=body,
            content_type=headers.get("content-type"), etag=headers.get("etag"),
            last_modified=headers.get("last-modified"), max_age=_max_age(headers.get("cache-control")),
            redirects=tuple(visited[:-1]),
        )


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), _MAX_RETRY_AFTER))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return float(min(max(when.timestamp() - time.time(), 0.0), _MAX_RETRY_AFTER))


def _max_age(value: str | None) -> int | None:
    if not value or "no-store" in value.lower():
        return None
    match = _MAX_AGE.search(value)
    return int(match.group(1)) if match else None


def _caused_by_ssl(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _root(exc: BaseException) -> str:
    """The innermost cause's message: 'Connection refused' says more than httpx's wrapper."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def _port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80

