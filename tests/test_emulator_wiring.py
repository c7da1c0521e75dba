"""cogs.support.endpoints moves discord.py to the emulator from Settings and restores it; emulator stays
free of discord imports (it is a server)."""

from __future__ import annotations

import ast
from pathlib import Path

import discord
import discord.gateway
import discord.http

from bot.config import load_settings
from cogs.support.endpoints import current_endpoints, discord_endpoints, settings_endpoints
from emulator import DiscordEmulator
from tests.emulator_fixtures import E2E_MARKS, make_bot

pytestmark = E2E_MARKS


def test_endpoints_are_set_and_restored() -> None:
    before = current_endpoints()
    with discord_endpoints("http://127.0.0.1:1/api/v10/", "ws://127.0.0.1:1/gateway") as applied:
        assert discord.http.Route.BASE == "http://127.0.0.1:1/api/v10" == applied.api_base
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:1/gateway"
        route = discord.http.Route("GET", "/users/@me")
        assert route.url == "http://127.0.0.1:1/api/v10/users/@me"
    assert current_endpoints() == before


async def test_bot_reaches_the_emulator_through_settings(emulator: DiscordEmulator) -> None:
    guild = emulator.create_guild()
    settings = load_settings(environ={"DISCORD_API_BASE": emulator.api_base,
                                      "DISCORD_GATEWAY_URL": emulator.gateway_url,
                                      "DISCORD_TOKEN": emulator.token}, env_file=None)
    bot = make_bot()
    with settings_endpoints(settings):
        async with bot:
            assert settings.discord_token is not None
            await bot.login(settings.discord_token.reveal())
            assert bot.user is not None and bot.user.id == emulator.world.bot_user.id
            assert (await bot.fetch_guild(guild.id)).name == guild.name
    assert discord.http.Route.BASE == "https://discord.com/api/v10"


def test_sandbox_never_imports_discord() -> None:
    root = Path(__file__).resolve().parents[1] / "emulator"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n == "discord" or n.startswith("discord.")]
    assert offenders == []
