"""End-to-end harness: the real Newsdesk bot (composition root, cogs, storage) against the emulator and a
feed server on 127.0.0.1.

    async def test_x(newsroom):            # emulator + demo guild + feed server, bot not started
        await newsroom.start()              # builds services with a temp DB and starts the real bot
        rec = await newsroom.slash(newsroom.admin, "feed add", {"url": newsroom.feed_url, ...})
        await newsroom.restart()            # same DB, new process-like bot
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.config import Settings, load_settings
from bot.services import Services
from cogs.client import NewsdeskBot
from cogs.publishing import StoryPublisher
from emulator import Channel, DiscordEmulator, Guild, InteractionRecord, User
from emulator.newsroom import build_news_server
from newsdesk.app import launch_bot
from tests.loopback import serve
from tests.postgres_server import clean_database

__all__ = ["FeedServer", "Newsroom", "newsroom"]


@dataclass
class FeedItemSpec:
    guid: str
    title: str
    link: str
    description: str
    published: float


class FeedServer:
    """Serves an RSS feed whose items tests add and change; also article pages and a site page."""

    def __init__(self) -> None:
        self.items: list[FeedItemSpec] = []
        self.title = "Loopback News"
        self.icon: str | None = None  # the feed's <image> (its outlet's icon), when set
        self.requests = 0
        self.delay = 0.0  # seconds before the feed answers (a slow site)
        self._stack = AsyncExitStack()
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def feed_url(self) -> str:
        return f"{self.base}/feed.xml"

    def add(self, slug: str, title: str, description: str = "", published: float = 1_764_000_000.0) -> str:
        link = f"{self.base}/articles/{slug}"
        self.items.insert(0, FeedItemSpec(slug, title, link, description or f"{title}. More details follow.", published))
        return link

    def change(self, slug: str, **fields: Any) -> None:
        for item in self.items:
            if item.guid == slug:
                for key, value in fields.items():
                    setattr(item, key, value)

    def rss(self) -> str:
        from datetime import UTC, datetime
        from xml.sax.saxutils import escape

        entries = "".join(
            f"<item><guid>{escape(i.guid)}</guid><title>{escape(i.title)}</title><link>{escape(i.link)}</link>"
            f"<description>{escape(i.description)}</description>"
            f"<pubDate>{format_datetime(datetime.fromtimestamp(i.published, tz=UTC))}</pubDate></item>"
            for i in self.items)
        image = (f"<image><url>{escape(self.icon)}</url><title>{escape(self.title)}</title><link>{self.base}/</link>"
                 "</image>" if self.icon else "")
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(self.title)}'
                f"</title><link>{self.base}/</link><description>test</description>{image}{entries}</channel></rss>")

    async def start(self) -> None:
        async def feed(request: web.Request) -> web.Response:
            self.requests += 1
            if self.delay:
                await asyncio.sleep(self.delay)
            return web.Response(body=self.rss().encode(), headers={"Content-Type": "application/rss+xml"})

        async def article(request: web.Request) -> web.Response:
            slug = request.match_info["slug"]
            item = next((i for i in self.items if i.guid == slug), None)
            if item is None:
                raise web.HTTPNotFound()
            paragraphs = "".join(f"<p>{item.description} Sentence {n} adds detail about {item.title}.</p>"
                                 for n in range(12))
            html = (f"<html><head><title>{item.title}</title></head><body><article><h1>{item.title}</h1>"
                    f"{paragraphs}</article></body></html>")
            return web.Response(body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"})

        async def site(request: web.Request) -> web.Response:
            html = (f'<html><head><link rel="alternate" type="application/rss+xml" href="{self.feed_url}">'
                    "</head><body>Home</body></html>")
            return web.Response(body=html.encode(), headers={"Content-Type": "text/html"})

        def routes(app: web.Application) -> None:
            app.router.add_get("/feed.xml", feed)
            app.router.add_get("/articles/{slug}", article)
            app.router.add_get("/", site)

        base = await self._stack.enter_async_context(serve(routes))
        self.port = int(base.rsplit(":", 1)[1])

    async def stop(self) -> None:
        await self._stack.aclose()


@dataclass
class Newsroom:
    emu: DiscordEmulator
    feeds: FeedServer
    db_path: Path
    guild: Guild = field(init=False)
    news: Channel = field(init=False)
    forum: Channel = field(init=False)
    admin_channel: Channel = field(init=False)
    modlog: Channel = field(init=False)
    admin: User = field(init=False)
    moderator: User = field(init=False)
    alice: User = field(init=False)
    bob: User = field(init=False)
    bot: NewsdeskBot | None = None
    services: Services | None = None
    _stack: AsyncExitStack | None = None
    errors: list[BaseException | str] = field(default_factory=list)
    outlets: list[FeedServer] = field(default_factory=list)  # more loopback feeds, stopped with the room
    database_url: str | None = None  # a PostgreSQL database instead of the SQLite file at db_path

    def __post_init__(self) -> None:
        server = build_news_server(self.emu, forum_tags=["Loopback News", "World"])
        self.guild, self.news, self.forum = server.guild, server.news, server.forum
        self.admin_channel, self.modlog = server.admin_channel, server.modlog
        self.admin, self.moderator, self.alice, self.bob = server.editor, server.moderator, server.alice, server.bob

    @property
    def svc(self) -> Services:
        """The running bot's services (the test started it)."""
        assert self.services is not None, "start the bot first: await newsroom.start()"
        return self.services

    @property
    def client(self) -> NewsdeskBot:
        """The running bot."""
        assert self.bot is not None, "start the bot first: await newsroom.start()"
        return self.bot

    def settings(self, **overrides: str) -> Settings:
        env = {
            "DATABASE_PATH": str(self.db_path), "NEWSDESK_ALLOW_PRIVATE_NETWORKS": "true",
            "DISCORD_TOKEN": self.emu.token, "DISCORD_API_BASE": self.emu.api_base,
            "DISCORD_GATEWAY_URL": self.emu.gateway_url, "HTTP_TOTAL_TIMEOUT": "10", "POLL_INTERVAL_SECONDS": "60",
            "DEV_GUILD_ID": str(self.guild.id), **({"DATABASE_URL": self.database_url} if self.database_url else {}),
            **overrides,
        }
        return load_settings(env, env_file=None)

    async def start(self, **overrides: str) -> NewsdeskBot:
        stack = AsyncExitStack()
        try:
            launched = await stack.enter_async_context(
                launch_bot(self.settings(**overrides), ready_timeout=15, guild_ready_timeout=0.05))
        except BaseException:
            await stack.aclose()
            raise
        self.services, self.bot, self._stack = launched.services, launched.bot, stack
        return launched.bot

    async def stop(self) -> None:
        if self.bot is not None:
            self.errors.extend(self.bot.unexpected_errors)
        if self._stack is not None:
            await self._stack.aclose()
        self.bot = self.services = self._stack = None

    async def restart(self, **overrides: str) -> NewsdeskBot:
        await self.stop()
        return await self.start(**overrides)

    async def slash(self, user: User, command: str, options: dict[str, Any] | None = None, *,
                    channel: Channel | None = None, timeout: float = 15.0) -> InteractionRecord:
        rec = await self.emu.run_slash_command(user, channel or self.news, command, options, timeout=timeout)
        return await self.settled(rec, timeout)

    async def settled(self, rec: InteractionRecord, timeout: float = 15.0) -> InteractionRecord:
        """Wait until a deferred interaction got its follow-up."""
        if rec.deferred:
            def answered() -> bool:
                first = rec.original
                return bool(rec.followups or (first and (first.content or first.embeds or first.attachments)))

            await self.emu.wait_for(answered, timeout, what="a follow-up")
        return rec

    async def another_feed(self, title: str) -> FeedServer:
        """One more loopback feed (another outlet) named `title`, served until the test ends."""
        server = FeedServer()
        server.title = title
        await server.start()
        self.outlets.append(server)
        return server

    async def publish_pass(self, publisher: StoryPublisher | None = None) -> tuple[int, int]:
        """Poll every feed now and publish (with the bot's publisher, or `publisher`), instead of waiting for
        timers. Returns (posts made, posts edited) by this pass or by the background publisher it woke
        (counted in the database)."""
        assert self.services is not None and self.bot is not None
        db = self.services.stores.db
        started = time.time()
        before = await db.fetchval("SELECT COUNT(*) FROM posts WHERE message_id IS NOT NULL")
        for feed in await self.services.stores.feeds.list():
            await self.services.stores.feeds.poll_soon(feed.id)
        await self.services.scheduler.run_cycle()
        await (publisher or self.bot.publisher).run_pass()
        after = await db.fetchval("SELECT COUNT(*) FROM posts WHERE message_id IS NOT NULL")
        edited = await db.fetchval("SELECT COUNT(*) FROM posts WHERE edited_at >= ?", (started,))
        return after - before, edited


