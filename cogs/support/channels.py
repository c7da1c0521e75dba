"""Posting to one of a guild's configured channels: the admin channel, the mod-log, the digest channel.

Every notice the bot writes on its own (a failing feed, a moderation action, the daily digest) goes through
`GuildChannels.post`, so they share one behaviour: nothing is sent when the guild has not set that channel,
no mention in the text pings anyone, text over Discord's 2,000 characters is cut at a word, and a channel
that is gone or refuses the bot is logged, never raised, because the action it reports has already happened.
"""

from __future__ import annotations

import logging
from typing import Literal, Protocol

import discord

from bot.posting.format import truncate_words
from bot.storage.guilds import GuildSettings

__all__ = ["ChannelRole", "GuildChannels", "GuildSettingsSource"]

log = logging.getLogger(__name__)

ChannelRole = Literal["admin", "modlog", "digest"]

_SETTING: dict[ChannelRole, str] = {
    "admin": "admin_channel_id", "modlog": "modlog_channel_id", "digest": "digest_channel_id",
}
_NAME: dict[ChannelRole, str] = {"admin": "admin", "modlog": "mod-log", "digest": "digest"}


class GuildSettingsSource(Protocol):
    async def get(self, guild_id: int) -> GuildSettings: ...


class GuildChannels:
    """Where a guild wants the bot's own notices, and sending them there."""

    def __init__(self, bot: discord.Client, guild_settings: GuildSettingsSource) -> None:
        self._bot = bot
        self._guild_settings = guild_settings

    def _rest_only(self) -> bool:
        """A client without a gateway (the dashboard's own process); a sharded client's gateways are its shards'."""
        return self._bot.ws is None and not isinstance(self._bot, discord.AutoShardedClient)

    def serves(self, guild_id: int) -> bool:
        """Whether this process speaks for the guild: it is on one of our shards (a REST-only client, without a
        gateway, speaks for every guild)."""
        return self._rest_only() or self._bot.get_guild(guild_id) is not None

    async def post(self, guild_id: int, role: ChannelRole, text: str, *,
                   settings: GuildSettings | None = None) -> discord.Message | None:
        """Send `text` to the guild's `role` channel. None when it is not set, not found or refuses us.

        `settings`: the guild's settings when the caller already holds them (saves a read)."""
        if settings is None:
            settings = await self._guild_settings.get(guild_id)
        channel_id: int | None = getattr(settings, _SETTING[role])
        if not channel_id:
            if role == "admin":  # admins asked for no channel, but a failing feed still deserves a log line
                log.warning("guild %s: no admin channel for: %s", guild_id, text)
            return None
        channel: object = self._bot.get_channel(channel_id)
        if channel is None and self._bot.ws is None:
            # A REST-only client (the dashboard's own process) has no channel cache: send by id. So does a
            # sharded client (its gateways are its shards') for a guild on another process's shards: a timer
            # fired here (a mute's end) still gets its mod-log line.
            channel = self._bot.get_partial_messageable(channel_id, guild_id=guild_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("guild %s: %s channel %s not found", guild_id, _NAME[role], channel_id)
            return None
        try:
            return await channel.send(truncate_words(text, 2000), allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("guild %s: cannot write to %s channel %s: %s", guild_id, _NAME[role], channel_id, exc)
            return None
