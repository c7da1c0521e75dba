"""The sandbox's stage: the Discord emulator with a demo guild, the demo feed server, and the real bot.

The bot is started exactly as production starts it: the caller passes the composition root's `launch_bot`
(this package never imports the application), pointed at the emulator and the loopback feed. Its role in the demo guild has exactly the permissions of
`bot.permissions.BOT_PERMISSIONS`, so the walkthrough also proves that list is enough.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Secret, Settings
from bot.permissions import permissions_integer
from bot.services import Services
from demo.content import DemoContent, DemoFeedServer
from emulator import Channel, DiscordEmulator, Guild, Role, User
from emulator.newsroom import build_news_server

__all__ = ["DemoPeople", "DemoStage"]

READY_TIMEOUT = 20.0

# `newsdesk.app.launch_bot`: (settings, ready_timeout=..., **client options) -> a started bot's context.
Launcher = Callable[..., AbstractAsyncContextManager[Any]]


@dataclass
class DemoPeople:
    editor: User  # the server owner, who sets the bot up
    moderator: User
    alice: User
    bob: User

    def by_name(self) -> dict[str, User]:
        return {"editor": self.editor, "mod": self.moderator, "moderator": self.moderator,
                "alice": self.alice, "bob": self.bob}


class DemoStage:
    """Start with `async with DemoStage(settings, db_path) as stage:`; everything stops on exit."""

    def __init__(self, settings: Settings, db_path: Path, launch: Launcher, content: DemoContent | None = None, *,
                 token: str = "sandbox-token") -> None:
        self.base_settings = settings
        self.launch = launch
        self.db_path = db_path
        self.content = content or DemoContent.load()
        self.emu = DiscordEmulator(token=token, interaction_response_timeout=30.0)
        self.feed = DemoFeedServer(self.content)
        self.bot: Any = None  # cogs.client.NewsdeskBot, typed loosely: this package stays discord-free
        self.services: Services | None = None
        self._stack = AsyncExitStack()

    # --- the demo guild ---------------------------------------------------------------------------

    def _build_guild(self) -> None:
        server = build_news_server(self.emu, "Demo Newsroom", bot_permissions=permissions_integer(),
                                   moderator_name="mod", forum_tags=[self.content.title, "World", "Local"],
                                   news_topic="Stories from our feeds")
        self.guild: Guild = server.guild
        self.moderators: Role = server.moderators
        self.people = DemoPeople(editor=server.editor, moderator=server.moderator, alice=server.alice, bob=server.bob)
        self.news: Channel = server.news
        self.forum: Channel = server.forum
        self.modlog: Channel = server.modlog
        self.admin: Channel = server.admin_channel

    def channels(self) -> list[Channel]:
        return [self.news, self.forum, self.modlog, self.admin]

    def channel_named(self, name: str) -> Channel | None:
        name = name.lstrip("#").lower()
        for channel in self.emu.world.guild_channels(self.guild):
            if channel.name.lower() == name:
                return channel
        return next((t for c in self.channels() for t in self.emu.threads(c) if t.name.lower() == name), None)

    def settings(self) -> Settings:
        """The operator's settings, pointed at the emulator and the loopback feed."""
        return self.base_settings.replace(
            database_path=self.db_path, discord_token=Secret(self.emu.token), discord_api_base=self.emu.api_base,
            discord_gateway_url=self.emu.gateway_url, dev_guild_id=self.guild.id, allow_private_networks=True,
            summarizer="extractive", shard_count=None, shard_ids=None)

    # --- lifecycle --------------------------------------------------------------------------------

    async def __aenter__(self) -> DemoStage:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        await self.emu.start()
        self._stack.push_async_callback(self.emu.stop)
        self._build_guild()
        await self.feed.start()
        self._stack.push_async_callback(self.feed.stop)
        launched = await self._stack.enter_async_context(
            self.launch(self.settings(), ready_timeout=READY_TIMEOUT, guild_ready_timeout=0.05))
        self.services, self.bot = launched.services, launched.bot

    async def stop(self) -> None:
        await self._stack.aclose()

    # --- what the bot did -------------------------------------------------------------------------

    @property
    def unexpected_errors(self) -> list[BaseException]:
        return list(self.bot.unexpected_errors) if self.bot is not None else []

    async def publish_pass(self) -> None:
        """Poll the feeds now and publish what is due, instead of waiting for the poll timer."""
        assert self.services is not None and self.bot is not None
        for feed in await self.services.stores.feeds.list():
            await self.services.stores.feeds.poll_soon(feed.id)
        await self.services.scheduler.run_cycle()
        await self.bot.publisher.run_pass()
