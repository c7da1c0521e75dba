"""Who may see what: per-server access from the member's own Discord permissions, re-checked on every request.

Manage Server (or Administrator, or owning the server) opens feeds and settings; Manage Messages opens
moderation, search and exports. The answer comes from Discord's `/users/@me/guilds` with the person's own token,
cached for a short time per session so a click does not cost a round trip, and never longer than `ttl`: a
permission taken away in Discord closes the dashboard within that time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from web.oauth import UserGuild

__all__ = ["ADMINISTRATOR", "MANAGE_GUILD", "MANAGE_MESSAGES", "AccessCache", "GuildAccess"]

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
MANAGE_MESSAGES = 1 << 13


@dataclass(frozen=True)
class GuildAccess:
    guild_id: int
    name: str
    manage: bool  # feeds and settings
    moderate: bool  # moderation queue, log, search, exports

    @classmethod
    def of(cls, guild: UserGuild) -> GuildAccess:
        admin = guild.owner or bool(guild.permissions & ADMINISTRATOR)
        return cls(guild.id, guild.name, manage=admin or bool(guild.permissions & MANAGE_GUILD),
                   moderate=admin or bool(guild.permissions & MANAGE_MESSAGES))

    @property
    def any(self) -> bool:
        return self.manage or self.moderate


class AccessCache:
    def __init__(self, fetch: Callable[[str], Awaitable[list[UserGuild]]], *, ttl: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, dict[int, GuildAccess]]] = {}

    async def for_token(self, token: str) -> dict[int, GuildAccess]:
        """Servers where this person may use the dashboard, by id."""
        now = self._clock()
        hit = self._cache.get(token)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        access = {g.id: a for g in await self._fetch(token) if (a := GuildAccess.of(g)).any}
        if len(self._cache) > 10_000:  # bounded: forget the oldest half
            for key, _ in sorted(self._cache.items(), key=lambda kv: kv[1][0])[:5_000]:
                del self._cache[key]
        self._cache[token] = (now, access)
        return access

    def forget(self, token: str) -> None:
        self._cache.pop(token, None)
