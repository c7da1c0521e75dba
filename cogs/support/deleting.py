"""Deleting a batch of comments in one thread, the one way purge and ban removals do it."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

__all__ = ["delete_messages"]

log = logging.getLogger(__name__)


async def delete_messages(channel: discord.Thread, ids: Sequence[int], *, reason: str, bulk: bool = True) -> None:
    """Delete up to 100 messages of `channel`: one bulk delete, else one by one.

    Discord refuses a bulk delete (400) when a message is over 14 days old: then each is deleted alone. Messages
    already gone count as deleted; any other refusal (Forbidden, a 5xx outlasting discord.py's retries) is raised
    for the caller to report.
    """
    if bulk:
        try:
            await channel.delete_messages([discord.Object(i) for i in ids], reason=reason)
            return
        except discord.NotFound:
            return
        except discord.HTTPException as exc:
            if exc.status != 400:
                raise
            log.info("bulk delete in %s refused (%s); deleting one by one", channel.id, exc)
    for message_id in ids:
        try:
            await channel.get_partial_message(message_id).delete()
        except discord.NotFound:
            pass
