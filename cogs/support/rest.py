"""Discord over REST only, for the web dashboard: the server's channels, deleting a message, and a client that
logs in without opening a gateway (the `newsdesk web` process has no gateway of its own).

Everything goes through discord.py's HTTP client, so Discord's rate limits are respected the same way as in
the bot. Inside `newsdesk run` (WEB_PORT) the live bot is used instead of a second client.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import discord

from bot.config import Settings
from cogs.support.endpoints import discord_endpoints

__all__ = ["DiscordRest", "rest_only_client"]


class DiscordRest:
    """What the dashboard asks of Discord (it matches `web.ports.DiscordPort`)."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def guild_ids(self) -> set[int]:
        """The servers the bot is in (the gateway's cache when connected, else Discord's list over REST)."""
        if self._client.ws is not None:
            return {g.id for g in self._client.guilds}
        try:
            return {g.id async for g in self._client.fetch_guilds(limit=None)}
        except discord.HTTPException:
            return set()

    async def channels(self, guild_id: int) -> list[tuple[int, str, str]]:
        """(id, name, "text" | "forum") of the server's channels a story can be posted in, in Discord's order."""
        try:
            guild = self._client.get_guild(guild_id) or await self._client.fetch_guild(guild_id)
            channels = guild.channels if guild.channels else await guild.fetch_channels()
        except discord.HTTPException:
            return []
        out = [(c.id, c.name, "forum" if isinstance(c, discord.ForumChannel) else "text")
               for c in sorted(channels, key=lambda c: (c.position, c.id))
               if isinstance(c, discord.TextChannel | discord.ForumChannel)]
        return out

    async def delete_message(self, channel_id: int, message_id: int, reason: str) -> str | None:
        """Delete a message; None when done (or already gone), else what Discord said."""
        message = self._client.get_partial_messageable(channel_id).get_partial_message(message_id)
        try:
            await message.delete()
        except discord.NotFound:
            return None
        except discord.Forbidden:
            return "Newsdesk may not delete messages there (it needs Manage Messages in that channel)"
        except discord.HTTPException as exc:
            return f"Discord refused ({exc.status})"
        return None

    async def post_message(self, channel_id: int, content: str) -> int | str:
        """Post as the bot, mentions inert; the message id, or what Discord said."""
        try:
            sent = await self._client.get_partial_messageable(channel_id).send(
                content, allowed_mentions=discord.AllowedMentions.none(), suppress_embeds=True)
        except discord.NotFound:
            return "that thread no longer exists"
        except discord.Forbidden:
            return "Newsdesk may not post there (it needs Send Messages in Threads in that channel)"
        except discord.HTTPException as exc:
            return f"Discord refused ({exc.status})"
        return sent.id


@contextlib.asynccontextmanager
async def rest_only_client(settings: Settings) -> AsyncIterator[discord.Client]:
    """A discord.py client logged in with the bot token, with no gateway connection."""
    assert settings.discord_token is not None
    with discord_endpoints(settings.discord_api_base, settings.discord_gateway_url):
        client = discord.Client(intents=discord.Intents.none())
        try:
            await client.login(settings.discord_token.reveal())
            yield client
        finally:
            await client.close()
