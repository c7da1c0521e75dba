"""`newsdesk feed check` / `feed discover` against loopback servers, as a user runs them."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from aiohttp import web

from tests.feeds_net_support import serve
from tests.test_feeds_polling import rss

ROOT = Path(__file__).resolve().parents[1]
LONG = "word " * 400


def site(app: web.Application) -> None:
    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=rss([(2, "Second &lt;@everyone&gt; **bold**"), (1, "First")]),
                            content_type="application/rss+xml")

    async def home(request: web.Request) -> web.Response:
        return web.Response(text='<html><head><link rel="alternate" type="application/rss+xml" title="Main" '
                                 'href="/feed.xml"></head><body>hi</body></html>', content_type="text/html")

    async def bare(request: web.Request) -> web.Response:
        return web.Response(text="<html><body>no links here</body></html>", content_type="text/html")

    async def probe(request: web.Request) -> web.Response:
        return web.Response(body=rss([(1, "First")]), content_type="application/rss+xml")

    async def article(request: web.Request) -> web.Response:
        return web.Response(text=f"<html><body><article><h1>A</h1><p>{LONG}</p></article></body></html>",
                            content_type="text/html")

    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/", home)
    app.router.add_get("/bare/", bare)
    app.router.add_get("/bare/index.xml", probe)
    app.router.add_get("/a/{n}", article)


async def newsdesk(*args: str, private: bool = True) -> tuple[int, str, str]:
    env = {**os.environ, "NEWSDESK_ALLOW_PRIVATE_NETWORKS": "true" if private else "false",
           "HTTP_TOTAL_TIMEOUT": "10"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--env-file", "/dev/null", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


@pytest.fixture
async def base() -> str:
    async with serve(site) as url:
        yield url


async def test_check_json_lines(base: str) -> None:
    code, out, err = await newsdesk("feed", "check", f"{base}/feed.xml", "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["guid"] for r in rows] == ["urn:item:2", "urn:item:1"]
    assert set(rows[0]) == {"guid", "url", "title", "published", "author", "image", "excerpt_length"}
    assert "<@everyone>" in rows[0]["title"]  # kept as text; escaping is the poster's job


async def test_check_human_with_full_text(base: str) -> None:
    code, out, err = await newsdesk("feed", "check", f"{base}/feed.xml", "--full-text")
    assert code == 0, err
    assert "2 items" in out and "full text:" in out


async def test_check_refuses_loopback_without_the_setting(base: str) -> None:
    code, out, err = await newsdesk("feed", "check", f"{base}/feed.xml", private=False)
    assert code != 0 and out == ""
    assert "loopback" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


async def test_check_on_a_web_page_suggests_discover(base: str) -> None:
    code, _out, err = await newsdesk("feed", "check", f"{base}/")
    assert code != 0 and "feed discover" in err and "Traceback" not in err


async def test_discover_finds_advertised_and_probed_feeds(base: str) -> None:
    code, out, err = await newsdesk("feed", "discover", f"{base}/")
    assert code == 0, err
    assert out.splitlines()[0].startswith(f"{base}/feed.xml")
    code, out, err = await newsdesk("feed", "discover", f"{base}/bare/")
    assert code == 0, err
    assert f"{base}/bare/index.xml" in out


async def test_404_is_one_clear_line(base: str) -> None:
    code, _out, err = await newsdesk("feed", "check", f"{base}/nope.xml")
    assert code == 1 and "404" in err and len(err.strip().splitlines()) == 1
