"""`newsdesk run` against the emulator: the two start-up mistakes a self-hoster makes first (a wrong token, the
Message Content intent left off) end with one line saying how to fix them, not a traceback."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.config import OPTIONS
from emulator import DiscordEmulator

ROOT = Path(__file__).resolve().parent.parent


async def run(emu: DiscordEmulator, token: str, tmp_path: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {o.env for o in OPTIONS}}
    env.update(DISCORD_TOKEN=token, DISCORD_API_BASE=emu.api_base, DISCORD_GATEWAY_URL=emu.gateway_url,
               DATABASE_PATH=str(tmp_path / "run.db"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--env-file", os.devnull, "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_wrong_token_says_how_to_fix_it(tmp_path: Path) -> None:
    async with DiscordEmulator(token="the-right-token") as emu:
        code, out, err = await run(emu, "a-wrong-token", tmp_path)
    assert code == 2, err
    assert err.startswith("newsdesk: Discord rejected DISCORD_TOKEN") and "Reset Token" in err
    assert "Traceback" not in err and "a-wrong-token" not in err + out


async def test_message_content_intent_off_says_how_to_fix_it(tmp_path: Path) -> None:
    async with DiscordEmulator(token="the-right-token") as emu:
        emu.set_message_content_intent(False)
        code, _out, err = await run(emu, "the-right-token", tmp_path)
    assert code == 2, err
    assert "Message Content intent is off" in err and "Traceback" not in err
    assert err.count("\n") == 1, err  # one line, quiet logs
