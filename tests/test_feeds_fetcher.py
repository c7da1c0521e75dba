"""FeedFetcher against real HTTP servers on 127.0.0.1: caching, compression, limits, errors, the guard on the wire."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import ssl
import subprocess
import zlib
from pathlib import Path

import pytest
from aiohttp import web

from bot.feeds.errors import (
    BlockedAddressError,
    BodyTooLargeError,
    ConnectFailedError,
    ContentDecodingError,
    DnsError,
    FetchTimeoutError,
    GoneError,
    HttpStatusError,
    RateLimitedError,
    RedirectLimitError,
    TlsError,
    UnsupportedSchemeError,
)
from bot.feeds.fetcher import FeedFetcher
from tests.feeds_net_support import FakeInternet, make_settings, serve, static_resolver

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title></channel></rss>" * 20
MB = 1024 * 1024


def routes(app: web.Application) -> None:
    async def feed(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"' or request.headers.get("If-Modified-Since") == "Wed, 01 Jan 2025 00:00:00 GMT":
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(body=FEED, content_type="application/rss+xml",
                            headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT",
                                     "Cache-Control": "public, max-age=600"})

    async def gz(request: web.Request) -> web.Response:
        return web.Response(body=gzip.compress(FEED), headers={"Content-Encoding": "gzip",
                                                              "Content-Type": "application/xml"})

    async def deflate_raw(request: web.Request) -> web.Response:
        co = zlib.compressobj(wbits=-15)
        return web.Response(body=co.compress(FEED) + co.flush(), headers={"Content-Encoding": "deflate"})

    async def deflate_zlib(request: web.Request) -> web.Response:
        return web.Response(body=zlib.compress(FEED), headers={"Content-Encoding": "deflate"})

    bomb = gzip.compress(b"\0" * (20 * MB), compresslevel=9)

    async def gzip_bomb(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip"})

    async def huge_stream(request: web.Request) -> web.StreamResponse:
        # 50 MB, chunked, no Content-Length: the client must stop reading by itself.
        response = web.StreamResponse()
        await response.prepare(request)
        block = b"x" * 65536
        try:
            for _ in range(50 * MB // len(block)):
                await response.write(block)
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    async def huge_declared(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(50 * MB)})
        await response.prepare(request)
        try:
            await response.write(b"x" * 1024)
            await asyncio.sleep(5)
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        try:
            for _ in range(100):
                await response.write(b"<")
                await asyncio.sleep(0.1)
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    async def stall(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="late")

    async def loop_a(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop-b")

    async def loop_b(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/loop-a")

    async def chain(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n == 0:
            return web.Response(body=FEED)
        raise web.HTTPTemporaryRedirect(f"/chain/{n - 1}")

    async def status(request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        headers = {}
        if code == 429:
            headers["Retry-After"] = "120"
        if code == 503:
            headers["Retry-After"] = "Wed, 21 Oct 2015 07:28:00 GMT"  # in the past: come back now
        return web.Response(status=code, text="nope", headers=headers)

    async def fake_gzip(request: web.Request) -> web.Response:
        return web.Response(body=b"this is not gzip at all", headers={"Content-Encoding": "gzip"})

    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"ua": request.headers.get("User-Agent"), "host": request.headers.get("Host")})

    async def to_private(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://intranet.example.com/admin")

    async def to_metadata(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    async def to_file(request: web.Request) -> web.Response:
        raise web.HTTPFound("file:///etc/passwd")

    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/gzip", gz)
    app.router.add_get("/deflate-raw", deflate_raw)
    app.router.add_get("/deflate-zlib", deflate_zlib)
    app.router.add_get("/bomb", gzip_bomb)
    app.router.add_get("/huge", huge_stream)
    app.router.add_get("/huge-declared", huge_declared)
    app.router.add_get("/drip", drip)
    app.router.add_get("/stall", stall)
    app.router.add_get("/loop-a", loop_a)
    app.router.add_get("/loop-b", loop_b)
    app.router.add_get("/chain/{n}", chain)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/echo", echo)
    app.router.add_get("/fake-gzip", fake_gzip)
    app.router.add_get("/to-private", to_private)
    app.router.add_get("/to-metadata", to_metadata)
    app.router.add_get("/to-file", to_file)


@pytest.fixture
async def base() -> str:
    async with serve(routes) as url:
        yield url


@pytest.fixture
async def fetcher() -> FeedFetcher:
    async with FeedFetcher(make_settings(http_max_body_bytes=MB)) as f:
        yield f


async def test_plain_fetch_and_validators(base: str, fetcher: FeedFetcher) -> None:
    result = await fetcher.fetch(f"{base}/feed.xml")
    assert result.status == 200 and result.body == FEED
    assert result.etag == '"v1"' and result.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert result.max_age == 600
    assert result.content_type.startswith("application/rss+xml")


async def test_conditional_get_returns_not_modified(base: str, fetcher: FeedFetcher) -> None:
    by_etag = await fetcher.fetch(f"{base}/feed.xml", etag='"v1"')
    by_date = await fetcher.fetch(f"{base}/feed.xml", last_modified="Wed, 01 Jan 2025 00:00:00 GMT")
    assert by_etag.not_modified and by_etag.body == b""
    assert by_date.not_modified


@pytest.mark.parametrize("path", ["/gzip", "/deflate-raw", "/deflate-zlib"])
async def test_compressed_bodies_are_decoded(base: str, fetcher: FeedFetcher, path: str) -> None:
    assert (await fetcher.fetch(base + path)).body == FEED


async def test_corrupt_compressed_body_is_a_clear_error(base: str, fetcher: FeedFetcher) -> None:
    with pytest.raises(ContentDecodingError) as info:
        await fetcher.fetch(f"{base}/fake-gzip")
    assert "gzip" in str(info.value)


async def test_gzip_bomb_stops_at_the_decompressed_limit(base: str, fetcher: FeedFetcher) -> None:
    with pytest.raises(BodyTooLargeError) as info:
        await fetcher.fetch(f"{base}/bomb")
    assert "after decompression" in str(info.value) and "HTTP_MAX_BODY_BYTES" in str(info.value)


async def test_50mb_stream_stops_at_the_limit(base: str, fetcher: FeedFetcher) -> None:
    with pytest.raises(BodyTooLargeError):
        await fetcher.fetch(f"{base}/huge")


async def test_declared_oversize_body_is_refused_before_reading(base: str, fetcher: FeedFetcher) -> None:
    with pytest.raises(BodyTooLargeError) as info:
        await fetcher.fetch(f"{base}/huge-declared")
    assert "nothing was read" in str(info.value)


async def test_dripping_server_hits_the_total_timeout(base: str) -> None:
    settings = make_settings(http_read_timeout=0.5, http_total_timeout=0.8)
    async with FeedFetcher(settings) as fetcher:
        with pytest.raises(FetchTimeoutError) as info:
            await fetcher.fetch(f"{base}/drip")
    assert "HTTP_TOTAL_TIMEOUT" in str(info.value)


async def test_stalled_server_hits_the_read_timeout(base: str) -> None:
    async with FeedFetcher(make_settings(http_read_timeout=0.3, http_total_timeout=3)) as fetcher:
        with pytest.raises(FetchTimeoutError) as info:
            await fetcher.fetch(f"{base}/stall")
    assert "HTTP_READ_TIMEOUT" in str(info.value)


async def test_redirect_loop_is_reported(base: str, fetcher: FeedFetcher) -> None:
    with pytest.raises(RedirectLimitError) as info:
        await fetcher.fetch(f"{base}/loop-a")
    assert "loop" in str(info.value)


async def test_redirects_are_followed_up_to_the_limit(base: str, fetcher: FeedFetcher) -> None:
    result = await fetcher.fetch(f"{base}/chain/3")
    assert result.body == FEED and result.url.endswith("/chain/0") and len(result.redirects) == 3
    with pytest.raises(RedirectLimitError):
        await fetcher.fetch(f"{base}/chain/6")


@pytest.mark.parametrize(("code", "kind"), [(404, HttpStatusError), (410, GoneError), (500, HttpStatusError),
                                            (403, HttpStatusError)])
async def test_error_statuses(base: str, fetcher: FeedFetcher, code: int, kind: type) -> None:
    with pytest.raises(kind) as info:
        await fetcher.fetch(f"{base}/status/{code}")
    assert info.value.status == code and str(code) in str(info.value)


async def test_429_and_503_carry_retry_after(base: str, fetcher: FeedFetcher) -> None:
    with pytest.raises(RateLimitedError) as info:
        await fetcher.fetch(f"{base}/status/429")
    assert info.value.retry_after == 120 and "120" in str(info.value)
    with pytest.raises(RateLimitedError) as info:
        await fetcher.fetch(f"{base}/status/503")
    assert info.value.retry_after == 0


async def test_user_agent_names_bot_version_and_contact(base: str, fetcher: FeedFetcher) -> None:
    sent = (await fetcher.fetch(f"{base}/echo")).body.decode()
    assert "Newsdesk/" in sent and "https://example.org/newsdesk-contact" in sent


async def test_connection_refused_is_clear(fetcher: FeedFetcher) -> None:
    async with serve(routes) as url:
        dead = url
    with pytest.raises(ConnectFailedError) as info:
        await fetcher.fetch(f"{dead}/feed.xml")
    assert "could not connect" in str(info.value)


async def test_tls_error_is_reported_as_tls(base: str, fetcher: FeedFetcher) -> None:
    # An https:// URL on a plain-HTTP server: the handshake fails as it does with a broken certificate.
    with pytest.raises(TlsError) as info:
        await fetcher.fetch(base.replace("http://", "https://") + "/feed.xml")
    assert "TLS" in str(info.value)


async def test_dns_failure_is_clear(fetcher: FeedFetcher) -> None:
    with pytest.raises(DnsError) as info:
        await fetcher.fetch("http://no-such-host.invalid/feed")
    assert "no-such-host.invalid" in str(info.value)


async def test_non_http_scheme_is_refused(fetcher: FeedFetcher) -> None:
    with pytest.raises(UnsupportedSchemeError):
        await fetcher.fetch("file:///etc/passwd")


# --- the guard ON, against real loopback servers reached through a fake "public" address -----------------------

PUBLIC_IP = "93.184.216.34"


def guarded(port_base: str, extra: dict[str, list[str]] | None = None) -> tuple[FeedFetcher, FakeInternet]:
    table = {"news.example.com": [PUBLIC_IP], "intranet.example.com": ["10.20.30.40"],
             "sneaky.example.com": ["127.0.0.1"], **(extra or {})}
    internet = FakeInternet({PUBLIC_IP: "127.0.0.1"})
    fetcher = FeedFetcher(make_settings(allow_private_networks=False), resolver=static_resolver(table),
                          network_backend=internet)
    return fetcher, internet


def _port(base: str) -> str:
    return base.rsplit(":", 1)[1]


async def test_guard_on_connects_to_the_vetted_ip_and_keeps_the_host_name(base: str) -> None:
    fetcher, internet = guarded(base)
    async with fetcher:
        sent = (await fetcher.fetch(f"http://news.example.com:{_port(base)}/echo")).body.decode()
    assert internet.connected == [PUBLIC_IP]
    assert f"news.example.com:{_port(base)}" in sent  # Host header kept


async def test_guard_on_refuses_loopback_literal(base: str) -> None:
    fetcher, internet = guarded(base)
    async with fetcher:
        with pytest.raises(BlockedAddressError) as info:
            await fetcher.fetch(f"{base}/feed.xml")
    assert info.value.rule == "loopback" and internet.connected == []
    assert "NEWSDESK_ALLOW_PRIVATE_NETWORKS" in str(info.value)


async def test_guard_on_refuses_a_name_resolving_to_loopback(base: str) -> None:
    fetcher, internet = guarded(base)
    async with fetcher:
        with pytest.raises(BlockedAddressError) as info:
            await fetcher.fetch(f"http://sneaky.example.com:{_port(base)}/feed.xml")
    assert "sneaky.example.com" in str(info.value) and "127.0.0.1" in str(info.value)
    assert internet.connected == []


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f000001", "localhost", "[::ffff:127.0.0.1]"])
async def test_guard_on_refuses_odd_spellings_of_loopback_with_the_real_resolver(base: str, host: str) -> None:
    # These are not IP literals to a URL parser; the system resolver turns them into 127.0.0.1 and the
    # connect-time check refuses that.
    async with FeedFetcher(make_settings(allow_private_networks=False)) as fetcher:
        with pytest.raises(BlockedAddressError) as info:
            await fetcher.fetch(f"http://{host}:{_port(base)}/feed.xml")
    assert info.value.rule == "loopback"


@pytest.mark.parametrize(("path", "rule"), [("/to-private", "private"), ("/to-metadata", "cloud-metadata")])
async def test_guard_on_checks_every_redirect_hop(base: str, path: str, rule: str) -> None:
    fetcher, internet = guarded(base)
    async with fetcher:
        with pytest.raises(BlockedAddressError) as info:
            await fetcher.fetch(f"http://news.example.com:{_port(base)}{path}")
    assert info.value.rule == rule
    assert internet.connected == [PUBLIC_IP]  # only the first, public hop was ever connected


async def test_redirect_to_file_scheme_is_refused(base: str, fetcher: FeedFetcher) -> None:
    with pytest.raises(UnsupportedSchemeError):
        await fetcher.fetch(f"{base}/to-file")


@pytest.mark.parametrize(("total", "per_host", "expected"), [(8, 2, 2), (3, 8, 3)])
async def test_per_host_and_global_limits_hold(total: int, per_host: int, expected: int) -> None:
    active = {"now": 0, "max": 0}

    def slow_routes(app: web.Application) -> None:
        async def slow(request: web.Request) -> web.Response:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
            await asyncio.sleep(0.05)
            active["now"] -= 1
            return web.Response(body=b"ok")

        app.router.add_get("/slow", slow)

    async with serve(slow_routes) as url, FeedFetcher(
            make_settings(http_max_concurrency=total, http_per_host_concurrency=per_host)) as fetcher:
        await asyncio.gather(*(fetcher.fetch(f"{url}/slow") for _ in range(10)))
    assert active["max"] == expected


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl command not found: cannot make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


async def test_self_signed_certificate_is_a_tls_error(self_signed: tuple[Path, Path]) -> None:
    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    async with serve(routes, ssl_context=context) as base, FeedFetcher(make_settings()) as fetcher:
        with pytest.raises(TlsError) as info:
            await fetcher.fetch(f"{base}/feed.xml")
    assert "certificate" in str(info.value).lower()


async def test_a_100000_character_url_is_shortened_in_every_message(base: str, fetcher: FeedFetcher) -> None:
    # The whole URL used to be echoed: a 100 KB "one line" (and a Discord message that cannot be sent).
    tail = "x" * 100_000
    attempts = [f"{base}/status/404?q={tail}", f"ftp://example.com/{tail}", f"http://10.0.0.1/{tail}",
                f"http://[fec0::1]/{tail}", f"http://{'a' * 300}.example/{tail}", f"{base}/chain/9?{tail}"]
    for url in attempts:
        with pytest.raises(Exception) as info:
            await fetcher.fetch(url)
        message = str(info.value)
        assert len(message) < 1200 and "\n" not in message, (url[:40], message[:300])
        assert "…" in message, message
