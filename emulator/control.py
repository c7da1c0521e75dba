"""A small HTTP control API under /_emulator/ so tests and benchmarks can drive an emulator running in
another process (e.g. `python -m emulator` or `newsdesk emulator`). JSON in, JSON out; ids as strings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator.model import Message
from emulator.wire import json_response

if TYPE_CHECKING:
    from emulator.testkit import DiscordEmulator

__all__ = ["add_control_routes"]


def add_control_routes(router: web.UrlDispatcher, emu: DiscordEmulator) -> None:
    world = emu.world

    async def body(request: web.Request) -> dict[str, Any]:
        return await request.json() if request.can_read_body else {}

    def msg_json(m: Message) -> dict[str, Any]:
        return world.message_payload(m)

    async def info(request: web.Request) -> web.Response:
        return json_response({
            "api_base": emu.api_base, "gateway_url": emu.gateway_url, "token": emu.token,
            "application_id": str(world.application_id), "bot_user_id": str(world.bot_user.id),
            "guilds": [{"id": str(g.id), "name": g.name,
                        "channels": [{"id": str(c.id), "name": c.name, "type": c.type}
                                     for c in world.guild_channels(g)]} for g in world.guilds.values()],
            "users": [{"id": str(u.id), "username": u.username, "bot": u.bot} for u in world.users.values()],
            "sessions": len([s for s in emu.gateway.sessions.values() if s.ws is not None]),
            "identifies": emu.gateway.identifies, "resumes": emu.gateway.resumes,
        })

    async def create_guild(request: web.Request) -> web.Response:
        data = await body(request)
        guild = emu.create_guild(str(data.get("name") or "Guild"))
        return json_response({"id": str(guild.id)})

    async def create_channel(request: web.Request) -> web.Response:
        data = await body(request)
        guild = world.guild(int(data["guild_id"]))
        channel = emu.create_channel(guild, str(data.get("name") or "general"), str(data.get("kind") or "text"),
                                     tags=data.get("tags") or [])
        return json_response({"id": str(channel.id)})

    async def create_user(request: web.Request) -> web.Response:
        data = await body(request)
        user = emu.create_user(str(data.get("name") or "user"))
        for gid in data.get("guild_ids") or []:
            emu.add_member(world.guild(int(gid)), user)
        return json_response({"id": str(user.id)})

    async def send(request: web.Request) -> web.Response:
        data = await body(request)
        user = world.user(int(data["user_id"]))
        channel = world.channel(int(data["channel_id"]))
        message = emu.send(user, channel, str(data.get("content") or ""))
        return json_response(msg_json(message))

    async def inject(request: web.Request) -> web.Response:
        """Bulk path for benchmarks: {"user_id", "channel_id", "count", "content"} or {"contents": [...]},
        optionally "reply_to": [index of an earlier message of this request, or null, ...]."""
        data = await body(request)
        user = world.user(int(data["user_id"]))
        channel = world.channel(int(data["channel_id"]))
        contents = data.get("contents") or [f"{data.get('content', 'message')} {i}" for i in range(int(data["count"]))]
        return json_response({"injected": emu.inject_messages(user, channel, contents, data.get("reply_to"))})

    async def create_thread(request: web.Request) -> web.Response:
        """{"user_id", "channel_id", "name"}: a thread (or, in a forum, a post with "content")."""
        data = await body(request)
        user = world.user(int(data["user_id"]))
        channel = world.channel(int(data["channel_id"]))
        thread = emu.create_thread(user, channel, str(data.get("name") or "thread"),
                                   content=str(data.get("content") or ""))
        return json_response({"id": str(thread.id)})

    async def messages(request: web.Request) -> web.Response:
        channel = world.channel(int(request.match_info["channel_id"]))
        return json_response([msg_json(m) for m in emu.messages(channel)])

    async def disconnect(request: web.Request) -> web.Response:
        data = await body(request)
        await emu.disconnect(resumable=bool(data.get("resumable", True)))
        return json_response({"ok": True})

    async def faults(request: web.Request) -> web.Response:
        data = await body(request)
        kind = data.get("kind")
        times = data.get("times", 1)
        if kind == "status":
            emu.faults.fail(data["route"], int(data.get("status", 500)), times)
        elif kind == "ratelimit":
            emu.faults.rate_limit(data["route"], times, float(data.get("retry_after", 0.05)))
        elif kind == "slow":
            emu.faults.slow(data["route"], float(data["seconds"]), times)
        elif kind == "clear":
            emu.faults.clear()
        else:
            return json_response({"error": "kind must be status, ratelimit, slow or clear"}, status=400)
        return json_response({"ok": True})

    r = router
    r.add_get("/_emulator/info", info)
    r.add_post("/_emulator/guilds", create_guild)
    r.add_post("/_emulator/channels", create_channel)
    r.add_post("/_emulator/users", create_user)
    r.add_post("/_emulator/messages", send)
    r.add_post("/_emulator/inject", inject)
    r.add_post("/_emulator/threads", create_thread)
    r.add_get("/_emulator/channels/{channel_id}/messages", messages)
    r.add_post("/_emulator/disconnect", disconnect)
    r.add_post("/_emulator/faults", faults)
