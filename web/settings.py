"""The settings page: what `/settings show|set` shows and changes, through the same service and rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.moderation import actions
from bot.storage.guilds import GuildSettingsError

if TYPE_CHECKING:
    from web.app import Dashboard

__all__ = ["SettingsPage"]

CHANNELS = ("news_channel_id", "admin_channel_id", "modlog_channel_id", "digest_channel_id")
LABELS = {"news_channel_id": "default channel", "default_mode": "default mode", "auto_summary": "auto-summary",
          "admin_channel_id": "admin channel", "modlog_channel_id": "mod-log channel",
          "auto_close_days": "auto-close", "digest_channel_id": "digest channel", "digest_time": "digest time",
          "report_threshold": "reports that hold a comment", "premod_first": "pre-moderation of new members",
          "auto_hold_rejected": "automatic holds", "auto_hold_window": "automatic hold window",
          "auto_hold_hours": "automatic hold length", "time_zone": "time zone", "time_format": "time format"}


class SettingsPage:
    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard
        self.settings = dashboard.services.guild_settings

    async def show(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, manage=True)
        channels = await self.d.discord.channels(access.guild_id) if self.d.discord is not None else []
        return self.d.page(request, "settings.html", access=access, settings=await self.settings.get(access.guild_id),
                           channels=channels)

    async def change(self, request: web.Request) -> web.Response:
        access = await self.d.guild_access(request, manage=True)
        form = await self.d.checked_form(request)
        before = await self.settings.get(access.guild_id)
        try:
            changes = _changes(form)
            after = await self.settings.change(access.guild_id, **changes)
        except GuildSettingsError as exc:
            self.d.flash(request, f"Not saved: {exc}")
        else:
            self.d.services.timer_runner.wake()  # an auto-close that is now due runs at once
            changed = [LABELS.get(name, name) for name in changes if getattr(before, name) != getattr(after, name)]
            author = self.d.session(request).user_id
            if changed and author is not None:  # logged and echoed to #mod-log like every dashboard action
                await self.d.services.moderation.record(guild_id=access.guild_id, moderator_id=author,
                                                        action=actions.SETTINGS, details={"changed": changed})
            self.d.flash(request, "Saved." if changed else "Nothing changed.")
        raise web.HTTPSeeOther(f"/g/{access.guild_id}/settings")


def _changes(form: Any) -> dict[str, Any]:
    """The form as `/settings set` options: every field is sent, an empty one clears the setting."""
    changes: dict[str, Any] = {}
    for name in CHANNELS:
        raw = str(form.get(name, "")).strip()
        changes[name] = int(raw) if raw.isdigit() else None
    changes["default_mode"] = str(form.get("default_mode", "thread"))
    changes["auto_summary"] = form.get("auto_summary") == "on"
    days = str(form.get("auto_close_days", "")).strip()
    if days and not (days.isdigit() and 0 <= int(days) <= 365):
        raise GuildSettingsError("auto-close days must be a whole number from 0 to 365")
    changes["auto_close_days"] = int(days) or None if days else None
    time_ = str(form.get("digest_time", "")).strip()
    changes["digest_time"] = time_ or None
    # Review (reports, pre-moderation, automatic holds): numbers; 0 or empty turns the optional ones off.
    for name in ("report_threshold", "premod_first", "auto_hold_rejected", "auto_hold_window", "auto_hold_hours"):
        raw = str(form.get(name, "")).strip()
        if raw and not raw.isdigit():
            raise GuildSettingsError(f"{LABELS[name]} must be a whole number")
        if name in ("premod_first", "auto_hold_rejected"):
            changes[name] = int(raw) or None if raw else None
        elif raw:
            changes[name] = int(raw)
    # How story templates write {published}; empty: UTC and the default format.
    for name in ("time_zone", "time_format"):
        if name in form:
            changes[name] = str(form.get(name, "")).strip() or None
    return changes
