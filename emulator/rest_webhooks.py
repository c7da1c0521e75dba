"""REST routes for channel webhooks (create, list, get, delete; execute, and get/edit/delete the messages a
webhook sent) and the dispatch of /webhooks/{id}/{token}: the application's id is its interaction webhook
(`emulator.rest_interactions`), any other id a channel webhook (`emulator.webhooks`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator.errors import form_error
from emulator.model import Channel, Message, Perm, Webhook
from emulator.rest_interactions import Handler, InteractionHooks
from emulator.rest_messages import message_fields
from emulator.wire import json_response, no_content, read_body, snowflake

if TYPE_CHECKING:
    from emulator.server import EmulatorServer

__all__ = ["add_webhook_routes"]


def _flag(request: web.Request, name: str) -> bool:
    """A boolean query string as Discord reads it ("true"/"1")."""
    return request.query.get(name, "false").lower() in ("true", "1")


def _query_id(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise form_error(name, "NUMBER_TYPE_COERCE", f'Value "{raw}" is not snowflake.')
    return int(raw)


def add_webhook_routes(router: web.UrlDispatcher, emu: EmulatorServer, prefix: str,
                       interaction: InteractionHooks) -> None:
    world = emu.world
    bot = world.bot_user

    def render(m: Message) -> dict[str, Any]:
        return world.message_payload(m)

    def with_token(request: web.Request) -> Webhook:
        return world.webhook(snowflake(request, "webhook_id"), request.match_info["token"])

    def channel_of(request: web.Request) -> Channel:
        emu.authorize(request)
        return world.channel(snowflake(request, "channel_id"))

    def managed(request: web.Request) -> Webhook:
        """The webhook of the path, if the bot may manage it (its own, or Manage Webhooks)."""
        emu.authorize(request)
        hook = world.webhook(snowflake(request, "webhook_id"))
        world.manageable(bot, hook)
        return hook

    def interaction_or(own: Handler, channel_hook: Handler) -> Handler:
        async def handle(request: web.Request) -> web.Response:
            if snowflake(request, "webhook_id") == world.application_id:
                return await own(request)
            return await channel_hook(request)
        return handle

    # ---- managing (bot token + Manage Webhooks) ----------------------------------------------------------------
    async def create(request: web.Request) -> web.Response:
        channel = channel_of(request)
        data = (await read_body(request)).json
        if not isinstance(data.get("name"), str):
            raise form_error("name", "BASE_TYPE_REQUIRED", "This field is required")
        hook = world.create_webhook(bot, channel, data["name"], avatar=data.get("avatar"))
        return json_response(world.webhook_payload(hook, with_token=True))

    async def list_channel(request: web.Request) -> web.Response:
        channel = channel_of(request)
        world.require(bot.id, channel, Perm.MANAGE_WEBHOOKS)
        return json_response([world.webhook_payload(w, with_token=w.type == 1)
                              for w in world.channel_webhooks(channel)])

    async def get(request: web.Request) -> web.Response:
        hook = managed(request)
        return json_response(world.webhook_payload(hook, with_token=hook.type == 1))

    async def delete(request: web.Request) -> web.Response:
        world.delete_webhook(managed(request))
        return no_content()

    # ---- with the token (no Authorization) ---------------------------------------------------------------------
    async def get_with_token(request: web.Request) -> web.Response:
        return json_response(world.webhook_payload(with_token(request), with_token=True, with_user=False))

    async def delete_with_token(request: web.Request) -> web.Response:
        world.delete_webhook(with_token(request))
        return no_content()

    async def execute(request: web.Request) -> web.Response:
        hook = with_token(request)
        body = await read_body(request)
        data = body.json
        fields = message_fields(emu, hook.channel_id, body)
        name = data.get("thread_name")
        message = world.execute_webhook(
            hook, fields, username=data.get("username"), avatar_url=data.get("avatar_url"),
            thread_id=_query_id(request, "thread_id"), thread_name=str(name) if name is not None else None,
            applied_tags=[int(t) for t in data.get("applied_tags") or []],
            with_components=_flag(request, "with_components"))
        emu.notify()
        return json_response(render(message)) if _flag(request, "wait") else no_content()

    def sent(request: web.Request, hook: Webhook) -> Message:
        return world.webhook_message(hook, snowflake(request, "message_id"), _query_id(request, "thread_id"))

    async def get_message(request: web.Request) -> web.Response:
        hook = with_token(request)
        return json_response(render(sent(request, hook)))

    async def edit_message(request: web.Request) -> web.Response:
        hook = with_token(request)
        message = sent(request, hook)
        fields = message_fields(emu, message.channel_id, await read_body(request))
        world.edit_webhook_message(hook, message, fields, with_components=_flag(request, "with_components"))
        emu.notify()
        return json_response(render(message))

    async def delete_message(request: web.Request) -> web.Response:
        hook = with_token(request)
        world.delete_message(bot, sent(request, hook), check=False)
        emu.notify()
        return no_content()

    r = router
    r.add_post(f"{prefix}/channels/{{channel_id}}/webhooks", create)
    r.add_get(f"{prefix}/channels/{{channel_id}}/webhooks", list_channel)
    r.add_get(f"{prefix}/webhooks/{{webhook_id}}", get)
    r.add_delete(f"{prefix}/webhooks/{{webhook_id}}", delete)
    hook_path = f"{prefix}/webhooks/{{webhook_id}}/{{token}}"
    r.add_get(hook_path, get_with_token)
    r.add_delete(hook_path, delete_with_token)
    r.add_post(hook_path, interaction_or(interaction.execute, execute))
    m = f"{hook_path}/messages/{{message_id}}"
    r.add_get(m, interaction_or(interaction.get, get_message))
    r.add_patch(m, interaction_or(interaction.edit, edit_message))
    r.add_delete(m, interaction_or(interaction.delete, delete_message))
