"""What `newsdesk run` tells its operator: a ready line, lost and regained gateway lines, and logs where
LOG_LEVEL is Newsdesk's own verbosity, not the libraries'."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.health import Heartbeat, feed_worker_key, heartbeat_key, judge, read_heartbeat, write_heartbeat
from bot.logs import OWN_LOGGERS, STATUS_LOGGER, configure_logging
from bot.storage.engines import open_database
from bot.storage.meta import MetaStore
from emulator import DiscordEmulator
from newsdesk.app import launch_bot
from tests.emulator_fixtures import E2E_MARKS

pytestmark = E2E_MARKS


@pytest.fixture
def restore_logging() -> Iterator[None]:
    names = ["", *OWN_LOGGERS, STATUS_LOGGER, "discord", "aiosqlite", "trafilatura", "trafilatura.utils"]
    saved = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers)) for name in names}
    yield
    for name, (level, handlers) in saved.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).handlers[:] = handlers


def enabled(name: str, level: int) -> bool:
    return logging.getLogger(name).isEnabledFor(level)


def test_default_level_shows_status_and_problems_only(restore_logging: None) -> None:
    configure_logging("warning")
    assert enabled(STATUS_LOGGER, logging.INFO) and not enabled("cogs.loader", logging.INFO)
    assert enabled("bot.feeds.poller", logging.WARNING) and enabled("discord.gateway", logging.WARNING)
    # trafilatura logs ERROR for every page it cannot parse; Newsdesk reports extraction failures itself.
    assert not enabled("trafilatura.utils", logging.ERROR)


def test_debug_is_newsdesk_debug_and_libraries_need_their_own_setting(restore_logging: None) -> None:
    configure_logging("debug")
    assert enabled("bot.storage.writer", logging.DEBUG) and enabled("cogs.client", logging.DEBUG)
    assert not enabled("aiosqlite", logging.DEBUG) and not enabled("discord.gateway", logging.DEBUG)
    configure_logging("debug", "debug")
    assert enabled("aiosqlite", logging.DEBUG) and enabled("trafilatura.utils", logging.DEBUG)
    configure_logging("error")
    assert not enabled(STATUS_LOGGER, logging.INFO) and enabled(STATUS_LOGGER, logging.ERROR)


async def test_run_says_ready_once_and_reports_a_lost_and_regained_gateway(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=STATUS_LOGGER)
    caplog.set_level(logging.INFO, logger="cogs")
    async with DiscordEmulator() as emu:
        guild = emu.create_guild("Solo")
        emu.create_guild("Other")
        settings = load_settings({"DISCORD_TOKEN": emu.token, "DISCORD_API_BASE": emu.api_base,
                                  "DISCORD_GATEWAY_URL": emu.gateway_url, "DEV_GUILD_ID": str(guild.id),
                                  "DATABASE_PATH": str(tmp_path / "n.db")}, env_file=None)

        def status() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.name == STATUS_LOGGER]

        async with launch_bot(settings, report_status=True, guild_ready_timeout=0.05) as launched:
            await emu.wait_for(lambda: status(), 10, what="the ready line")
            [ready] = status()
            user = launched.bot.user
            assert ready == (f"ready: logged in as {user} (id {user.id}), 2 servers, 1 shard, database "
                             f"{(tmp_path / 'n.db').resolve()}, commands synced to server {guild.id}")
            beat = await read_heartbeat(launched.services.stores.meta)
            assert beat is not None and beat.connected and beat.servers == 2 and not beat.stopped
            await emu.disconnect(resumable=True)
            await emu.wait_for(lambda: len(status()) >= 3, 10, what="lost and resumed lines")
            assert status()[1:] == ["lost the connection to Discord's gateway; reconnecting",
                                    "reconnected to Discord's gateway (session resumed, nothing missed)"]
            await emu.disconnect(resumable=False)
            await emu.wait_for(lambda: len(status()) >= 5, 10, what="lost and new-session lines")
            assert status()[4].startswith("reconnected to Discord's gateway (new session")
        assert len(status()) == 5  # closing the bot is not a lost connection
        db = await open_database(tmp_path / "n.db")
        beat = await read_heartbeat(MetaStore(db))
        await db.close()
        assert beat is not None and beat.stopped and not beat.connected
    assert not [r for r in caplog.records if "loaded cog" in r.getMessage() and r.levelno >= logging.INFO]


def test_health_judges_the_heartbeat() -> None:
    now = 1_000_000.0
    assert judge(Heartbeat(now - 10, True, 1), max_age=120, now=now) == (
        True, "ok: connected to Discord, 1 server, heartbeat 10 s ago")
    assert judge(None, max_age=120, now=now)[0] is False
    assert judge(Heartbeat(now - 300, True, 1), max_age=120, now=now) == (
        False, "unhealthy: no heartbeat for 300 s (is `newsdesk run` running?)")
    assert judge(Heartbeat(now - 5, False, 1), max_age=120, now=now)[1].startswith("unhealthy: running but not")
    assert judge(Heartbeat(now - 5, False, 1, stopped=True), max_age=120, now=now)[1] == (
        "unhealthy: the bot stopped 5 s ago")


def test_health_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                        restore_logging: None) -> None:
    from newsdesk.cli import main

    path = tmp_path / "h.db"
    monkeypatch.setenv("DATABASE_PATH", str(path))
    assert main(["--env-file", "/dev/null", "health"]) == 1
    assert capsys.readouterr().err.strip() == f"newsdesk: unhealthy: no database at {path} (DATABASE_PATH)"

    async def beat(connected: bool) -> None:
        db = await open_database(path)
        await write_heartbeat(MetaStore(db), Heartbeat(time.time(), connected, 3))
        await db.close()

    asyncio.run(beat(True))
    assert main(["--env-file", "/dev/null", "health"]) == 0
    assert capsys.readouterr().out.startswith("ok: connected to Discord, 3 servers")
    asyncio.run(beat(False))
    assert main(["--env-file", "/dev/null", "health"]) == 1

    # gateway processes sharing one database each read their own shards' heartbeat
    async def shard_beat(shards: tuple[int, ...], connected: bool) -> None:
        db = await open_database(path)
        await write_heartbeat(MetaStore(db), Heartbeat(time.time(), connected, 2), key=heartbeat_key(shards))
        await db.close()

    asyncio.run(shard_beat((0, 1), True))
    asyncio.run(shard_beat((2, 3), False))
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", "0,1")
    capsys.readouterr()
    assert main(["--env-file", "/dev/null", "health"]) == 0
    assert capsys.readouterr().out.startswith("ok: connected to Discord, 2 servers")
    monkeypatch.setenv("SHARD_IDS", "2,3")
    assert main(["--env-file", "/dev/null", "health"]) == 1

    # a feed worker has no gateway: its beat on this host says it runs
    capsys.readouterr()
    assert main(["--env-file", "/dev/null", "health", "--role", "feeds"]) == 1
    assert "no heartbeat yet from a feed worker on this host" in capsys.readouterr().err

    async def worker_beat() -> None:
        db = await open_database(path)
        await write_heartbeat(MetaStore(db), Heartbeat(time.time(), True, 0),
                              key=feed_worker_key(socket.gethostname()))
        await db.close()

    asyncio.run(worker_beat())
    assert main(["--env-file", "/dev/null", "health", "--role", "feeds"]) == 0
    assert capsys.readouterr().out.startswith("ok: feed worker running, heartbeat ")


async def test_the_ready_line_names_this_processs_shards(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=STATUS_LOGGER)
    async with DiscordEmulator() as emu:
        emu.create_guild("Solo")
        settings = load_settings({"DISCORD_TOKEN": emu.token, "DISCORD_API_BASE": emu.api_base,
                                  "DISCORD_GATEWAY_URL": emu.gateway_url, "SHARD_COUNT": "2", "SHARD_IDS": "1",
                                  "DATABASE_PATH": str(tmp_path / "n.db")}, env_file=None)
        async with launch_bot(settings, report_status=True, guild_ready_timeout=0.05):
            await emu.wait_for(lambda: any(r.name == STATUS_LOGGER for r in caplog.records), 10, what="ready")
    ready = next(r.getMessage() for r in caplog.records if r.name == STATUS_LOGGER)
    assert ", 1 shard (1 of 2), " in ready and "commands synced globally" in ready
