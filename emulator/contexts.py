"""Where an application command is offered, and what an interaction says about where it came from, as Discord
decides it for user-installed apps.

A command declares its installation contexts (`integration_types`: 0 GUILD_INSTALL, 1 USER_INSTALL) and its
interaction contexts (`contexts`: 0 GUILD, 1 BOT_DM, 2 PRIVATE_CHANNEL: group DMs and DMs between users).
Guild-scoped commands are guild-install, guild-context only. A command is offered where one of its
installations applies: the guild install in a guild the bot is in and in the bot's DM; the user install
(`World.user_installs`) anywhere. The interaction then carries `context`, `authorizing_integration_owners`
(`{"0": guild id or "0" in the bot's DM, "1": the user's id}`), `app_permissions` (for an app not in the
server, @everyone's limited to what responses use) and `member` in guilds or `user` elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator import payloads
from emulator.errors import join_words
from emulator.model import Channel, Guild, Perm, User

if TYPE_CHECKING:
    from emulator.messages import World

__all__ = ["BOT_DM", "GUILD", "GUILD_INSTALL", "PRIVATE_CHANNEL", "USER_INSTALL", "Invocation", "context_of",
           "interaction_payload", "invocation", "not_offered"]

GUILD_INSTALL, USER_INSTALL = 0, 1
GUILD, BOT_DM, PRIVATE_CHANNEL = 0, 1, 2
CONTEXT_NAMES = {GUILD: "servers", BOT_DM: "the bot's DMs", PRIVATE_CHANNEL: "group DMs and other DMs"}
# What app_permissions holds where the app has no bot member (Discord: "limited to the permissions that can be
# used in interaction responses").
RESPONSE_PERMISSIONS = Perm.ATTACH_FILES | Perm.EMBED_LINKS | Perm.MENTION_EVERYONE
_DM_APP_PERMISSIONS = RESPONSE_PERMISSIONS | Perm.USE_EXTERNAL_EMOJIS


@dataclass(frozen=True)
class Invocation:
    """Where one interaction happens and under which installation(s)."""

    context: int
    owners: dict[str, str]  # authorizing_integration_owners
    app_permissions: int
    guild: Guild | None  # the guild of a GUILD context, the bot in it or not
    # A user-installed app in a server that has not installed it, used by someone without Use External Apps:
    # Discord shows its responses to that user alone.
    forced_ephemeral: bool = False


def context_of(channel: Channel) -> int:
    if channel.is_private:
        return PRIVATE_CHANNEL
    if channel.guild_id == 0:
        return BOT_DM
    return GUILD


def _installs(world: World, user: User, channel: Channel, context: int) -> dict[str, str]:
    """Every installation that reaches `user` in `channel`, before any command narrows them."""
    owners: dict[str, str] = {}
    if context == GUILD and world.bot_in(channel.guild_id):
        owners[str(GUILD_INSTALL)] = str(channel.guild_id)
    elif context == BOT_DM:
        owners[str(GUILD_INSTALL)] = "0"
    if world.user_install_enabled and user.id in world.user_installs:
        owners[str(USER_INSTALL)] = str(user.id)
    return owners


def _command_scope(command: dict[str, Any]) -> tuple[list[int], list[int]]:
    """(integration_types, contexts) a command really has: a guild command is guild-install, guild-only."""
    if command.get("guild_id") is not None:
        return [GUILD_INSTALL], [GUILD]
    installs = command.get("integration_types") or [GUILD_INSTALL]
    contexts = command.get("contexts")
    if contexts is None:
        contexts = [GUILD, BOT_DM, PRIVATE_CHANNEL] if command.get("dm_permission", True) else [GUILD]
    return list(installs), list(contexts)


def not_offered(world: World, user: User, channel: Channel, command: dict[str, Any]) -> str | None:
    """Why Discord's client does not offer `command` to `user` in `channel`, or None if it does."""
    context = context_of(channel)
    installs, contexts = _command_scope(command)
    name = command["name"]
    if context not in contexts:
        where = join_words([CONTEXT_NAMES[c] for c in contexts if c in CONTEXT_NAMES]) or "nowhere"
        return f"/{name} is not offered in {CONTEXT_NAMES[context]} (its contexts: {where})"
    owners = _installs(world, user, channel, context)
    if not any(str(kind) in owners for kind in installs):
        how = "installed to the user" if installs == [USER_INSTALL] else (
            "installed in this server" if installs == [GUILD_INSTALL] else "installed here or to the user")
        return f"/{name} is not offered to {user.username} here: the app is not {how}"
    return None


def invocation(world: World, user: User, channel: Channel, command: dict[str, Any] | None,
               owners: dict[str, str] | None = None) -> Invocation:
    """The interaction fields for `user` using `command` (None: a component or modal, whose `owners` come from
    the interaction that made its message) in `channel`. PermissionError when the client would not offer it."""
    context = context_of(channel)
    if command is not None:
        problem = not_offered(world, user, channel, command)
        if problem is not None:
            raise PermissionError(problem)
        installs, _ = _command_scope(command)
        found = _installs(world, user, channel, context)
        owners = {k: v for k, v in found.items() if int(k) in installs}
    elif owners is None:
        owners = _installs(world, user, channel, context)
    guild = world.guilds.get(channel.guild_id) if context == GUILD else None
    if context == GUILD and world.bot_in(channel.guild_id):
        app_permissions = world.permissions(world.bot_user.id, channel)
        forced = False
    elif context == GUILD:
        app_permissions = world.everyone_permissions(channel) & _DM_APP_PERMISSIONS
        forced = not world.permissions(user.id, channel) & Perm.USE_EXTERNAL_APPS
    else:
        app_permissions = _DM_APP_PERMISSIONS if context == BOT_DM else RESPONSE_PERMISSIONS
        forced = False
    return Invocation(context=context, owners=owners, app_permissions=app_permissions, guild=guild,
                      forced_ephemeral=forced)


def interaction_payload(world: World, how: Invocation, *, interaction_id: int, token: str, itype: int,
                        data: dict[str, Any], user: User, channel: Channel) -> dict[str, Any]:
    """INTERACTION_CREATE's payload: `member` and `guild` in a guild (the bot in it or not), `user` elsewhere."""
    ch = world.channel_payload(channel)
    ch["permissions"] = str(world.permissions(user.id, channel))
    payload: dict[str, Any] = {
        "id": str(interaction_id), "application_id": str(world.application_id), "type": itype, "data": data,
        "channel_id": str(channel.id), "channel": ch, "token": token, "version": 1,
        "app_permissions": str(how.app_permissions), "locale": "en-US", "entitlements": [],
        "entitlement_sku_ids": [], "authorizing_integration_owners": dict(how.owners), "context": how.context,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if how.guild is not None:
        guild = how.guild
        member = world.member(guild, user.id)
        payload.update(guild_id=str(guild.id), guild={"id": str(guild.id), "locale": "en-US", "features": []},
                       guild_locale="en-US",
                       member={**payloads.member(member), "permissions": ch["permissions"]})
    else:
        payload["user"] = payloads.user(user)
    return payload
