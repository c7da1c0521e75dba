"""The test-side API of `DiscordEmulator`: build guilds, channels, users and roles; act as a user (send, reply,
edit, delete, react, run slash commands, context menus, buttons, selects, modals); inspect what the bot did.

User actions go through the same rules as Discord's (permissions, limits, locked threads) and raise
`ApiError` when Discord would refuse them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx
from aiohttp import web

from emulator import payloads
from emulator.contexts import interaction_payload, invocation, not_offered
from emulator.errors import join_words
from emulator.interactions import InteractionRecord, build_options
from emulator.model import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    Channel,
    ChannelKind,
    Guild,
    Member,
    Message,
    Overwrite,
    Role,
    User,
    Webhook,
    permission_names,
)
from emulator.server import EmulatorServer

__all__ = ["DiscordEmulator"]

Target = Role | User | Member


class DiscordEmulator(EmulatorServer):
    """A local Discord for one bot application, with the API tests use to build a world, act as users and
    inspect what the bot did. `async with DiscordEmulator() as emu:` or `await emu.start()` / `stop()`."""

    __test__ = False  # not a pytest test class

    def build_app(self) -> web.Application:
        from emulator.control import add_control_routes

        app = super().build_app()
        add_control_routes(app.router, self)
        return app

    # ---- building the world ----------------------------------------------------------------------------------
    def create_user(self, name: str, *, bot: bool = False) -> User:
        return self.world._new_user(name, bot=bot)

    def create_guild(self, name: str = "Test Guild", *, owner: User | None = None,
                     everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
                     bot_permissions: int = DEFAULT_BOT_PERMISSIONS) -> Guild:
        """A guild the bot is in (GUILD_CREATE is dispatched to connected sessions)."""
        return self.world.new_guild(name, owner=owner, everyone_permissions=everyone_permissions,
                                    bot_permissions=bot_permissions)

    def create_foreign_guild(self, name: str = "Elsewhere", *, owner: User | None = None,
                             everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS) -> Guild:
        """A guild the bot is not in: the bot gets none of its events and cannot read it; only a user who
        installed the app (`install_app`) can use its user-installable commands there."""
        return self.world.new_guild(name, owner=owner, everyone_permissions=everyone_permissions, with_bot=False)

    def remove_bot(self, guild: Guild) -> None:
        """Remove the bot from `guild` (GUILD_DELETE reaches it; its REST calls there then fail)."""
        self.world.remove_bot(guild)

    def ban(self, guild: Guild, user: User, *, reason: str | None = None) -> None:
        """A moderator banning `user` from outside the bot (GUILD_BAN_ADD + GUILD_MEMBER_REMOVE)."""
        self.world.ban(guild, user, reason=reason)

    def create_role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        return self.world.new_role(guild, name, permissions)

    def add_member(self, guild: Guild, user: User, roles: Iterable[Role] = (),
                   nick: str | None = None) -> Member:
        return self.world.add_member(guild, user, roles, nick)

    def set_roles(self, guild: Guild, user: User, roles: Iterable[Role]) -> Member:
        return self.world.update_member(guild, self.world.member(guild, user.id), roles=roles)

    def remove_member(self, guild: Guild, user: User) -> None:
        self.world.remove_member(guild, user)

    def bot_role(self, guild: Guild) -> Role:
        """The bot's managed role: change its permissions with `set_permissions(role, ...)`."""
        return self.world.bot_role(guild)

    def set_permissions(self, role: Role, permissions: int) -> Role:
        return self.world.update_role(role, permissions=permissions)

    def create_channel(self, guild: Guild, name: str, kind: str = "text", *,
                       tags: Iterable[str] = (), topic: str | None = None,
                       overwrites: Mapping[Target, tuple[int, int]] | None = None) -> Channel:
        """`kind` is "text" or "forum" (forum `tags` by name); `overwrites` maps a role/user to (allow, deny)."""
        return self.world.new_channel(guild, name, kind=ChannelKind.BY_NAME[kind], topic=topic, tags=tags,
                                      overwrites=self._overwrites(guild, overwrites or {}))

    def set_overwrites(self, channel: Channel, overwrites: Mapping[Target, tuple[int, int]]) -> None:
        guild = self.world.guild(channel.guild_id)
        self.world.update_channel(channel, overwrites=self._overwrites(guild, overwrites))

    @staticmethod
    def _overwrites(guild: Guild, overwrites: Mapping[Target, tuple[int, int]]) -> list[Overwrite]:
        out = []
        for target, (allow, deny) in overwrites.items():
            if isinstance(target, Role):
                out.append(Overwrite(target.id, 0, allow, deny))
            else:
                user = target.user if isinstance(target, Member) else target
                out.append(Overwrite(user.id, 1, allow, deny))
        return out

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and `user`: `send(user, emu.dm_channel(user), ...)` DMs the bot."""
        return self.world.dm_channel(user)

    def private_channel(self, *users: User, name: str = "") -> Channel:
        """A DM between two users or a group DM (three or more), without the bot: context PRIVATE_CHANNEL."""
        return self.world.private_channel(users, name)

    def tag_id(self, forum: Channel, name: str) -> int:
        return next(int(t["id"]) for t in forum.available_tags if t["name"] == name)

    # ---- acting as a user ------------------------------------------------------------------------------------
    def send(self, user: User, channel: Channel, content: str = "", *,
             reply_to: Message | None = None, embeds: list[dict[str, Any]] | None = None,
             files: Iterable[tuple[str, bytes]] = ()) -> Message:
        """Post as `user` (MESSAGE_CREATE reaches the bot). `reply_to` makes it a reply (type 19)."""
        attachments = self.store_attachments(channel.id, [], [(f"files[{i}]", name, data, "application/octet-stream")
                                                              for i, (name, data) in enumerate(files)])
        return self.world.post_message(user, channel, content, embeds=embeds, attachments=attachments,
                                       reply_to=reply_to.id if reply_to else None)

    def edit(self, user: User, message: Message, content: str) -> Message:
        return self.world.edit_message(user, message, content=content)

    def delete(self, user: User, message: Message) -> None:
        self.world.delete_message(user, message)

    def react(self, user: User, message: Message, emoji: str) -> None:
        """`emoji` is a unicode emoji or `name:id` for a custom one."""
        self.world.add_reaction(user, message, emoji)

    def unreact(self, user: User, message: Message, emoji: str) -> None:
        self.world.remove_reaction(user, message, emoji)

    def create_thread(self, user: User, channel: Channel, name: str, *,
                      message: Message | None = None, content: str = "", tags: Iterable[str] = ()) -> Channel:
        """A thread from `message`, a thread without one, or (forum `channel`) a post with `content` and tags."""
        first = {"content": content} if channel.type == ChannelKind.FORUM else None
        applied = [self.tag_id(channel, t) for t in tags]
        thread, _ = self.world.create_thread(user, channel, name, from_message=message, first_message=first,
                                             applied_tags=applied)
        return thread

    def inject_messages(self, user: User, channel: Channel, contents: Iterable[str],
                        reply_to: Sequence[int | None] | None = None) -> int:
        """Fast path for load: post many messages as `user` without permission checks (MESSAGE_CREATE for
        each, rendered from one template; not recorded in `events`). `reply_to[i]`: index of an earlier
        message of this call that message i replies to, or None. Returns the count."""
        return self.world.inject_messages(user, channel, contents, reply_to)

    # ---- interactions ------------------------------------------------------------------------------------
    def _interaction(self, user: User, channel: Channel, itype: int, data: dict[str, Any],
                     message: Message | None = None, command: dict[str, Any] | None = None) -> InteractionRecord:
        """Emit INTERACTION_CREATE from `channel`: a command (`command`, checked against its contexts and
        installations) or a component/modal on `message` (under the installations of the interaction that
        made that message)."""
        world = self.world
        if not world.permissions(user.id, channel):
            raise PermissionError(f"{user.username} cannot see #{channel.name or channel.id}")
        made_by = (message.interaction or {}).get("authorizing_integration_owners") if message else None
        how = invocation(world, user, channel, command, made_by)
        rec = InteractionRecord(id=world.ids.next(), token=InteractionRecord.new_token(), type=itype, user=user,
                                guild_id=how.guild.id if how.guild else None, channel_id=channel.id, data=data,
                                message=message, context=how.context, owners=how.owners,
                                forced_ephemeral=how.forced_ephemeral)
        payload = interaction_payload(world, how, interaction_id=rec.id, token=rec.token, itype=itype, data=data,
                                      user=user, channel=channel)
        if message is not None:
            payload["message"] = world.message_payload(message)
        self.interactions.append(rec)
        self.interactions_by_token[rec.token] = rec
        world.emit("INTERACTION_CREATE", payload, rec.guild_id, None)
        return rec

    def allow_command(self, guild: Guild, name: str, user: User) -> None:
        """A guild admin's per-command permission override (Server Settings > Integrations): `user` may use
        command `name` whatever its default_member_permissions say. The bot's own run-time checks still apply."""
        overrides: set[tuple[int, str, int]] = self.__dict__.setdefault("command_overrides", set())
        overrides.add((guild.id, name, user.id))

    def _command(self, user: User, channel: Channel, name: str, kind: int) -> dict[str, Any]:
        guild_id = channel.guild_id if self.world.bot_in(channel.guild_id) else None
        cmd = self.commands.find(name, guild_id, kind)
        problem = not_offered(self.world, user, channel, cmd)
        if problem is not None:
            raise PermissionError(problem)
        required = cmd.get("default_member_permissions")
        if (channel.guild_id, name, user.id) in self.__dict__.get("command_overrides", ()) or guild_id is None:
            required = None  # default_member_permissions are a server's (installed) setting
        if required is not None:
            perms = self.world.base_permissions(self.world.guild(channel.guild_id), user.id)
            if perms & int(required) != int(required):
                needed = join_words(permission_names(int(required) & ~perms))
                raise PermissionError(f"{user.username} may not use /{name} (it needs {needed})")
        return cmd

    def offered_commands(self, user: User, channel: Channel) -> list[str]:
        """What Discord's client lists for `user` in `channel` (slash commands by name, menus by their label)."""
        guild_id = channel.guild_id if self.world.bot_in(channel.guild_id) else None
        tables = ([self.commands.guilds.get(guild_id, {})] if guild_id else []) + [self.commands.global_]
        return sorted(c["name"] for t in tables for c in t.values()
                      if not_offered(self.world, user, channel, c) is None)

    def install_app(self, user: User) -> None:
        """`user` adds the app to their account (the portal's user install link): its user-installable
        commands then follow them into DMs and servers the bot is not in."""
        if not self.world.user_install_enabled:
            raise PermissionError("this application cannot be installed to a user: turn on Installation > "
                                  "Installation Contexts > User Install")
        self.world.user_installs.add(user.id)

    async def run_slash_command(self, user: User, channel: Channel, command: str,
                                options: Mapping[str, Any] | None = None, *, wait: bool = True,
                                timeout: float = 10.0, validate: bool = True) -> InteractionRecord:
        """Run `/name [group] [sub]` with `options` (values: str/int/float/bool, User/Member/Channel/Role
        objects or ids for those option types, an `Upload` for an attachment option). Waits for the bot's
        first response unless `wait=False`.

        Option values are checked as Discord's client checks them (ValueError for a bad one);
        `validate=False` sends them anyway, as a client with an outdated copy of the command would."""
        name, *path = command.split()
        cmd = self._command(user, channel, name, 1)
        opts, resolved = build_options(
            cmd, path, dict(options or {}), self.world, channel.guild_id, validate=validate,
            store_upload=lambda up: self._attachment(channel.id, up.filename, up.data, up.content_type, None))
        data: dict[str, Any] = {"id": cmd["id"], "name": name, "type": 1, "options": opts}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        if resolved:
            data["resolved"] = resolved
        rec = self._interaction(user, channel, 2, data, command=cmd)
        return await rec.wait(timeout) if wait else rec

    async def autocomplete(self, user: User, channel: Channel, command: str,
                           options: Mapping[str, Any], focused: str, *, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Type into option `focused`; returns the bot's choices ([{"name", "value"}, ...])."""
        name, *path = command.split()
        cmd = self._command(user, channel, name, 1)
        opts, resolved = build_options(cmd, path, dict(options), self.world, channel.guild_id, focused=focused)
        data: dict[str, Any] = {"id": cmd["id"], "name": name, "type": 1, "options": opts}
        if resolved:
            data["resolved"] = resolved
        rec = await self._interaction(user, channel, 4, data, command=cmd).wait(timeout)
        return rec.choices or []

    async def use_message_command(self, user: User, message: Message, name: str, *,
                                  wait: bool = True, timeout: float = 10.0) -> InteractionRecord:
        """Right-click `message` > Apps > `name` (a message context menu)."""
        channel = self.world.channel(message.channel_id)
        cmd = self._command(user, channel, name, 3)
        data = {"id": cmd["id"], "name": name, "type": 3, "target_id": str(message.id),
                "resolved": {"messages": {str(message.id): self.world.message_payload(message)}}}
        rec = self._interaction(user, channel, 2, data, command=cmd)
        return await rec.wait(timeout) if wait else rec

    async def consent(self, client: httpx.AsyncClient, authorize_url: str, user: User) -> str:
        """Open the emulated consent page at `authorize_url` and click "Authorize as <user>"; returns the
        address Discord sends the browser back to (the application's redirect with `code` and `state`)."""
        page = await client.get(authorize_url)
        link = re.search(rf'href="([^"]+)" data-user="{user.id}"', page.text)
        if link is None:
            raise AssertionError(f"no 'Authorize as {user.username}' on the consent page: {page.text[:300]}")
        back = await client.get(self.base_url + html.unescape(link[1]))
        if back.status_code != 302:
            raise AssertionError(f"the consent was refused ({back.status_code}): {back.text[:300]}")
        return back.headers["location"]

    async def log_in(self, client: httpx.AsyncClient, login_url: str, user: User) -> httpx.Response:
        """"Log in with Discord" on an application (the web dashboard) as `user`: follows its login URL to the
        consent page and back; returns the application's answer to the callback (a redirect to its pages)."""
        start = await client.get(login_url)
        return await client.get(await self.consent(client, start.headers["location"], user))

    async def use_user_command(self, user: User, target: User, channel: Channel, name: str, *,
                               wait: bool = True, timeout: float = 10.0) -> InteractionRecord:
        """Right-click `target` (a member, in `channel`) > Apps > `name` (a user context menu)."""
        cmd = self._command(user, channel, name, 2)
        resolved: dict[str, Any] = {"users": {str(target.id): payloads.user(target)}}
        guild = self.world.guilds.get(channel.guild_id or 0)
        if guild is not None and target.id in guild.members:
            member = payloads.member(guild.members[target.id], with_user=False)
            member["permissions"] = str(self.world.base_permissions(guild, target.id))
            resolved["members"] = {str(target.id): member}
        data = {"id": cmd["id"], "name": name, "type": 2, "target_id": str(target.id), "resolved": resolved}
        rec = self._interaction(user, channel, 2, data, command=cmd)
        return await rec.wait(timeout) if wait else rec

    def find_component(self, message: Message, *, custom_id: str | None = None,
                       label: str | None = None) -> dict[str, Any]:
        def walk(items: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
            for item in items:
                yield item
                yield from walk(item.get("components") or [])
                if isinstance(item.get("component"), dict):
                    yield from walk([item["component"]])
                if isinstance(item.get("accessory"), dict):
                    yield from walk([item["accessory"]])

        for comp in walk(message.components):
            if (custom_id is not None and comp.get("custom_id") == custom_id) or (
                    label is not None and comp.get("label") == label):
                return comp
        labels = [c.get("label") or c.get("custom_id") for c in walk(message.components) if c.get("custom_id")]
        wanted = f"button {label!r}" if label is not None else f"component {custom_id!r}"
        has = f"its buttons: {join_words(map(str, labels))}" if labels else "it has no buttons"
        raise LookupError(f"no {wanted} on that message ({has})")

    async def press_button(self, user: User, message: Message, *, custom_id: str | None = None,
                           label: str | None = None, wait: bool = True, timeout: float = 10.0) -> InteractionRecord:
        comp = self.find_component(message, custom_id=custom_id, label=label)
        if comp.get("type") != 2 or comp.get("disabled"):
            raise ValueError(f"component {comp.get('custom_id')!r} is not an enabled button")
        rec = self._interaction(user, self.world.channel(message.channel_id), 3,
                                {"custom_id": comp["custom_id"], "component_type": 2}, message)
        return await rec.wait(timeout) if wait else rec

    async def select(self, user: User, message: Message, values: list[str], *,
                     custom_id: str | None = None, wait: bool = True, timeout: float = 10.0) -> InteractionRecord:
        comp = self.find_component(message, custom_id=custom_id) if custom_id else next(
            c for row in message.components for c in row.get("components", []) if c.get("type") == 3)
        rec = self._interaction(user, self.world.channel(message.channel_id), 3,
                                {"custom_id": comp["custom_id"], "component_type": comp["type"],
                                 "values": list(values)}, message)
        return await rec.wait(timeout) if wait else rec

    async def submit_modal(self, user: User, opened: InteractionRecord,
                           values: Mapping[str, str], *, wait: bool = True, timeout: float = 10.0) -> InteractionRecord:
        """Fill the modal the bot opened in answer to `opened` (text inputs by custom_id) and submit it."""
        modal = opened.modal
        if modal is None:
            raise LookupError("the bot did not answer that interaction with a modal")
        unknown = set(values) - {c.get("custom_id") for c in _modal_inputs(modal["components"])}
        if unknown:
            raise LookupError(f"the modal has no input named {join_words(sorted(unknown), 'or')}")

        def fill(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            out = []
            for item in items:
                if item["type"] == 1:
                    out.append({"type": 1, "components": fill(item["components"])})
                elif item["type"] == 18:
                    out.append({"type": 18, "id": item.get("id", 0), "component": fill([item["component"]])[0]})
                elif item["type"] == 4:
                    out.append({"type": 4, "id": item.get("id", 0), "custom_id": item["custom_id"],
                                "value": values.get(item["custom_id"], item.get("value") or "")})
            return out

        data = {"custom_id": modal["custom_id"], "components": fill(modal["components"])}
        channel = self.world.channel(opened.channel_id)
        rec = self._interaction(user, channel, 5, data, opened.message)
        rec.opener = opened
        return await rec.wait(timeout) if wait else rec

    # ---- webhooks ---------------------------------------------------------------------------------------------
    def create_webhook(self, user: User, channel: Channel, name: str = "Captain Hook") -> Webhook:
        """`user` makes a webhook in `channel` (Manage Webhooks needed, as in the Discord client)."""
        return self.world.create_webhook(user, channel, name)

    def delete_webhook(self, user: User, hook: Webhook) -> None:
        """`user` deletes `hook` (Server Settings > Integrations > Webhooks): executing it now answers 10015."""
        self.world.manageable(user, hook)
        self.world.delete_webhook(hook)

    def webhooks(self, channel: Channel) -> list[Webhook]:
        return self.world.channel_webhooks(channel)

    # ---- inspecting -----------------------------------------------------------------------------------------
    def messages(self, channel: Channel) -> list[Message]:
        """Messages in `channel`, oldest first (ephemeral ones are not in channels; see InteractionRecord)."""
        return list(self.world.messages.get(channel.id, {}).values())

    def last_message(self, channel: Channel) -> Message | None:
        msgs = self.world.messages.get(channel.id, {})
        return next(reversed(msgs.values())) if msgs else None

    def bot_messages(self, channel: Channel) -> list[Message]:
        return [m for m in self.messages(channel) if m.author.id == self.world.bot_user.id]

    def embeds(self, channel: Channel) -> list[dict[str, Any]]:
        return [e for m in self.messages(channel) for e in m.embeds]

    def threads(self, channel: Channel) -> list[Channel]:
        return self.world.threads_of(channel)

    def reactions(self, message: Message) -> dict[str, list[User]]:
        return {k: [self.world.users[u] for u in ids] for k, ids in message.reactions.items()}

    async def wait_for_message(self, channel: Channel, predicate: Any = None, *,
                               after: Message | None = None, timeout: float = 10.0) -> Message:
        """The first message in `channel` (newer than `after`) matching `predicate(message)`."""
        floor = after.id if after is not None else 0

        def find() -> Message | None:
            for m in self.world.messages.get(channel.id, {}).values():
                if m.id > floor and (predicate is None or predicate(m)):
                    return m
            return None

        return await self.wait_for(find, timeout, what=f"a matching message in #{channel.name}")

    def set_message_content_intent(self, allowed: bool) -> None:
        """The developer-portal switch: when off, IDENTIFY with the intent is refused (close 4014)."""
        self.world.message_content_allowed = allowed

    async def disconnect(self, *, resumable: bool = True) -> None:
        """Drop the bot's gateway connection(s): it RESUMEs (resumable) or re-IDENTIFYs."""
        await self.gateway.disconnect(resumable=resumable)


def _modal_inputs(items: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for item in items:
        if item.get("type") == 4:
            yield item
        yield from _modal_inputs(item.get("components") or [])
        if isinstance(item.get("component"), dict):
            yield from _modal_inputs([item["component"]])
