"""What the dashboard needs from Discord, as a protocol: the composition root passes an implementation from the
Discord adapter (`cogs.support.rest.DiscordRest`), so this package never imports discord."""

from __future__ import annotations

from typing import Protocol

__all__ = ["DiscordPort"]


class DiscordPort(Protocol):
    async def guild_ids(self) -> set[int]:
        """The servers the bot is in."""
        ...

    async def channels(self, guild_id: int) -> list[tuple[int, str, str]]:
        """(id, name, "text" | "forum") of the channels a story can be posted in."""
        ...

    async def delete_message(self, channel_id: int, message_id: int, reason: str) -> str | None:
        """None when the message is gone, else why Discord refused."""
        ...

    async def post_message(self, channel_id: int, content: str) -> int | str:
        """Post `content` as the bot (mentions never ping); the new message's id, else why Discord refused."""
        ...