async def e2e_database_url() -> str | None:
    """With NEWSDESK_E2E_BACKEND=postgresql, the end-to-end tests run on a PostgreSQL database (emptied first)
    instead of a SQLite file: the whole bot on the other engine, without doubling every run."""
    if os.environ.get("NEWSDESK_E2E_BACKEND", "sqlite") == "postgresql":
        return await clean_database()
    return None


@pytest.fixture
async def newsroom(tmp_path: Path) -> AsyncIterator[Newsroom]:
    async with open_newsroom(tmp_path / "newsdesk.db", await e2e_database_url()) as room:
        yield room


@pytest.fixture
async def newsroom_on_each_engine(backend: str, database_url: str, tmp_path: Path) -> AsyncIterator[Newsroom]:
    """A newsroom on a SQLite file, then on a PostgreSQL database (`database_url`)."""
    async with open_newsroom(tmp_path / "newsdesk.db", database_url if backend == "postgresql" else None) as room:
        yield room


@asynccontextmanager
async def open_newsroom(db_path: Path, database_url: str | None = None) -> AsyncIterator[Newsroom]:
    emu = DiscordEmulator(interaction_response_timeout=30.0)
    await emu.start()
    feeds = FeedServer()
    await feeds.start()
    room = Newsroom(emu, feeds, db_path, database_url=database_url)
    try:
        yield room
    finally:
        await room.stop()
        for outlet in room.outlets:
            await outlet.stop()
        await feeds.stop()
        await emu.stop()
        await asyncio.sleep(0)
        gc.collect()
    if room.errors:
        raise AssertionError(f"the bot raised {len(room.errors)} unexpected error(s): {room.errors[0]!r}")
