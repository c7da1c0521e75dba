"""The token and API keys never reach the output, not even in tracebacks; log lines name their ids; the bot is
quiet by default."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import OPTIONS, load_settings
from bot.logs import RedactingFormatter
from demo.stage import DemoStage
from newsdesk.app import launch_bot
from tests.loopback import serve

ROOT = Path(__file__).resolve().parent.parent
# Not shaped like a Discord token on purpose: only registering the secret can hide it.
TOKEN = "sandbox-secret-token-0123456789abcdef"
API_KEY = "sk-test-llm-key-fedcba9876543210"


async def test_run_with_a_token_that_the_server_echoes_back_leaks_nothing(tmp_path: Path) -> None:
    """`newsdesk run` against a server that quotes the Authorization header in its error: the login fails,
    the CLI prints one line and (at LOG_LEVEL=debug) the traceback; neither shows the token or the key."""
    seen: list[str] = []

    async def echo(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response({"message": f"bad header {request.headers.get('Authorization')} "
                                             f"key {API_KEY}", "code": 0}, status=400)

    async with serve(lambda app: app.router.add_route("*", "/{tail:.*}", echo)) as base:
        env = {k: v for k, v in os.environ.items() if k not in {o.env for o in OPTIONS}}
        env.update(DISCORD_TOKEN=TOKEN, LLM_API_KEY=API_KEY, LOG_LEVEL="debug", DISCORD_API_BASE=f"{base}/api/v10",
                   DISCORD_GATEWAY_URL=base.replace("http:", "ws:"), DATABASE_PATH=str(tmp_path / "run.db"))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--env-file", os.devnull, "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    output = out.decode() + err.decode()
    assert proc.returncode == 1, output
    assert seen and TOKEN in seen[0]  # the server really was sent (and echoed) the token
    assert "newsdesk: unexpected error: HTTPException: 400 Bad Request" in output
    assert "Traceback" in output and "bad header Bot ********" in output  # the debug traceback, scrubbed
    assert TOKEN not in output and API_KEY not in output


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Everything logged, formatted as production formats it (RedactingFormatter on the root logger)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


async def test_a_failing_command_logs_its_ids_and_no_secret(tmp_path: Path, captured_logs: io.StringIO) -> None:
    """The real bot (emulator, token, LLM key): a command that fails unexpectedly with both secrets in its
    exception's text is logged with its guild and channel ids and a traceback, both scrubbed."""
    settings = load_settings({"LLM_API_KEY": API_KEY, "DATABASE_PATH": str(tmp_path / "x.db")}, env_file=None)
    async with DemoStage(settings, tmp_path / "x.db", launch_bot, token=TOKEN) as stage:
        assert stage.services is not None

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError(f"boom: token={TOKEN} key={API_KEY}")

        stage.services.stats.ranked = broken  # type: ignore[method-assign]
        rec = await stage.emu.run_slash_command(stage.people.alice, stage.news, "trending", timeout=15)
        assert "Something went wrong on my side" in rec.content  # the user gets a plain private answer
        assert len(stage.bot.unexpected_errors) == 1
        stage.bot.unexpected_errors.clear()
    text = captured_logs.getvalue()
    assert f"guild {stage.guild.id} channel {stage.news.id}: command trending failed" in text
    assert "Traceback" in text and "RuntimeError: boom: token=******** key=********" in text
    assert TOKEN not in text and API_KEY not in text


def test_quiet_by_default() -> None:
    assert load_settings({}, env_file=None).log_level == "warning"
