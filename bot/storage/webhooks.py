"""The webhooks Newsdesk made to post under an outlet's name: one per channel, id and token (a secret).

The token only ever leaves this table towards Discord: it is never logged (`bot.logs` scrubs it from every
line), shown in a reply, the dashboard or an export.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot.storage.database import Database

__all__ = ["ChannelWebhook", "WebhookStore"]


@dataclass(frozen=True)
class ChannelWebhook:
    channel_id: int
    guild_id: int
    webhook_id: int
    token: str = field(repr=False)  # never in a repr, so never in a log line or a traceback's locals


class WebhookStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, channel_id: int) -> ChannelWebhook | None:
        row = await self._db.fetchone(
            "SELECT channel_id, guild_id, webhook_id, token FROM channel_webhooks WHERE channel_id = ?", (channel_id,))
        return None if row is None else ChannelWebhook(**dict(row))

    async def by_id(self, webhook_id: int) -> ChannelWebhook | None:
        row = await self._db.fetchone(
            "SELECT channel_id, guild_id, webhook_id, token FROM channel_webhooks WHERE webhook_id = ?", (webhook_id,))
        return None if row is None else ChannelWebhook(**dict(row))

    async def save(self, hook: ChannelWebhook, *, now: float | None = None) -> None:
        """The channel's webhook from now on (a re-created one replaces the deleted one)."""
        await self._db.execute(
            "INSERT INTO channel_webhooks (channel_id, guild_id, webhook_id, token, created_at) VALUES (?,?,?,?,?) "
            "ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id, webhook_id = excluded.webhook_id, "
            "token = excluded.token, created_at = excluded.created_at",
            (hook.channel_id, hook.guild_id, hook.webhook_id, hook.token, time.time() if now is None else now))

    async def forget(self, webhook_id: int) -> None:
        """The webhook is gone on Discord (deleted by someone): the next post makes a new one."""
        await self._db.execute("DELETE FROM channel_webhooks WHERE webhook_id = ?", (webhook_id,))

    async def tokens(self) -> list[str]:
        """Every stored token, for the log scrubber at start-up."""
        return [r[0] for r in await self._db.fetchall("SELECT token FROM channel_webhooks")]
