"""pytest fixtures for end-to-end tests: a local Discord emulator and real discord.py bots talking to it.

    async def test_ping(emulator, bot_runner):
        guild = emulator.create_guild()
        ...
        bot = make_bot()                       # a commands.Bot with test-friendly defaults
        @bot.tree.command()
        async def ping(interaction): await interaction.response.send_message("pong")
        await bot_runner.start(bot, sync=guild)
        rec = await emulator.run_slash_command(alice, channel, "ping")
        assert rec.content == "pong"

`bot_runner` fails the test at teardown if any app-command, view, modal or event handler raised, or the event
loop reported a destroyed pending task; use `E2E_MARKS` as a module's `pytestmark` to also turn never-awaited
coroutines and unclosed resources into errors (as `-X dev` would show them).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import sys
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from cogs.support.endpoints import apply_endpoints, restore_endpoints
from emulator import DiscordEmulator, Guild

__all__ = ["E2E_MARKS", "BotRunner", "bot_runner", "emulator", "make_bot", "record"]

E2E_MARKS = [
    pytest.mark.filterwarnings("error:coroutine .* was never awaited:RuntimeWarning"),
    pytest.mark.filterwarnings("error::ResourceWarning"),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]


def make_bot(*, message_content: bool = True, members: bool = True, prefix: str = "!",
             **kwargs: Any) -> commands.Bot:
    """A `commands.Bot` with the intents the Newsdesk bot uses and a short `guild_ready_timeout`."""
    intents = discord.Intents.default()
    intents.message_content = message_content
    intents.members = members
    kwargs.setdefault("guild_ready_timeout", 0.05)
    return commands.Bot(command_prefix=prefix, intents=intents, **kwargs)


def record(bot: commands.Bot, event: str) -> list[Any]:
    """Collect what `bot` receives for `event` (e.g. "message", "raw_reaction_add"): one item per dispatch,
    the argument itself, or a tuple when the event has several. Pair with `emulator.wait_for`."""
    seen: list[Any] = []

    async def listener(*args: Any) -> None:
        seen.append(args[0] if len(args) == 1 else args)

    bot.add_listener(listener, f"on_{event}")
    return seen


class _ErrorLogs(logging.Handler):
    """discord.py logs what it swallows (task loops, views, background tasks) at ERROR: collect those."""

    def __init__(self, runner: BotRunner) -> None:
        super().__init__(logging.ERROR)
        self.runner = runner

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if not any(re.search(p, text) for p in self.runner.allowed_log_errors):
            self.runner.errors.append(f"logged by {record.name}: {text} {record.exc_info[1] if record.exc_info else ''}")


class BotRunner:
    """Starts discord.py clients against one emulator, records every error they swallow, stops them.

    `errors` collects exceptions from app-command/view/modal/event handlers, ERROR logs of the `discord`
    loggers (add a regex to `allowed_log_errors` for an error a test provokes on purpose) and event-loop
    reports such as destroyed pending tasks."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.errors: list[BaseException | str] = []
        self.allowed_log_errors: list[str] = []
        self._log_handler = _ErrorLogs(self)
        logging.getLogger("discord").addHandler(self._log_handler)
        self._running: list[tuple[discord.Client, asyncio.Task[None]]] = []
        self._previous = apply_endpoints(emu.api_base, emu.gateway_url)
        loop = asyncio.get_running_loop()
        self._old_handler = loop.get_exception_handler()
        loop.set_exception_handler(self._loop_error)
        self._old_view_error = discord.ui.View.on_error
        self._old_modal_error = discord.ui.Modal.on_error
        runner = self

        async def view_error(view: Any, interaction: Any, error: Exception, item: Any) -> None:
            runner.errors.append(error)

        async def modal_error(modal: Any, interaction: Any, error: Exception) -> None:
            runner.errors.append(error)

        discord.ui.View.on_error = view_error  # type: ignore[method-assign]
        discord.ui.Modal.on_error = modal_error  # type: ignore[method-assign]

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.errors.append(f"event loop: {context.get('message')} {context.get('exception') or ''}")

    async def start(self, client: discord.Client, *, sync: bool | Guild = False, timeout: float = 10.0,
                    fast_identify: bool = True) -> Any:
        """Log `client` in and wait for on_ready; `sync=True` syncs global commands; `sync=guild` copies
        the global commands to that guild and syncs it (instant, like DEV_GUILD_ID). `fast_identify` drops
        discord.py's 5 s pause before each non-initial IDENTIFY (shards, re-identify), which only protects
        the real Discord's identify rate limit."""
        runner = self
        tree: app_commands.CommandTree[Any] | None = getattr(client, "tree", None)
        if tree is not None:
            async def tree_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
                runner.errors.append(error)

            tree.on_error = tree_error  # type: ignore[method-assign]

        async def event_error(event: str, *args: Any, **kwargs: Any) -> None:
            runner.errors.append(sys.exc_info()[1] or RuntimeError(f"error in {event}"))

        client.on_error = event_error  # type: ignore[method-assign]
        if fast_identify:
            async def no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
                return None

            client.before_identify_hook = no_identify_wait  # type: ignore[method-assign]
        task = asyncio.create_task(client.start(self.emu.token), name="emulated-bot")
        self._running.append((client, task))
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            self._running.remove((client, task))
            await client.close()
            if task in done:
                task.result()  # raises the login/gateway failure (e.g. PrivilegedIntentsRequired)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise TimeoutError(f"bot not ready within {timeout}s")
        if tree is not None and sync:
            if isinstance(sync, Guild):  # as with DEV_GUILD_ID: global commands copied to one guild
                target = discord.Object(sync.id)
                tree.copy_global_to(guild=target)
                await tree.sync(guild=target)
            else:
                await tree.sync()
        return client

    async def stop(self, client: discord.Client) -> None:
        for pair in list(self._running):
            if pair[0] is client:
                self._running.remove(pair)
                await client.close()
                with contextlib.suppress(asyncio.CancelledError):
                    await pair[1]

    async def close(self) -> None:
        for client, _ in list(self._running):
            await self.stop(client)
        # Let aiohttp connectors finish closing, then surface anything garbage collection reports.
        await asyncio.sleep(0)
        gc.collect()
        discord.ui.View.on_error = self._old_view_error  # type: ignore[method-assign]
        discord.ui.Modal.on_error = self._old_modal_error  # type: ignore[method-assign]
        asyncio.get_running_loop().set_exception_handler(self._old_handler)
        logging.getLogger("discord").removeHandler(self._log_handler)
        restore_endpoints(self._previous)

    def raise_errors(self) -> None:
        self.errors.extend(self.emu.faults.internal_errors)
        if self.errors:
            first = self.errors[0]
            if isinstance(first, BaseException):
                raise AssertionError(f"the bot raised {len(self.errors)} error(s); first: {first!r}") from first
            raise AssertionError(f"the bot raised {len(self.errors)} error(s); first: {first}")


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    # Generous interaction deadline: the CI machine is shared and slow; fidelity tests set it explicitly.
    emu = DiscordEmulator(interaction_response_timeout=30.0)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def bot_runner(emulator: DiscordEmulator) -> AsyncIterator[BotRunner]:
    runner = BotRunner(emulator)
    try:
        yield runner
    finally:
        await runner.close()
    runner.raise_errors()
