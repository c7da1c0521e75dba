"""The test-side API of `DiscordEmulator`: build guilds, channels, users and roles; act as a user (send, reply,
edit, delete, react; commands, context menus and components through `emulator.interaction_actions`, which it
extends; log in with Discord); inspect what the bot did.

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

from emulator.fastpath import inject_messages
from emulator.interaction_actions import InteractionActions
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
)

__all__ = ["DiscordEmulator"]

Target = Role | User | Member


class DiscordEmulator(InteractionActions):
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
        return inject_messages(self.world, user, channel, contents, reply_to)

    # ---- logging in with Discord (OAuth2) ------------------------------------------------------------------
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
