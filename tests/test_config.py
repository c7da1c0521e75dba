from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import OPTIONS, Secret, Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults() -> None:
    s = load_settings({}, env_file=None)
    assert s.discord_token is None
    assert s.database_path == Path("data/newsdesk.db")
    assert s.summarizer == "extractive"
    assert s.allow_private_networks is False
    assert s.discord_api_base == "https://discord.com/api/v10"
    assert s.discord_gateway_url == "wss://gateway.discord.gg"


def test_env_file_and_environment_precedence(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("LOG_LEVEL=debug\nPOLL_INTERVAL_SECONDS=120\n")
    s = load_settings({"POLL_INTERVAL_SECONDS": "300"}, env_file=env)
    assert s.log_level == "debug"
    assert s.poll_interval_seconds == 300


@pytest.mark.parametrize(
    ("env", "value", "fragment"),
    [
        ("POLL_INTERVAL_SECONDS", "soon", "an integer from 60"),
        ("POLL_INTERVAL_SECONDS", "5", "an integer from 60"),
        ("HTTP_READ_TIMEOUT", "-1", "positive number"),
        ("HTTP_READ_TIMEOUT", "nan", "positive number"),
        ("SUMMARIZER", "gpt", "extractive or llm"),
        ("NEWSDESK_ALLOW_PRIVATE_NETWORKS", "maybe", "true or false"),
        ("DISCORD_API_BASE", "discord.com/api", "http(s) URL"),
        ("DISCORD_API_BASE", "https://discord.com/api/v9", "ending in /api/v10"),
        ("DISCORD_API_BASE", "http://127.0.0.1:8080", "ending in /api/v10"),
        ("LOG_LEVEL_LIBRARIES", "loud", "one of debug"),
        ("DISCORD_GATEWAY_URL", "https://gateway", "ws(s) URL"),
        ("DEV_GUILD_ID", "abc", "guild id"),
        ("LOG_LEVEL", "loud", "one of debug"),
        ("SHARD_IDS", "x", "comma-separated"),
    ],
)
def test_bad_values_name_variable_value_and_form(env: str, value: str, fragment: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({env: value}, env_file=None)
    message = str(info.value)
    assert "\n" not in message
    assert env in message and repr(value) in message and fragment in message


def test_shard_ids_need_count() -> None:
    with pytest.raises(SettingsError, match="SHARD_COUNT"):
        load_settings({"SHARD_IDS": "0,1"}, env_file=None)
    with pytest.raises(SettingsError, match="below"):
        load_settings({"SHARD_IDS": "0,2", "SHARD_COUNT": "2"}, env_file=None)
    assert load_settings({"SHARD_IDS": "0,1", "SHARD_COUNT": "2"}, env_file=None).shard_ids == (0, 1)


def test_secrets_never_show() -> None:
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz12345678"
    s = load_settings({"DISCORD_TOKEN": token, "LLM_API_KEY": "sk-verysecret"}, env_file=None)
    assert token not in repr(s) and "sk-verysecret" not in repr(s)
    assert isinstance(s.discord_token, Secret) and s.discord_token.reveal() == token
    with pytest.raises(SettingsError) as info:
        load_settings({"DISCORD_TOKEN": token, "LLM_API_KEY": "x", "SUMMARIZER": "bad"}, env_file=None)
    assert token not in str(info.value)


def test_every_option_is_a_field_and_in_env_example() -> None:
    field_names = set(Settings.__dataclass_fields__)
    assert {o.field for o in OPTIONS} == field_names
    example = (ROOT / ".env.example").read_text()
    for option in OPTIONS:
        assert f"\n{option.env}={option.default}\n" in example + "\n", option.env
