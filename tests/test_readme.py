"""The README says what the code does: its configuration, permissions and commands tables match the code, the
quickstart's test command is the one CI runs, and `newsdesk invite-url` asks for exactly the listed bits."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from discord import Permissions, app_commands

from bot.config import OPTIONS, load_settings
from bot.permissions import (
    BOT_PERMISSIONS,
    client_id_from_token,
    invite_url,
    permissions_integer,
    user_install_url,
)
from cogs.loader import load_cogs
from newsdesk.app import build_bot, open_services
from newsdesk.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def table(marker: str) -> list[list[str]]:
    """Rows (cells stripped) of the Markdown table following `<!-- marker: ... -->`."""
    start = README.index(f"<!-- {marker}")
    rows = []
    for line in README[start:].splitlines()[1:]:
        line = line.strip()
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    assert rows and set(rows[1][0]) <= {"-"}, f"no table after {marker}"
    return rows[2:]


def unquote(cell: str) -> str:
    return cell.strip("`")


def test_configuration_table_matches_settings() -> None:
    rows = table("config-table")
    expected = [[f"`{o.env}`", f"`{o.default}`" if o.default else "(empty)", o.meaning] for o in OPTIONS]
    assert rows == expected


def test_permissions_table_matches_the_list_the_invite_url_uses() -> None:
    assert table("permissions-table") == [[p.name, p.why] for p in BOT_PERMISSIONS]


def test_invite_url_asks_for_exactly_the_listed_permissions() -> None:
    query = parse_qs(urlsplit(invite_url(1234567890123456789)).query)
    assert query["client_id"] == ["1234567890123456789"]
    assert query["scope"] == ["bot applications.commands"]
    assert int(query["permissions"][0]) == sum(p.bit for p in BOT_PERMISSIONS) == permissions_integer()
    assert len({p.bit for p in BOT_PERMISSIONS}) == len(BOT_PERMISSIONS)
    assert all(p.bit & (p.bit - 1) == 0 for p in BOT_PERMISSIONS)  # one bit each
    # Each name is Discord's own name for that bit (as discord.py spells the flag).
    for p in BOT_PERMISSIONS:
        flag = {"View Channels": "view_channel"}.get(p.name, p.name.lower().replace(" ", "_"))
        assert Permissions(**{flag: True}).value == p.bit, p.name


def test_invite_url_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for option in OPTIONS:
        monkeypatch.delenv(option.env, raising=False)
    assert main(["--env-file", "/dev/null", "invite-url", "--client-id", "42424242424242424"]) == 0
    assert capsys.readouterr().out.strip() == invite_url(42424242424242424)
    assert main(["--env-file", "/dev/null", "invite-url"]) == 2
    assert "--client-id" in capsys.readouterr().err
    assert main(["--env-file", "/dev/null", "invite-url", "--client-id", "abc"]) == 2
    # The client id can come from the token: its first part is the bot's id in base64.
    monkeypatch.setenv("DISCORD_TOKEN", "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz12345678")
    assert main(["--env-file", "/dev/null", "invite-url", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "client_id=123456789012345678" in out and "Manage Threads: Lock, close" in out


def test_user_install_link_and_how_to_enable_it(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    query = parse_qs(urlsplit(user_install_url(1234567890123456789)).query)
    # Discord's user install: integration type 1 and only the commands scope (no bot user, no permissions).
    assert query == {"client_id": ["1234567890123456789"], "integration_type": ["1"],
                     "scope": ["applications.commands"]}
    for option in OPTIONS:
        monkeypatch.delenv(option.env, raising=False)
    assert main(["--env-file", "/dev/null", "invite-url", "--client-id", "42424242424242424", "--user"]) == 0
    assert capsys.readouterr().out.strip() == user_install_url(42424242424242424)
    assert main(["--env-file", "/dev/null", "invite-url", "--client-id", "42424242424242424", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "Installation Contexts: tick User Install" in out and "Leave DEV_GUILD_ID empty" in out
    assert out.strip().endswith(user_install_url(42424242424242424))
    flat = " ".join(README.split())
    assert "newsdesk invite-url --user" in flat and "User Install" in flat


def test_client_id_from_token() -> None:
    assert client_id_from_token("MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.xyz") == 123456789012345678
    assert client_id_from_token("not-a-token") is None
    assert client_id_from_token("") is None


async def registered_commands(tmp_path: Path) -> dict[str, str]:
    """`/name sub` -> description for slash commands, `Apps › Name` for context menus, as the bot registers
    them: the real bot with its real cogs, built offline (no login)."""
    settings = load_settings({"DATABASE_PATH": str(tmp_path / "commands.db")}, env_file=None)
    found: dict[str, str] = {}

    def walk(command: app_commands.Command | app_commands.Group, prefix: str = "") -> None:
        if isinstance(command, app_commands.Group):
            for child in command.commands:
                walk(child, f"{prefix}{command.name} ")
        else:
            found[f"/{prefix}{command.name}"] = command.description

    async with open_services(settings) as services:
        bot = build_bot(services)
        async with bot:
            await load_cogs(bot, services, bot.publisher)
            for command in bot.tree.get_commands():
                if isinstance(command, app_commands.ContextMenu):
                    found[f"Apps › {command.name}"] = ""
                else:
                    walk(command)
    return found


async def test_commands_table_matches_registered_commands(tmp_path: Path) -> None:
    registered = await registered_commands(tmp_path)
    rows = table("commands-table")
    documented = {re.sub(r"`", "", row[0]): row[1] for row in rows}
    assert len(documented) == len(rows), "a command is listed twice"
    assert sorted(documented) == sorted(registered)
    for name, description in registered.items():
        if name.startswith("/"):
            assert documented[name] == description, f"{name}: README says {documented[name]!r}"
    assert all(row[2] for row in rows), "every command says who can use it"


def test_quickstart_is_two_commands_and_the_second_is_what_ci_runs() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quickstart, re.S)
    commands = [b.strip() for b in blocks[:2]]
    # pip first: the one Python 3.11 ships warns about lxml's html_clean extra, which current pips read right.
    assert commands[0] == ("python3 -m venv .venv && .venv/bin/pip install -U pip && .venv/bin/pip install -e . "
                           "&& .venv/bin/newsdesk sandbox")
    assert commands[1] == ('python3 -m venv .venv && .venv/bin/pip install -U pip && .venv/bin/pip install -e ".[dev]" && '
                           ".venv/bin/python -m pytest -q")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -q --upgrade pip" in ci
    assert 'pip install -q -e ".[dev]"' in ci and ".venv/bin/python -m pytest -q" in ci


def test_docker_keeps_the_database_in_the_volume() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert "FROM python:3.11" in dockerfile and 'CMD ["newsdesk", "run"]' in dockerfile
    assert 'VOLUME ["/app/data"]' in dockerfile and "WORKDIR /app" in dockerfile
    assert "newsdesk-data:/app/data" in compose and "DATABASE_PATH: data/newsdesk.db" in compose
    assert "env_file: .env" in compose
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and "data/*.db" in ignored  # no secrets or databases baked into the image


def test_operations_docs_cover_what_a_self_hoster_needs() -> None:
    running = README.split("## Running it for good", 1)[1].split("\n## ", 1)[0]
    for needed in ("[Service]", "Restart=on-failure", "journalctl -u newsdesk", "**Upgrading.**", "db backup",
                   "**Restoring a backup.**", "newsdesk export --list-guilds", "LLM_BASE_URL=http://127.0.0.1:11434/v1",
                   "ollama pull", "LLM_API_KEY=", "SUMMARIZER=llm"):
        assert needed in running, needed
    flat = " ".join(README.split())
    for needed in ("digest_channel:", "digest_time:", "Allow anyone to @mention this role", "docker compose cp",
                   "10001", "newsdesk invite-url --explain"):
        assert needed in flat, needed
