"""REST routes for messages (create with files, edit, delete, bulk delete, fetch, history), reactions,
pins, threads (from a message, without one, forum posts) and the attachment files themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from emulator import payloads
from emulator.errors import ApiError, form_error
from emulator.model import Channel, ChannelKind, Message, Perm
from emulator.wire import Body, json_response, no_content, read_body, snowflake

if TYPE_CHECKING:
    from emulator.server import EmulatorServer

__all__ = ["add_message_routes", "message_fields"]


def message_fields(emu: EmulatorServer, channel_id: int, body: Body) -> dict[str, Any]:
    """The keyword arguments of `World.post_message` from a REST body (JSON or multipart with files)."""
    data = body.json
    out: dict[str, Any] = {}
    if "content" in data:
        out["content"] = "" if data["content"] is None else str(data["content"])
    if "embeds" in data:
        out["embeds"] = list(data["embeds"] or [])
    elif data.get("embed"):
        out["embeds"] = [data["embed"]]
    if "components" in data:
        out["components"] = list(data["components"] or [])
    if "flags" in data and data["flags"] is not None:
        out["flags"] = int(data["flags"])
    if "attachments" in data or body.files:
        out["attachments"] = emu.store_attachments(channel_id, data.get("attachments") or [], body.files)
    return out


def add_message_routes(router: web.UrlDispatcher, emu: EmulatorServer, prefix: str) -> None:
    world = emu.world
    bot = world.bot_user

    def channel_of(request: web.Request) -> Channel:
        emu.authorize(request)
        return world.channel(snowflake(request, "channel_id"))

    def message_of(request: web.Request, channel: Channel) -> Message:
        return world.get_message(channel, snowflake(request, "message_id"))

    def render(m: Message) -> dict[str, Any]:
        return world.message_payload(m, with_content=world.message_content_allowed or world.content_visible_to_bot(m))

    async def create_message(request: web.Request) -> web.Response:
        channel = channel_of(request)
        body = await read_body(request)
        fields = message_fields(emu, channel.id, body)
        ref = body.json.get("message_reference") or {}
        reply_to = int(ref["message_id"]) if ref.get("message_id") else None
        message = world.post_message(bot, channel, reply_to=reply_to, nonce=body.json.get("nonce"),
                                     enforce_nonce=bool(body.json.get("enforce_nonce")),
                                     tts=bool(body.json.get("tts")), **fields)
        return json_response(render(message))

    async def history(request: web.Request) -> web.Response:
        channel = channel_of(request)
        world.require(bot.id, channel, Perm.READ_MESSAGE_HISTORY)
        q = request.query
        found = world.history(channel, limit=int(q.get("limit", 50)),
                              before=int(q["before"]) if "before" in q else None,
                              after=int(q["after"]) if "after" in q else None,
                              around=int(q["around"]) if "around" in q else None)
        return json_response([render(m) for m in found])

    async def get_message(request: web.Request) -> web.Response:
        channel = channel_of(request)
        world.require(bot.id, channel, Perm.READ_MESSAGE_HISTORY)
        return json_response(render(message_of(request, channel)))

    async def edit_message(request: web.Request) -> web.Response:
        channel = channel_of(request)
        message = message_of(request, channel)
        body = await read_body(request)
        world.edit_message(bot, message, **message_fields(emu, channel.id, body))
        return json_response(render(message))

    async def delete_message(request: web.Request) -> web.Response:
        channel = channel_of(request)
        world.delete_message(bot, message_of(request, channel))
        return no_content()

    async def bulk_delete(request: web.Request) -> web.Response:
        channel = channel_of(request)
        data = (await read_body(request)).json
        world.bulk_delete(bot, channel, [int(i) for i in data.get("messages") or []])
        return no_content()

    def emoji_key(request: web.Request) -> str:
        raw = unquote(request.match_info["emoji"])
        if not raw:
            raise ApiError.unknown("Emoji")
        return raw

    async def add_reaction(request: web.Request) -> web.Response:
        channel = channel_of(request)
        world.add_reaction(bot, message_of(request, channel), emoji_key(request))
        return no_content()

    async def remove_reaction(request: web.Request) -> web.Response:
        channel = channel_of(request)
        target = request.match_info.get("user_id", "@me")
        user = bot if target == "@me" else world.user(int(target))
        world.remove_reaction(bot, message_of(request, channel), emoji_key(request), user)
        return no_content()

    async def list_reactions(request: web.Request) -> web.Response:
        channel = channel_of(request)
        message = message_of(request, channel)
        ids = message.reactions.get(emoji_key(request), [])
        after = int(request.query.get("after", 0))
        limit = int(request.query.get("limit", 25))
        picked = sorted(i for i in ids if i > after)[:limit]
        return json_response([payloads.user(world.users[i]) for i in picked])

    async def clear_reactions(request: web.Request) -> web.Response:
        channel = channel_of(request)
        key = emoji_key(request) if "emoji" in request.match_info else None
        world.clear_reactions(bot, message_of(request, channel), key)
        return no_content()

    async def pin(request: web.Request) -> web.Response:
        channel = channel_of(request)
        message = message_of(request, channel)
        world.require(bot.id, channel, Perm.MANAGE_MESSAGES)
        message.pinned = request.method == "PUT"
        world.emit_message("MESSAGE_UPDATE", message)
        return no_content()

    async def pins(request: web.Request) -> web.Response:
        channel = channel_of(request)
        pinned = [m for m in world.messages[channel.id].values() if m.pinned]
        return json_response({"items": [{"pinned_at": payloads.iso(m.created_at), "message": render(m)}
                                        for m in reversed(pinned)], "has_more": False})

    async def thread_from_message(request: web.Request) -> web.Response:
        channel = channel_of(request)
        message = message_of(request, channel)
        data = (await read_body(request)).json
        thread, _ = world.create_thread(
            bot, channel, str(data.get("name") or ""), from_message=message,
            auto_archive_duration=int(data.get("auto_archive_duration") or 1440),
            rate_limit_per_user=int(data.get("rate_limit_per_user") or 0))
        return json_response(payloads.channel(thread), status=201)

    async def thread_without_message(request: web.Request) -> web.Response:
        channel = channel_of(request)
        body = await read_body(request)
        data = body.json
        first = None
        if channel.type == ChannelKind.FORUM:
            msg = data.get("message")
            if not isinstance(msg, dict):
                raise form_error("message", "BASE_TYPE_REQUIRED", "This field is required")
            first = message_fields(emu, channel.id, Body(msg, body.files))
        kind = int(data.get("type") or ChannelKind.PUBLIC_THREAD)
        thread, starter = world.create_thread(
            bot, channel, str(data.get("name") or ""), private=kind == ChannelKind.PRIVATE_THREAD,
            auto_archive_duration=int(data.get("auto_archive_duration") or 1440),
            rate_limit_per_user=int(data.get("rate_limit_per_user") or 0),
            applied_tags=[int(t) for t in data.get("applied_tags") or []], first_message=first)
        out = payloads.channel(thread)
        if starter is not None:
            out["message"] = render(starter)
        return json_response(out, status=201)

    async def attachment(request: web.Request) -> web.Response:
        stored = emu.files.get(snowflake(request, "attachment_id"))
        if stored is None:
            raise web.HTTPNotFound()
        data, ctype = stored
        return web.Response(body=data, content_type=ctype.split(";")[0])

    p = f"{prefix}/channels/{{channel_id}}"
    m = f"{p}/messages/{{message_id}}"
    r = router
    r.add_post(f"{p}/messages", create_message)
    r.add_get(f"{p}/messages", history)
    r.add_get(f"{p}/messages/pins", pins)
    r.add_post(f"{p}/messages/bulk-delete", bulk_delete)
    r.add_post(f"{p}/messages/bulk_delete", bulk_delete)
    r.add_get(m, get_message)
    r.add_patch(m, edit_message)
    r.add_delete(m, delete_message)
    r.add_put(f"{m}/reactions/{{emoji}}/@me", add_reaction)
    r.add_delete(f"{m}/reactions/{{emoji}}/@me", remove_reaction)
    r.add_delete(f"{m}/reactions/{{emoji}}/{{user_id}}", remove_reaction)
    r.add_get(f"{m}/reactions/{{emoji}}", list_reactions)
    r.add_delete(f"{m}/reactions/{{emoji}}", clear_reactions)
    r.add_delete(f"{m}/reactions", clear_reactions)
    r.add_put(f"{p}/pins/{{message_id}}", pin)
    r.add_delete(f"{p}/pins/{{message_id}}", pin)
    r.add_put(f"{p}/messages/pins/{{message_id}}", pin)
    r.add_delete(f"{p}/messages/pins/{{message_id}}", pin)
    r.add_post(f"{m}/threads", thread_from_message)
    r.add_post(f"{p}/threads", thread_without_message)
    r.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", attachment)
