"""The demo feed: stories bundled in `data/demo/` and a small HTTP server on 127.0.0.1 that serves them.

`data/demo/stories.json` lists the stories (title, author, excerpt, age, whether it is "new"); each has a full
page in `data/demo/articles/<slug>.html`, so summaries read real article text. The server publishes the
"new" stories only when told (`publish_new()`), as a newsroom would after the bot subscribed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from aiohttp import web

__all__ = ["DEMO_DIR", "DemoContent", "DemoFeedServer", "DemoStory"]



def _demo_dir() -> Path:
    """`data/demo` of the source tree (editable installs, Docker's /app), else of the working directory."""
    beside_code = Path(__file__).resolve().parents[1] / "data" / "demo"
    return beside_code if beside_code.is_dir() else Path.cwd() / "data" / "demo"


DEMO_DIR = _demo_dir()


@dataclass(frozen=True)
class DemoStory:
    slug: str
    title: str
    author: str
    section: str
    excerpt: str
    published: float
    new: bool
    html: str


@dataclass(frozen=True)
class DemoContent:
    title: str
    description: str
    stories: tuple[DemoStory, ...]

    @classmethod
    def load(cls, directory: Path = DEMO_DIR, now: float | None = None) -> DemoContent:
        """Read the bundled stories; `hours_ago` becomes a publication time relative to `now`."""
        now = time.time() if now is None else now
        index = json.loads((directory / "stories.json").read_text(encoding="utf-8"))
        stories = tuple(
            DemoStory(slug=s["slug"], title=s["title"], author=s["author"], section=s["section"],
                      excerpt=s["excerpt"], published=now - float(s["hours_ago"]) * 3600, new=bool(s["new"]),
                      html=(directory / "articles" / f"{s['slug']}.html").read_text(encoding="utf-8"))
            for s in index["stories"])
        return cls(title=index["title"], description=index["description"], stories=stories)

    def story(self, slug: str) -> DemoStory:
        return next(s for s in self.stories if s.slug == slug)


class DemoFeedServer:
    """RSS 2.0 at /feed.xml, article pages at /articles/<slug>, and a home page advertising the feed."""

    def __init__(self, content: DemoContent, host: str = "127.0.0.1", port: int = 0) -> None:
        self.content = content
        self.host = host
        self.port = port
        self.published_new = False
        self.requests = 0
        self._runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def feed_url(self) -> str:
        return f"{self.base}/feed.xml"

    def article_url(self, slug: str) -> str:
        return f"{self.base}/articles/{slug}"

    def visible(self) -> list[DemoStory]:
        """What the feed carries now, newest first."""
        shown = [s for s in self.content.stories if self.published_new or not s.new]
        return sorted(shown, key=lambda s: s.published, reverse=True)

    def publish_new(self) -> list[DemoStory]:
        """The newsroom publishes the stories marked new; returns them."""
        self.published_new = True
        return [s for s in self.visible() if s.new]

    def rss(self) -> str:
        items = "".join(
            f"<item><guid isPermaLink=\"true\">{escape(self.article_url(s.slug))}</guid>"
            f"<title>{escape(s.title)}</title><link>{escape(self.article_url(s.slug))}</link>"
            f"<author>{escape(s.author)}</author><category>{escape(s.section)}</category>"
            f"<description>{escape(s.excerpt)}</description>"
            f"<pubDate>{format_datetime(datetime.fromtimestamp(s.published, tz=UTC))}</pubDate></item>"
            for s in self.visible())
        return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                f"<title>{escape(self.content.title)}</title><link>{self.base}/</link>"
                f"<description>{escape(self.content.description)}</description>{items}</channel></rss>")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed.xml", self._feed)
        app.router.add_get("/articles/{slug}", self._article)
        app.router.add_get("/", self._home)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _feed(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.Response(body=self.rss().encode(), headers={"Content-Type": "application/rss+xml; charset=utf-8"})

    async def _article(self, request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        story = next((s for s in self.visible() if s.slug == slug), None)
        if story is None:
            raise web.HTTPNotFound(text="no such story")
        return web.Response(body=story.html.encode(), headers={"Content-Type": "text/html; charset=utf-8"})

    async def _home(self, request: web.Request) -> web.Response:
        html = (f'<html><head><title>{escape(self.content.title)}</title><link rel="alternate" '
                f'type="application/rss+xml" href="{self.feed_url}"></head><body><h1>'
                f"{escape(self.content.title)}</h1></body></html>")
        return web.Response(body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
