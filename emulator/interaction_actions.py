"""The part of `DiscordEmulator`'s test API where a user goes through Discord's client to the application:
slash commands (options checked as the client checks them), autocomplete, user and message context menus,
buttons, selects and modals, the app's user install and per-command permission overrides.

Each action is checked against the command's contexts and installations and its default permissions, emits
INTERACTION_CREATE and (unless `wait=False`) waits for the bot's first response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator import payloads
from emulator.components import walk_components
from emulator.contexts import interaction_payload, invocation, not_offered
from emulator.errors import join_words
from emulator.interactions import InteractionRecord, build_options
from emulator.model import Channel, Guild, Message, User, permission_names
from emulator.server import EmulatorServer

__all__ = ["InteractionActions"]


class InteractionActions(EmulatorServer):
    """Users running the application's commands and components; `DiscordEmulator` adds the rest of the API."""

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
        for comp in walk_components(message.components):
            if (custom_id is not None and comp.get("custom_id") == custom_id) or (
                    label is not None and comp.get("label") == label):
                return comp
        labels = [c.get("label") or c.get("custom_id") for c in walk_components(message.components) if c.get("custom_id")]
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
        unknown = set(values) - {c.get("custom_id") for c in walk_components(modal["components"]) if c.get("type") == 4}
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
