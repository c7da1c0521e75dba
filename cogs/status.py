"""What `newsdesk run` says about its connection: one line when ready, one when the gateway is lost and
one when it is back (logged on `bot.logs.STATUS_LOGGER`, shown at the default log level), and the
heartbeat in the database that `newsdesk health` checks.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.background import BackgroundTask
from bot.formats import plural
from bot.health import HEARTBEAT_EVERY, Heartbeat
from bot.logs import STATUS_LOGGER

if TYPE_CHECKING:
    from cogs.client import NewsdeskBot

__all__ = ["ConnectionStatus", "ready_line"]

log = logging.getLogger(STATUS_LOGGER)


def ready_line(bot: NewsdeskBot) -> str:
    """"ready: logged in as Newsdesk#0001 (id 42), 3 servers, 1 shard, database /srv/newsdesk.db, ..."."""
    user = bot.user
    who = f"{user} (id {user.id})" if user is not None else "(unknown user)"
    count = bot.shard_count or 1
    mine = getattr(bot, "shard_ids", None)  # AutoShardedClient: this process's share of SHARD_COUNT
    shards = (f"{plural(len(mine), 'shard')} ({', '.join(map(str, mine))} of {count})"
              if mine and len(mine) < count else plural(count, "shard"))
    synced = bot.commands_synced
    commands = ("commands unchanged, not synced" if synced is None or not synced else
                f"commands synced to server {bot.dev_guild_id}" if bot.dev_guild_id else
                "commands synced globally (Discord can take up to an hour to show changes)")
    database = bot.services.settings.database_label
    return (f"ready: logged in as {who}, {plural(len(bot.guilds), 'server')}, {shards}, "
            f"database {database}, {commands}")


class ConnectionStatus:
    """Listens to the bot's connection events and logs the changes, each once; once ready, writes the
    heartbeat `newsdesk health` reads (bot/health.py) through `write_beat` until `stop()`."""

    def __init__(self, bot: NewsdeskBot, write_beat: Callable[[Heartbeat], Awaitable[None]], *,
                 heartbeat_every: float = HEARTBEAT_EVERY) -> None:
        self._bot = bot
        self._write_beat = write_beat
        self._ready_once = False
        self._lost = False
        self._heartbeat = BackgroundTask("newsdesk-heartbeat", self._heartbeat_step, every=heartbeat_every)
        bot.add_listener(self.on_ready, "on_ready")
        bot.add_listener(self.on_resumed, "on_resumed")
        bot.add_listener(self.on_disconnect, "on_disconnect")

    async def _beat(self, *, stopped: bool = False) -> None:
        beat = Heartbeat(at=time.time(), connected=self._ready_once and not self._lost and not stopped,
                         servers=len(self._bot.guilds), stopped=stopped)
        await self._write_beat(beat)

    async def _heartbeat_step(self) -> None:
        # A failed write (busy or full disk) is logged by BackgroundTask and retried; the stale beat says enough.
        await self._beat()

    async def stop(self) -> None:
        """Stop beating and record a clean stop (call before the services close)."""
        await self._heartbeat.stop()
        if self._ready_once:
            with contextlib.suppress(Exception):
                await self._beat(stopped=True)

    async def on_ready(self) -> None:
        if not self._ready_once:
            self._ready_once = True
            log.info("%s", ready_line(self._bot))
            self._heartbeat.start()
        elif self._lost:
            log.info("reconnected to Discord's gateway (new session; catching up on missed comments)")
        self._lost = False

    async def on_resumed(self) -> None:
        if self._lost:
            log.info("reconnected to Discord's gateway (session resumed, nothing missed)")
        self._lost = False

    async def on_disconnect(self) -> None:
        if self._lost or self._bot.is_closed() or not self._ready_once:
            return
        self._lost = True
        log.warning("lost the connection to Discord's gateway; reconnecting")
