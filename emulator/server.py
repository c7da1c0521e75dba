"""`EmulatorServer`: the aiohttp server (REST under /api/v10, the gateway websocket, attachment files) around
the `World` state. `emulator.testkit.DiscordEmulator` adds the test-side API and the /_emulator routes."""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from typing import Any, Self, TypeVar

from aiohttp import web

from emulator.errors import ApiError
from emulator.faults import Faults
from emulator.gateway import Gateway
from emulator.interactions import CommandRegistry, InteractionRecord
from emulator.model import snowflake_time
from emulator.oauth import OAuthApp, add_oauth_routes
from emulator.rest_core import add_core_routes
from emulator.rest_interactions import add_interaction_routes
from emulator.rest_messages import add_message_routes
from emulator.rest_webhooks import add_webhook_routes
from emulator.webhooks import World
from emulator.wire import API_PREFIX
from emulator.world import Hidden

__all__ = ["EmulatorServer"]

_log = logging.getLogger(__name__)
T = TypeVar("T")


class EmulatorServer:
    """A local Discord for one bot application (use `DiscordEmulator`, which adds the test-side API).

    Point discord.py at it with `api_base` and `gateway_url` (see cogs.support.endpoints) and log in with
    `token`. Everything the bot does is checked and applied to `world`, and dispatched over the gateway.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str = "emulator-token",
                 bot_name: str = "Newsdesk", message_content_intent: bool = True,
                 heartbeat_interval_ms: int = 41_250, interaction_response_timeout: float = 3.0,
                 recommended_shards: int = 1, event_log_size: int = 10_000) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.world = World(bot_name=bot_name, message_content_allowed=message_content_intent)
        self.gateway = Gateway(self.world, token=token, heartbeat_interval_ms=heartbeat_interval_ms)
        self.faults = Faults()
        self.commands = CommandRegistry(self.world)
        self.interactions: list[InteractionRecord] = []
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        # Discord answers 404 Unknown interaction to a first response later than 3 s.
        self.interaction_response_timeout = interaction_response_timeout
        self.recommended_shards = recommended_shards
        self.files: dict[int, tuple[bytes, str]] = {}
        self.oauth = OAuthApp()  # "Login with Discord" for the web dashboard
        # The last gateway events dispatched (name, payload): handy for assertions on what the bot was sent.
        self.events: collections.deque[tuple[str, dict[str, Any]]] = collections.deque(maxlen=event_log_size)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.world.emit = self._emit
        self.world.emit_json = self._emit_json

    # ---- lifecycle ----------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """What DISCORD_API_BASE should be."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """What DISCORD_GATEWAY_URL should be."""
        return f"ws://{self.host}:{self.port}/gateway"

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self.faults.middleware], client_max_size=64 * 1024 * 1024)
        add_oauth_routes(app.router, self, API_PREFIX)  # first: /users/@me before /users/{user_id}
        add_core_routes(app.router, self, API_PREFIX)
        add_message_routes(app.router, self, API_PREFIX)
        add_webhook_routes(app.router, self, API_PREFIX, add_interaction_routes(app.router, self, API_PREFIX))
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/", self.gateway.handle)
        return app

    async def start(self) -> Self:
        self._changed = asyncio.Event()
        flowing = self.gateway._flowing.is_set()
        self.gateway._flowing = asyncio.Event()  # events bind to the running loop: fresh ones per start
        if flowing:
            self.gateway._flowing.set()
        for session in self.gateway.sessions.values():
            session.wake = asyncio.Event()
        self._runner = web.AppRunner(self.build_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.gateway.resume_url = self.gateway_url
        return self

    async def stop(self) -> None:
        if self._runner is None:
            return
        await self.gateway.close_all()
        self.faults.drop_delayed()  # else the graceful shutdown waits for the slow fault to run out
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- plumbing used by the routes -----------------------------------------------------------------------------
    def authorize(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise ApiError(401, 0, "401: Unauthorized")

    def store_attachments(self, channel_id: int, specs: list[dict[str, Any]],
                          files: list[tuple[str, str, bytes, str]]) -> list[dict[str, Any]]:
        """Turn multipart `files[n]` parts (and `attachments` entries that keep existing ones) into
        attachment objects served by this emulator at /attachments/..."""
        by_index = {}
        for field_name, filename, data, ctype in files:
            index = field_name[6:-1] if field_name.startswith("files[") else field_name
            by_index[index] = (filename, data, ctype)
        out: list[dict[str, Any]] = []
        for spec in specs:
            key = str(spec.get("id"))
            if key in by_index:
                filename, data, ctype = by_index.pop(key)
                out.append(self._attachment(channel_id, spec.get("filename") or filename, data, ctype,
                                            spec.get("description")))
            elif key.isdigit() and int(key) in self.files:  # keeping an existing attachment on edit
                data, ctype = self.files[int(key)]
                out.append(self._attachment(channel_id, str(spec.get("filename") or "file"), data, ctype, None,
                                            attachment_id=int(key)))
        for filename, data, ctype in by_index.values():
            out.append(self._attachment(channel_id, filename, data, ctype, None))
        return out

    def _attachment(self, channel_id: int, filename: str, data: bytes, ctype: str, description: str | None,
                    attachment_id: int | None = None) -> dict[str, Any]:
        aid = attachment_id or self.world.ids.next()
        self.files[aid] = (data, ctype)
        url = f"{self.base_url}/attachments/{channel_id}/{aid}/{filename}"
        att: dict[str, Any] = {"id": str(aid), "filename": filename, "size": len(data), "url": url,
                               "proxy_url": url, "content_type": ctype, "spoiler": filename.startswith("SPOILER_")}
        if description:
            att["description"] = description
        return att

    def _emit(self, event: str, payload: dict[str, Any], guild_id: int | None, hidden: Hidden) -> None:
        if not self.world.reaches_bot(event, payload, guild_id):
            self._changed.set()
            return
        self.gateway.dispatch(event, payload, guild_id, hidden)
        if "__guild__" in payload:  # the gateway renders GUILD_CREATE per session; log the guild id
            payload = {"id": str(payload["__guild__"])}
        self.events.append((event, payload))
        self._changed.set()

    def _emit_json(self, event: str, guild_id: int | None, full_json: str, hidden_json: str | None) -> None:
        if guild_id is None or self.world.bot_in(guild_id):  # the fast path posts in guild channels only
            self.gateway.dispatch_json(event, guild_id, full_json, hidden_json)
        self._changed.set()

    def notify(self) -> None:
        """Wake `wait_for` waiters (called after any state change that emits no gateway event)."""
        self._changed.set()

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0, *, what: str = "") -> T:
        """Wait until `predicate()` returns something truthy and return it; TimeoutError after `timeout` s.

        Re-checked on every state change (REST call, gateway event) and at least every 50 ms.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s{': ' + what if what else ''}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))
            except TimeoutError:
                pass

    def age_of(self, snowflake: int) -> float:
        return time.time() - snowflake_time(snowflake)
