"""Typed settings read from the environment and `.env`.

Every option is declared once in `OPTIONS`; `.env.example`, the README's configuration table and the
`Settings` dataclass are all checked against that list by tests, so they cannot drift apart.
An invalid value raises `SettingsError` whose message is one line naming the variable, the value and the
expected form, which the CLI prints instead of a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.storage.database import database_target, redact
from bot.storage.dialect import POSTGRESQL
from bot.storage.errors import DatabaseUnusable

__all__ = ["OPTIONS", "Option", "Secret", "Settings", "SettingsError", "load_settings"]


class SettingsError(ValueError):
    """A setting has a value we cannot use. The message is meant for the person starting the bot."""


class Secret:
    """A string that never shows itself in reprs, logs or tracebacks' locals."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def _int(minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw.strip())
        if minimum is not None and value < minimum:
            raise ValueError
        if maximum is not None and value > maximum:
            raise ValueError
        return value

    return parse


def _float(minimum: float = 0.0) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        value = float(raw.strip())
        if not value > minimum or value != value:  # rejects NaN too
            raise ValueError
        return value

    return parse


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError
        return value

    return parse


def _url(schemes: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            raise ValueError
        return value

    return parse


def _api_base(raw: str) -> str:
    # discord.py builds every route for API v10; another version would half-work in confusing ways.
    value = _url(("http", "https"))(raw)
    if not value.endswith("/api/v10"):
        raise ValueError
    return value


def _snowflake_or_none(raw: str) -> int | None:
    if not raw.strip():
        return None
    value = int(raw.strip())
    if value <= 0:
        raise ValueError
    return value


def _secret_or_none(raw: str) -> Secret | None:
    return Secret(raw.strip()) if raw.strip() else None


def _str_or_none(raw: str) -> str | None:
    return raw.strip() or None


def _port_or_none(raw: str) -> int | None:
    if not raw.strip():
        return None
    value = int(raw.strip())
    if not 1 <= value <= 65535:
        raise ValueError
    return value


def _url_or_none(schemes: tuple[str, ...]) -> Callable[[str], str | None]:
    strict = _url(schemes)

    def parse(raw: str) -> str | None:
        return strict(raw) if raw.strip() else None

    return parse


def _shard_ids(raw: str) -> tuple[int, ...] | None:
    if not raw.strip():
        return None
    ids = tuple(int(part) for part in raw.split(","))
    if any(i < 0 for i in ids):
        raise ValueError
    return ids


@dataclass(frozen=True)
class Option:
    env: str
    field: str
    parse: Callable[[str], Any]
    default: str
    expected: str
    meaning: str
    secret: bool = False


def _database_url(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    if "://" not in raw:  # a bare path belongs in DATABASE_PATH
        raise ValueError(raw)
    try:
        database_target(raw)  # the one reading of a database URL, the one `open_database` uses
    except DatabaseUnusable:
        raise ValueError(raw) from None
    return raw


OPTIONS: tuple[Option, ...] = (
    Option("DISCORD_TOKEN", "discord_token", _secret_or_none, "", "a bot token from the Discord developer portal",
           "Bot token. Empty: `newsdesk run` refuses to start; use `newsdesk sandbox` to try it locally.", secret=True),
    Option("DATABASE_PATH", "database_path", lambda raw: Path(raw.strip()), "data/newsdesk.db", "a file path",
           "SQLite database file (created with its folder if missing)."),
    Option("DATABASE_URL", "database_url", _database_url, "",
           "sqlite:///path/to/file.db, postgresql://user@host:port/database, or empty",
           "Where the data lives. Empty: the SQLite file DATABASE_PATH. A postgresql:// URL lets several "
           "processes (feed workers, gateway shards, on any machines) share one database (README: Scaling out).",
           secret=True),
    Option("DEV_GUILD_ID", "dev_guild_id", _snowflake_or_none, "", "a guild id (positive integer) or empty",
           "Sync slash commands to this one guild while developing (instant) instead of globally."),
    Option("LOG_LEVEL", "log_level", _choice("debug", "info", "warning", "error"), "warning",
           "one of debug, info, warning, error",
           "How much Newsdesk logs (its start-up, connection and shutdown lines are shown unless `error`)."),
    Option("LOG_LEVEL_LIBRARIES", "log_level_libraries", _choice("debug", "info", "warning", "error"), "warning",
           "one of debug, info, warning, error",
           "How much the libraries underneath log (discord.py, aiosqlite, httpx, the article extractor)."),
    Option("POLL_INTERVAL_SECONDS", "poll_interval_seconds", _int(60, 86400), "900",
           "an integer from 60 to 86400", "Default time between two polls of a feed."),
    Option("FEED_MAX_FAILURES", "feed_max_failures", _int(1, 1000), "10", "an integer from 1 to 1000",
           "Consecutive failures after which a feed is paused (with the reason stored)."),
    Option("FEED_LEASE_SECONDS", "feed_lease_seconds", _float(), "300", "a positive number of seconds",
           "On a shared database, how long a feed worker's claim on a feed holds; a worker that dies mid-poll "
           "has its feeds taken over by another after this."),
    Option("HTTP_CONNECT_TIMEOUT", "http_connect_timeout", _float(), "10", "a positive number of seconds",
           "Seconds to wait for a TCP/TLS connection."),
    Option("HTTP_READ_TIMEOUT", "http_read_timeout", _float(), "20", "a positive number of seconds",
           "Seconds to wait between two chunks of a response."),
    Option("HTTP_TOTAL_TIMEOUT", "http_total_timeout", _float(), "45", "a positive number of seconds",
           "Seconds a whole fetch may take, body included."),
    Option("HTTP_MAX_BODY_BYTES", "http_max_body_bytes", _int(1024, 1 << 30), "10485760",
           "an integer number of bytes from 1024", "Largest feed or page body read; reading stops past it."),
    Option("HTTP_MAX_CONCURRENCY", "http_max_concurrency", _int(1, 1000), "32", "an integer from 1 to 1000",
           "Fetches in flight at once, over all hosts."),
    Option("HTTP_PER_HOST_CONCURRENCY", "http_per_host_concurrency", _int(1, 100), "4",
           "an integer from 1 to 100", "Fetches in flight at once to one host."),
    Option("CONTACT_URL", "contact_url", _str_or_none, "", "a URL or e-mail, or empty",
           "Added to the User-Agent so site owners can reach whoever runs this bot."),
    Option("SUMMARIZER", "summarizer", _choice("extractive", "llm"), "extractive", "extractive or llm",
           "Summary engine; `llm` falls back to extractive on any failure."),
    Option("LLM_BASE_URL", "llm_base_url", _url(("http", "https")), "http://127.0.0.1:11434/v1",
           "an http(s) URL", "OpenAI-compatible endpoint (OpenAI, Ollama, llama.cpp server, vLLM)."),
    Option("LLM_MODEL", "llm_model", lambda raw: raw.strip() or "llama3.1", "llama3.1", "a model name",
           "Model name sent to the LLM endpoint."),
    Option("LLM_API_KEY", "llm_api_key", _secret_or_none, "", "an API key or empty",
           "Bearer key for the LLM endpoint, if it needs one.", secret=True),
    Option("NEWSDESK_ALLOW_PRIVATE_NETWORKS", "allow_private_networks", _bool, "false", "true or false",
           "Allow feeds on loopback/private addresses (off: such URLs are refused, a guard against SSRF)."),
    Option("DISCORD_API_BASE", "discord_api_base", _api_base, "https://discord.com/api/v10",
           "an http(s) URL ending in /api/v10", "REST base; point at any Discord-compatible server."),
    Option("DISCORD_GATEWAY_URL", "discord_gateway_url", _url(("ws", "wss")), "wss://gateway.discord.gg",
           "a ws(s) URL", "Gateway websocket; point at any Discord-compatible server."),
    Option("SHARD_COUNT", "shard_count", _snowflake_or_none, "", "a positive integer or empty",
           "Total shards across all processes (empty: one process, automatic)."),
    Option("SHARD_IDS", "shard_ids", _shard_ids, "", "comma-separated shard numbers or empty",
           "Shards this process runs; its guilds' feeds are polled here."),
    Option("COMMENT_RETENTION_DAYS", "comment_retention_days", _int(0, 36500), "30",
           "an integer number of days from 0", "How long deleted comments' text is kept for moderators."),
    Option("DISCUSSION_BUTTON_COMMENTS", "discussion_button_comments", _int(1, 1_000_000), "20",
           "an integer from 1", "A story post gets a Summarize discussion button once its thread has more "
           "visible comments than this."),
    Option("WEB_PORT", "web_port", _port_or_none, "", "a TCP port (1-65535) or empty",
           "Serve the web dashboard inside `newsdesk run` on this port; `newsdesk web` defaults to 8080."),
    Option("WEB_HOST", "web_host", lambda raw: raw.strip() or "127.0.0.1", "127.0.0.1", "an address",
           "Address the dashboard listens on (put a TLS proxy in front for anything but 127.0.0.1)."),
    Option("WEB_BASE_URL", "web_base_url", _url_or_none(("http", "https")), "", "an http(s) URL or empty",
           "The dashboard's address as browsers reach it (for the login redirect); default http://WEB_HOST:PORT."),
    Option("DISCORD_CLIENT_ID", "discord_client_id", _snowflake_or_none, "", "an application id or empty",
           "Your application's id (developer portal, OAuth2 page), for \"Login with Discord\"."),
    Option("DISCORD_CLIENT_SECRET", "discord_client_secret", _secret_or_none, "", "a client secret or empty",
           "Your application's OAuth2 client secret, for \"Login with Discord\".", secret=True),
    Option("WEB_SECRET_KEY", "web_secret_key", _secret_or_none, "", "a long random string or empty",
           "Signs the dashboard's session cookies; the same in every `newsdesk web` process.", secret=True),
)


@dataclass(frozen=True)
class Settings:
    discord_token: Secret | None
    database_path: Path
    database_url: str | None
    dev_guild_id: int | None
    log_level: str
    log_level_libraries: str
    poll_interval_seconds: int
    feed_max_failures: int
    feed_lease_seconds: float
    http_connect_timeout: float
    http_read_timeout: float
    http_total_timeout: float
    http_max_body_bytes: int
    http_max_concurrency: int
    http_per_host_concurrency: int
    contact_url: str | None
    summarizer: str
    llm_base_url: str
    llm_model: str
    llm_api_key: Secret | None
    allow_private_networks: bool
    discord_api_base: str
    discord_gateway_url: str
    shard_count: int | None
    shard_ids: tuple[int, ...] | None
    comment_retention_days: int
    discussion_button_comments: int
    web_port: int | None
    web_host: str
    web_base_url: str | None
    discord_client_id: int | None
    discord_client_secret: Secret | None
    web_secret_key: Secret | None

    @property
    def database(self) -> str:
        """What `Database.open` takes: DATABASE_URL when set, else the SQLite file DATABASE_PATH."""
        return self.database_url or str(self.database_path)

    @property
    def database_label(self) -> str:
        """Where the data is, for people: the SQLite file's full path, or the URL without its password."""
        dialect, location = database_target(self.database)
        if dialect == POSTGRESQL:
            return redact(location)
        return location if location == ":memory:" else str(Path(location).resolve())

    @property
    def database_file(self) -> Path | None:
        """The SQLite file DATABASE_URL (else DATABASE_PATH) names; None on PostgreSQL."""
        dialect, location = database_target(self.database)
        return None if dialect == POSTGRESQL else Path(location)

    @property
    def shared_database(self) -> bool:
        """True when other processes can share the database (PostgreSQL), which roles and shards need."""
        return database_target(self.database)[0] == POSTGRESQL

    def replace(self, **changes: Any) -> Settings:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Settings(**values)


def _display(option: Option, raw: str) -> str:
    return "'********'" if option.secret else repr(raw)


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | os.PathLike[str] | None = ".env"
) -> Settings:
    """Build settings from `environ` (default: the process environment) over the values of `env_file`.

    Real environment variables win over `.env`, as python-dotenv does by default.
    """
    source: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        source.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    source.update(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    for option in OPTIONS:
        raw = source.get(option.env, option.default)
        try:
            values[option.field] = option.parse(raw)
        except (ValueError, TypeError):
            raise SettingsError(
                f"{option.env}={_display(option, raw)} is not valid: expected {option.expected}"
            ) from None
    settings = Settings(**values)
    if settings.shard_ids is not None:
        if settings.shard_count is None:
            raise SettingsError("SHARD_IDS is set but SHARD_COUNT is empty: expected both or neither")
        bad = [i for i in settings.shard_ids if i >= settings.shard_count]
        if bad:
            raise SettingsError(
                f"SHARD_IDS={','.join(map(str, settings.shard_ids))!r} is not valid: expected numbers below "
                f"SHARD_COUNT={settings.shard_count}"
            )
    return settings
