"""Interaction callbacks (`?with_response=1`) and the webhook handlers discord.py uses for follow-ups and the
original response (routed by `emulator.rest_webhooks`). These routes carry no Authorization header: the interaction token is the credential."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator import payloads
from emulator.errors import ApiError
from emulator.interactions import InteractionRecord
from emulator.model import Message
from emulator.rest_messages import message_fields
from emulator.wire import Body, json_response, no_content, read_body, snowflake

if TYPE_CHECKING:
    from emulator.server import EmulatorServer

__all__ = ["InteractionHooks", "add_interaction_routes"]

Handler = Callable[[web.Request], Awaitable[web.Response]]

EPHEMERAL = 1 << 6
LOADING = 1 << 7
TOKEN_LIFETIME = 15 * 60


@dataclass(frozen=True)
class InteractionHooks:
    """The handlers of the application's own webhook (/webhooks/{application id}/{interaction token}...)."""

    execute: Handler
    get: Handler
    edit: Handler
    delete: Handler


def add_interaction_routes(router: web.UrlDispatcher, emu: EmulatorServer, prefix: str) -> InteractionHooks:
    world = emu.world
    bot = world.bot_user

    def render(m: Message) -> dict[str, Any]:
        return world.message_payload(m)

    def metadata(rec: InteractionRecord) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(rec.id), "type": rec.type if rec.type != 4 else 2,
                                "user": payloads.user(rec.user),
                                "authorizing_integration_owners": dict(rec.owners)}
        if rec.type == 2:
            data["name"] = rec.data.get("name", "")
            data["command_type"] = rec.data.get("type", 1)
        if rec.type == 2 and rec.data.get("type") == 3:
            data["target_message_id"] = str(rec.data["target_id"])
        if rec.type == 3 and rec.message is not None:
            data["interacted_message_id"] = str(rec.message.id)
        if rec.type == 5 and rec.opener is not None:
            data["triggering_interaction_metadata"] = metadata(rec.opener)
        return data

    def new_message(rec: InteractionRecord, fields: dict[str, Any], *, allow_empty: bool = False) -> Message:
        channel = world.channel(rec.channel_id)
        flags = int(fields.pop("flags", 0) or 0) | (EPHEMERAL if rec.forced_ephemeral else 0)
        msg_type = {1: 20, 3: 23}.get(rec.data.get("type", 0), 0) if rec.type == 2 else 0
        if allow_empty and not any(fields.get(k) for k in ("content", "embeds", "components", "attachments")):
            fields["content"] = ""
            fields["components"] = []
        return world.post_message(
            bot, channel, flags=flags, msg_type=msg_type, webhook_id=world.application_id,
            interaction=metadata(rec), ephemeral_to=rec.user.id if flags & EPHEMERAL else None, check=False,
            allow_empty=allow_empty, **fields)

    def record(request: web.Request, id_key: str) -> InteractionRecord:
        rec = emu.interactions_by_token.get(request.match_info["token"])
        if rec is None:
            raise ApiError.unknown("interaction" if id_key == "interaction_id" else "Webhook")
        if id_key == "interaction_id" and snowflake(request, id_key) != rec.id:
            raise ApiError.unknown("interaction")
        if id_key == "webhook_id" and snowflake(request, id_key) != world.application_id:
            raise ApiError.unknown("Webhook")
        if time.time() - rec.created > TOKEN_LIFETIME:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return rec

    async def callback(request: web.Request) -> web.Response:
        rec = record(request, "interaction_id")
        if rec.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if time.time() - rec.created > emu.interaction_response_timeout:
            raise ApiError.unknown("interaction")
        body = await read_body(request)
        rtype = int(body.json.get("type", 0))
        data = body.json.get("data") or {}
        resource: dict[str, Any] = {"type": rtype}
        if rtype == 4:
            rec.original = new_message(rec, message_fields(emu, rec.channel_id, _with(body, data)))
        elif rtype == 5:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL) | (EPHEMERAL if rec.forced_ephemeral else 0)
            rec.original = new_message(rec, {"flags": flags}, allow_empty=True)
        elif rtype in (6, 7):
            if rec.message is None:
                raise ApiError(400, 40004, "Interaction response type is not valid for this interaction")
            rec.original = rec.message
            if rtype == 7:
                world.edit_message(bot, rec.message, check=False,
                                   **message_fields(emu, rec.channel_id, _with(body, data)))
        elif rtype == 8:
            rec.choices = list(data.get("choices") or [])
        elif rtype == 9:
            rec.modal = dict(data)
        else:
            raise ApiError(400, 50035, "Invalid Form Body",
                           {"type": {"_errors": [{"code": "BASE_TYPE_CHOICES", "message": "Invalid type"}]}})
        rec.response_type = rtype
        rec.touch()
        emu.notify()
        info: dict[str, Any] = {"id": str(rec.id), "type": rec.type,
                                "response_message_loading": rtype == 5,
                                "response_message_ephemeral": bool(rec.original and rec.original.is_ephemeral)}
        if rec.original is not None and rtype in (4, 5, 7):
            info["response_message_id"] = str(rec.original.id)
            resource["message"] = render(rec.original)
        return json_response({"interaction": info, "resource": resource})

    def target(rec: InteractionRecord, raw: str) -> Message:
        if raw == "@original":
            if rec.original is None or rec.deleted_original:
                raise ApiError.unknown("Message")
            return rec.original
        mid = int(raw)
        for m in rec.followups:
            if m.id == mid and not m.deleted:
                return m
        if rec.original is not None and rec.original.id == mid:
            return rec.original
        raise ApiError.unknown("Message")

    async def followup(request: web.Request) -> web.Response:
        rec = record(request, "webhook_id")
        if not rec.acknowledged:
            raise ApiError.unknown("Webhook")
        body = await read_body(request)
        fields = message_fields(emu, rec.channel_id, body)
        if (rec.response_type == 5 and rec.original is not None and rec.original.flags & LOADING
                and not rec.deleted_original):
            # The first follow-up after a deferred response replaces the "thinking…" message.
            message = finish_loading(rec.original, fields)
        else:
            message = new_message(rec, fields)
            rec.followups.append(message)
        rec.touch()
        emu.notify()
        if request.query.get("wait", "false").lower() in ("true", "1"):
            return json_response(render(message))
        return no_content()

    def finish_loading(message: Message, fields: dict[str, Any]) -> Message:
        flags = (message.flags & ~LOADING) | (int(fields.pop("flags", 0) or 0) & ~EPHEMERAL)
        world.edit_message(bot, message, check=False, flags=flags, **fields)
        return message

    async def get_webhook_message(request: web.Request) -> web.Response:
        rec = record(request, "webhook_id")
        return json_response(render(target(rec, request.match_info["message_id"])))

    async def edit_webhook_message(request: web.Request) -> web.Response:
        rec = record(request, "webhook_id")
        message = target(rec, request.match_info["message_id"])
        fields = message_fields(emu, rec.channel_id, await read_body(request))
        if message.flags & LOADING:
            finish_loading(message, fields)
        else:
            world.edit_message(bot, message, check=False, **fields)
        rec.touch()
        emu.notify()
        return json_response(render(message))

    async def delete_webhook_message(request: web.Request) -> web.Response:
        rec = record(request, "webhook_id")
        raw = request.match_info["message_id"]
        message = target(rec, raw)
        if message.is_ephemeral:
            message.deleted = True
        else:
            world.delete_message(bot, message, check=False)
        if raw == "@original":
            rec.deleted_original = True
        rec.touch()
        emu.notify()
        return no_content()

    router.add_post(f"{prefix}/interactions/{{interaction_id}}/{{token}}/callback", callback)
    # /webhooks/{id}/{token} is shared with channel webhooks: emulator.rest_webhooks routes the application's
    # id here and any other id to the channel webhook it names.
    return InteractionHooks(execute=followup, get=get_webhook_message, edit=edit_webhook_message,
                            delete=delete_webhook_message)


def _with(body: Body, data: dict[str, Any]) -> Body:
    return Body(data, body.files)
