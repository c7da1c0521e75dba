"""REST routes for the session and guild level: gateway discovery, users, application, application commands,
guilds, members, roles and channels (threads' edits included, since Discord edits both with PATCH /channels)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from emulator import payloads
from emulator.errors import ApiError, form_error
from emulator.model import ChannelKind, Overwrite, Perm
from emulator.wire import json_response, no_content, read_body, snowflake

if TYPE_CHECKING:
    from emulator.server import EmulatorServer

__all__ = ["add_core_routes"]


def add_core_routes(router: web.UrlDispatcher, emu: EmulatorServer, prefix: str) -> None:
    world = emu.world
    bot = world.bot_user

    async def gateway(request: web.Request) -> web.Response:
        return json_response({"url": emu.gateway_url})

    async def gateway_bot(request: web.Request) -> web.Response:
        emu.authorize(request)
        return json_response({"url": emu.gateway_url, "shards": emu.recommended_shards,
                              "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000,
                                                      "max_concurrency": 1}})

    async def get_user(request: web.Request) -> web.Response:
        emu.authorize(request)
        return json_response(payloads.user(world.user(snowflake(request, "user_id"))))

    async def open_dm(request: web.Request) -> web.Response:
        emu.authorize(request)
        data = (await read_body(request)).json
        recipient = world.user(int(data.get("recipient_id") or 0))
        return json_response(world.channel_payload(world.dm_channel(recipient)))

    async def application(request: web.Request) -> web.Response:
        emu.authorize(request)
        data = payloads.application(world.application_id, bot, world.owner_user)
        if not world.message_content_allowed:
            data["flags"] = 0
        if not world.user_install_enabled:
            data["integration_types_config"].pop("1", None)
        data["approximate_user_install_count"] = len(world.user_installs)
        return json_response(data)

    # ---- application commands --------------------------------------------------------------------------------
    def commands_for(request: web.Request) -> dict[int, dict[str, Any]]:
        emu.authorize(request)
        if snowflake(request, "app_id") != world.application_id:
            raise ApiError.unknown("Application")
        if "guild_id" in request.match_info:
            return emu.commands.guild(world.guild(snowflake(request, "guild_id")).id)
        return emu.commands.global_

    def guild_of(request: web.Request) -> int | None:
        return snowflake(request, "guild_id") if "guild_id" in request.match_info else None

    async def list_commands(request: web.Request) -> web.Response:
        return json_response(list(commands_for(request).values()))

    async def put_commands(request: web.Request) -> web.Response:
        table = commands_for(request)
        body = (await read_body(request)).json
        items = body.get("__list__", [])
        return json_response(emu.commands.overwrite(table, items, guild_of(request)))

    async def post_command(request: web.Request) -> web.Response:
        table = commands_for(request)
        data = (await read_body(request)).json
        return json_response(emu.commands.upsert(table, data, guild_of(request)), status=201)

    async def get_command(request: web.Request) -> web.Response:
        table = commands_for(request)
        cmd = table.get(snowflake(request, "cmd_id"))
        if cmd is None:
            raise ApiError.unknown("application command")
        return json_response(cmd)

    async def patch_command(request: web.Request) -> web.Response:
        table = commands_for(request)
        cmd = table.get(snowflake(request, "cmd_id"))
        if cmd is None:
            raise ApiError.unknown("application command")
        data = (await read_body(request)).json
        return json_response(emu.commands.upsert(table, {**cmd, **data}, guild_of(request)))

    async def delete_command(request: web.Request) -> web.Response:
        table = commands_for(request)
        if table.pop(snowflake(request, "cmd_id"), None) is None:
            raise ApiError.unknown("application command")
        return no_content()

    # ---- guilds, members, roles --------------------------------------------------------------------------------
    def bot_guild(request: web.Request) -> Any:
        emu.authorize(request)
        guild = world.guild(snowflake(request, "guild_id"))
        if bot.id not in guild.members:
            raise ApiError.unknown("Guild")
        return guild

    async def get_guild(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        data = world.guild_payload(guild, with_members=False)
        for key in ("members", "channels", "threads", "presences", "voice_states", "member_count"):
            data.pop(key, None)
        return json_response(data)

    async def guild_channels(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        return json_response([payloads.channel(c) for c in world.guild_channels(guild) if not c.is_thread])

    async def create_channel(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        if not world.base_permissions(guild, bot.id) & Perm.MANAGE_CHANNELS:
            raise ApiError.missing_permissions()
        data = (await read_body(request)).json
        kind = int(data.get("type") or 0)
        if kind not in (ChannelKind.TEXT, ChannelKind.FORUM, ChannelKind.CATEGORY, ChannelKind.NEWS):
            raise form_error("type", "BASE_TYPE_CHOICES", "Value must be one of the supported channel types.")
        channel = world.new_channel(
            guild, str(data.get("name") or ""), kind=kind, topic=data.get("topic"),
            tags=data.get("available_tags") or [], parent_id=int(data["parent_id"]) if data.get("parent_id") else None,
            overwrites=[Overwrite(int(o["id"]), int(o["type"]), int(o.get("allow") or 0), int(o.get("deny") or 0))
                        for o in data.get("permission_overwrites") or []],
            nsfw=bool(data.get("nsfw")), rate_limit_per_user=int(data.get("rate_limit_per_user") or 0))
        return json_response(payloads.channel(channel), status=201)

    async def active_threads(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        threads = [payloads.channel(c) for c in world.guild_channels(guild) if c.is_thread and not c.archived]
        return json_response({"threads": threads, "members": []})

    async def list_members(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        limit = int(request.query.get("limit", 1))
        after = int(request.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
        return json_response([payloads.member(m) for m in members[:limit]])

    async def get_member(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        return json_response(payloads.member(world.member(guild, snowflake(request, "user_id"))))

    async def patch_member(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        member = world.member(guild, snowflake(request, "user_id"))
        data = (await read_body(request)).json
        perms = world.base_permissions(guild, bot.id)
        roles = None
        if "roles" in data:
            if not perms & Perm.MANAGE_ROLES:
                raise ApiError.missing_permissions()
            roles = [guild.roles[int(r)] for r in data["roles"] if int(r) in guild.roles]
        timeout = None
        if "communication_disabled_until" in data:
            if not perms & Perm.MODERATE_MEMBERS or member.user.id == guild.owner_id:
                raise ApiError.missing_permissions()
            raw = data["communication_disabled_until"]
            timeout = datetime.fromisoformat(raw).timestamp() if raw else 0.0
        world.update_member(guild, member, roles=roles, nick=data.get("nick"), timeout_until=timeout)
        return json_response(payloads.member(member))

    async def member_role(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        if not world.base_permissions(guild, bot.id) & Perm.MANAGE_ROLES:
            raise ApiError.missing_permissions()
        member = world.member(guild, snowflake(request, "user_id"))
        role_id = snowflake(request, "role_id")
        if role_id not in guild.roles:
            raise ApiError.unknown("Role")
        ids = [r for r in member.roles if r != role_id] + ([role_id] if request.method == "PUT" else [])
        world.update_member(guild, member, roles=[guild.roles[r] for r in ids])
        return no_content()

    async def kick_member(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        if not world.base_permissions(guild, bot.id) & Perm.KICK_MEMBERS:
            raise ApiError.missing_permissions()
        world.remove_member(guild, world.member(guild, snowflake(request, "user_id")).user)
        return no_content()

    def ban_entry(uid: int, reason: str | None) -> dict[str, Any]:
        return {"user": payloads.user(world.user(uid)), "reason": reason}

    async def put_ban(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        if not world.base_permissions(guild, bot.id) & Perm.BAN_MEMBERS:
            raise ApiError.missing_permissions()
        user = world.user(snowflake(request, "user_id"))
        if user.id == guild.owner_id:
            raise ApiError.missing_permissions()
        # Discord takes it in the JSON body or (as discord.py sends it) the query string.
        data = {**request.query, **(await read_body(request)).json}
        seconds = int(data.get("delete_message_seconds") or int(data.get("delete_message_days") or 0) * 86400)
        if not 0 <= seconds <= 604800:
            raise form_error("delete_message_seconds", "NUMBER_TYPE_MAX", "int value should be less than or equal to 604800.")
        reason = request.headers.get("X-Audit-Log-Reason")
        world.ban(guild, user, reason=unquote(reason) if reason else None, delete_message_seconds=seconds)
        return no_content()

    async def delete_ban(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        if not world.base_permissions(guild, bot.id) & Perm.BAN_MEMBERS:
            raise ApiError.missing_permissions()
        world.unban(guild, world.user(snowflake(request, "user_id")))
        return no_content()

    async def get_ban(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        uid = snowflake(request, "user_id")
        if uid not in guild.bans:
            raise ApiError(404, 10026, "Unknown Ban")
        return json_response(ban_entry(uid, guild.bans[uid]))

    async def list_bans(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        return json_response([ban_entry(uid, reason) for uid, reason in sorted(guild.bans.items())])

    async def list_roles(request: web.Request) -> web.Response:
        guild = bot_guild(request)
        return json_response([payloads.role(r) for r in guild.roles.values()])

    # ---- channels ------------------------------------------------------------------------------------------
    async def get_channel(request: web.Request) -> web.Response:
        emu.authorize(request)
        channel = world.channel(snowflake(request, "channel_id"))
        world.require(bot.id, channel, 0)
        return json_response(world.channel_payload(channel))

    async def patch_channel(request: web.Request) -> web.Response:
        emu.authorize(request)
        channel = world.channel(snowflake(request, "channel_id"))
        data = (await read_body(request)).json
        if channel.is_thread:
            thread_keys = {"name", "archived", "locked", "invitable", "auto_archive_duration",
                           "rate_limit_per_user", "applied_tags", "flags"}
            changes = {k: v for k, v in data.items() if k in thread_keys}
            if "applied_tags" in changes:
                changes["applied_tags"] = [int(t) for t in changes["applied_tags"]]
            world.edit_thread(bot, channel, **changes)
        else:
            world.require(bot.id, channel, Perm.MANAGE_CHANNELS)
            keys = {"name", "topic", "nsfw", "rate_limit_per_user", "position", "available_tags", "flags"}
            changes = {k: v for k, v in data.items() if k in keys}
            if "permission_overwrites" in data:
                changes["overwrites"] = [Overwrite(int(o["id"]), int(o["type"]), int(o.get("allow") or 0),
                                                   int(o.get("deny") or 0)) for o in data["permission_overwrites"]]
            world.update_channel(channel, **changes)
        return json_response(payloads.channel(channel))

    async def delete_channel(request: web.Request) -> web.Response:
        emu.authorize(request)
        channel = world.channel(snowflake(request, "channel_id"))
        world.require(bot.id, channel, Perm.MANAGE_THREADS if channel.is_thread else Perm.MANAGE_CHANNELS)
        world.delete_channel(channel)
        return json_response(payloads.channel(channel))

    async def typing(request: web.Request) -> web.Response:
        emu.authorize(request)
        world.channel(snowflake(request, "channel_id"))
        return no_content()

    async def thread_member(request: web.Request) -> web.Response:
        emu.authorize(request)
        channel = world.channel(snowflake(request, "channel_id"))
        target = request.match_info["user_id"]
        uid = bot.id if target == "@me" else int(target)
        if request.method == "PUT":
            channel.member_ids.add(uid)
        else:
            channel.member_ids.discard(uid)
        return no_content()

    async def archived_threads(request: web.Request) -> web.Response:
        emu.authorize(request)
        channel = world.channel(snowflake(request, "channel_id"))
        threads = [c for c in world.threads_of(channel) if c.archived and c.type != ChannelKind.PRIVATE_THREAD]
        threads.sort(key=lambda c: c.archive_timestamp, reverse=True)
        return json_response({"threads": [payloads.channel(c) for c in threads], "members": [],
                              "has_more": False})

    p = prefix
    r = router
    r.add_get(f"{p}/gateway", gateway)
    r.add_get(f"{p}/gateway/bot", gateway_bot)
    r.add_get(f"{p}/users/{{user_id}}", get_user)
    r.add_post(f"{p}/users/@me/channels", open_dm)
    r.add_get(f"{p}/oauth2/applications/@me", application)
    r.add_get(f"{p}/applications/@me", application)
    for base in (f"{p}/applications/{{app_id}}/commands", f"{p}/applications/{{app_id}}/guilds/{{guild_id}}/commands"):
        r.add_get(base, list_commands)
        r.add_put(base, put_commands)
        r.add_post(base, post_command)
        r.add_get(base + "/{cmd_id}", get_command)
        r.add_patch(base + "/{cmd_id}", patch_command)
        r.add_delete(base + "/{cmd_id}", delete_command)
    r.add_get(f"{p}/guilds/{{guild_id}}", get_guild)
    r.add_get(f"{p}/guilds/{{guild_id}}/channels", guild_channels)
    r.add_post(f"{p}/guilds/{{guild_id}}/channels", create_channel)
    r.add_get(f"{p}/guilds/{{guild_id}}/threads/active", active_threads)
    r.add_get(f"{p}/guilds/{{guild_id}}/members", list_members)
    r.add_get(f"{p}/guilds/{{guild_id}}/members/{{user_id}}", get_member)
    r.add_patch(f"{p}/guilds/{{guild_id}}/members/{{user_id}}", patch_member)
    r.add_delete(f"{p}/guilds/{{guild_id}}/members/{{user_id}}", kick_member)
    r.add_put(f"{p}/guilds/{{guild_id}}/members/{{user_id}}/roles/{{role_id}}", member_role)
    r.add_delete(f"{p}/guilds/{{guild_id}}/members/{{user_id}}/roles/{{role_id}}", member_role)
    r.add_get(f"{p}/guilds/{{guild_id}}/roles", list_roles)
    r.add_get(f"{p}/guilds/{{guild_id}}/bans", list_bans)
    r.add_get(f"{p}/guilds/{{guild_id}}/bans/{{user_id}}", get_ban)
    r.add_put(f"{p}/guilds/{{guild_id}}/bans/{{user_id}}", put_ban)
    r.add_delete(f"{p}/guilds/{{guild_id}}/bans/{{user_id}}", delete_ban)
    r.add_get(f"{p}/channels/{{channel_id}}", get_channel)
    r.add_patch(f"{p}/channels/{{channel_id}}", patch_channel)
    r.add_delete(f"{p}/channels/{{channel_id}}", delete_channel)
    r.add_post(f"{p}/channels/{{channel_id}}/typing", typing)
    r.add_put(f"{p}/channels/{{channel_id}}/thread-members/{{user_id}}", thread_member)
    r.add_delete(f"{p}/channels/{{channel_id}}/thread-members/{{user_id}}", thread_member)
    r.add_get(f"{p}/channels/{{channel_id}}/threads/archived/public", archived_threads)
