"""Per-guild settings: where news goes, how it is posted, and the moderation/digest channels."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

from bot.storage.database import Database
from bot.times import TimeSettingError, check_time_format, check_time_zone

__all__ = ["GuildSettings", "GuildSettingsError", "GuildSettingsStore"]

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class GuildSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    news_channel_id: int | None = None
    default_mode: str = "thread"
    auto_summary: bool = False
    admin_channel_id: int | None = None
    modlog_channel_id: int | None = None
    auto_close_days: int | None = None
    digest_channel_id: int | None = None
    digest_time: str | None = None  # "HH:MM", UTC
    digest_last_day: str | None = None
    report_threshold: int = 3           # distinct reporters that hide a comment pending review
    premod_first: int | None = None     # hold each member's first N comments for review (None: off)
    auto_hold_rejected: int | None = None  # hold a member with more than X rejected ...
    auto_hold_window: int = 10          # ... of their last Y comments ...
    auto_hold_hours: int = 24           # ... for this long (None above: off)
    time_zone: str | None = None        # IANA name for times in story templates (None: UTC)
    time_format: str | None = None      # strftime subset for them (None: bot.templates.values default)


_COUNTS = {
    "report_threshold": (1, 100, "distinct members whose reports hide a comment"),
    "premod_first": (1, 100, "comments held while a member is new"),
    "auto_hold_rejected": (1, 100, "rejected comments that put a member on hold"),
    "auto_hold_window": (1, 200, "latest comments looked at"),
    "auto_hold_hours": (1, 24 * 90, "hours an automatic hold lasts"),
}

EDITABLE = tuple(f.name for f in fields(GuildSettings) if f.name not in {"guild_id", "digest_last_day"})


def validate(name: str, value: Any) -> Any:
    """Check one setting's value; raise GuildSettingsError with a message fit for the user."""
    if name not in EDITABLE and name != "digest_last_day":
        raise GuildSettingsError(f"unknown setting {name!r}; settings are: {', '.join(EDITABLE)}")
    if value is None:
        if name in {"default_mode", "auto_summary", "report_threshold", "auto_hold_window", "auto_hold_hours"}:
            raise GuildSettingsError(f"{name} cannot be cleared")
        return None
    if name == "default_mode" and value not in {"thread", "forum", "plain"}:
        raise GuildSettingsError("default_mode must be thread, forum or plain")
    if name == "auto_close_days" and not (isinstance(value, int) and 1 <= value <= 365):
        raise GuildSettingsError("auto_close_days must be a whole number of days from 1 to 365")
    if name == "digest_time" and not (isinstance(value, str) and _TIME.match(value)):
        raise GuildSettingsError("digest_time must be HH:MM in UTC, for example 18:30")
    if name in _COUNTS:
        low, high, text = _COUNTS[name]
        if not (isinstance(value, int) and low <= value <= high):
            raise GuildSettingsError(f"{name} must be a whole number from {low} to {high} ({text})")
    if name == "time_zone":
        return _checked(check_time_zone, value)
    if name == "time_format":
        return _checked(check_time_format, value)
    if name == "auto_summary":
        return bool(value)
    return value


def _checked(check: Callable[[str], str], value: Any) -> str:
    try:
        return check(str(value))
    except TimeSettingError as exc:
        raise GuildSettingsError(str(exc)) from None


class GuildSettingsStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int) -> GuildSettings:
        row = await self._db.fetchone("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if row is None:
            return GuildSettings(guild_id=guild_id)
        values = {f.name: row[f.name] for f in fields(GuildSettings)}
        values["auto_summary"] = bool(values["auto_summary"])
        return GuildSettings(**values)

    async def update(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Validate and store `changes`; returns the settings as they now are."""
        clean = {name: validate(name, value) for name, value in changes.items()}
        current = asdict(await self.get(guild_id))
        current.update(clean)
        columns = [f.name for f in fields(GuildSettings)]
        placeholders = ",".join("?" for _ in columns)
        updates = ",".join(f"{c} = excluded.{c}" for c in columns if c != "guild_id")
        await self._db.execute(
            f"INSERT INTO guild_settings ({','.join(columns)}, updated_at) VALUES ({placeholders}, ?)"
            f" ON CONFLICT (guild_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
            [int(current[c]) if isinstance(current[c], bool) else current[c] for c in columns] + [time.time()],
        )
        return await self.get(guild_id)

    async def with_digest(self) -> list[GuildSettings]:
        rows = await self._db.fetchall(
            "SELECT guild_id FROM guild_settings WHERE digest_channel_id IS NOT NULL AND digest_time IS NOT NULL"
        )
        return [await self.get(r["guild_id"]) for r in rows]

    async def with_auto_close(self) -> list[GuildSettings]:
        rows = await self._db.fetchall("SELECT guild_id FROM guild_settings WHERE auto_close_days IS NOT NULL")
        return [await self.get(r["guild_id"]) for r in rows]
