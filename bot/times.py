"""The server's way of writing times in story templates: an IANA time zone (`/settings set time_zone:`) and a
format (`time_format:`, a small strftime subset, checked when it is set so that rendering cannot fail)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT_TIME_FORMAT", "TimeSettingError", "TimeStyle", "check_time_format", "check_time_zone",
           "format_time"]

DEFAULT_TIME_FORMAT = "%d %b %Y, %H:%M %Z"
# strftime directives whose output is the same on every platform (no locale-dependent or padding flags).
_DIRECTIVES = frozenset("aAbBdHIjmMpSyYZz%")


class TimeSettingError(ValueError):
    """A time zone or format that cannot be used; the message says why, for the user."""


@dataclass(frozen=True)
class TimeStyle:
    zone: str = "UTC"
    format: str = DEFAULT_TIME_FORMAT


def check_time_zone(name: str) -> str:
    """`name` if it is an IANA time zone ("Europe/Paris", "UTC"), else TimeSettingError."""
    name = name.strip()
    try:
        if len(name) > 64 or not name:
            raise ValueError
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeSettingError(f"{name[:64]!r} is not a time zone; use an IANA name such as Europe/Paris, "
                               "America/New_York or UTC") from None
    return name


def check_time_format(fmt: str) -> str:
    """`fmt` if it is a format of the supported directives (%a %A %b %B %d %H %I %j %m %M %p %S %y %Y %Z %z
    %%), at most 64 characters, else TimeSettingError."""
    if not fmt.strip() or len(fmt) > 64:
        raise TimeSettingError("time_format must be 1 to 64 characters, e.g. %d %b %Y, %H:%M %Z")
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            directive = fmt[i + 1:i + 2]
            if directive not in _DIRECTIVES:
                raise TimeSettingError(f"time_format: %{directive} is not supported; use %a %A %b %B %d %H %I %j "
                                       "%m %M %p %S %y %Y %Z %z or %%")
            i += 2
        else:
            i += 1
    return fmt


def format_time(when: datetime | None, style: TimeStyle) -> str:
    """`when` in the style's zone and format; "" without a time. Never raises (a bad stored setting: UTC, ISO)."""
    if when is None:
        return ""
    try:
        aware = when if when.tzinfo else when.replace(tzinfo=UTC)
        return aware.astimezone(ZoneInfo(style.zone)).strftime(style.format)
    except Exception:
        return when.replace(tzinfo=when.tzinfo or UTC).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
