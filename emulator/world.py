"""The emulator's state and the guild-level rules: users, guilds, roles, members, channels, permissions.

`World` owns every entity; changes go through its methods so each one emits the gateway event Discord
would send (through `emit`, wired to the gateway by the server). Message, reaction and thread rules live in
`emulator.messages`, channel webhooks in `emulator.webhooks` (the `World` the server uses: each subclasses
the one before), to keep each module readable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from emulator import payloads
from emulator.errors import ApiError, form_error
from emulator.model import (
    ALL_PERMISSIONS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    Channel,
    ChannelKind,
    Guild,
    Member,
    Message,
    Overwrite,
    Perm,
    Role,
    Snowflakes,
    User,
)

__all__ = ["Emit", "Hidden", "WorldBase"]

_DM_PERMISSIONS = (Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.READ_MESSAGE_HISTORY | Perm.ADD_REACTIONS
                   | Perm.EMBED_LINKS | Perm.ATTACH_FILES | Perm.USE_EXTERNAL_EMOJIS)

# What a session without the Message Content intent gets instead (built lazily), or None.
Hidden = Callable[[], dict[str, Any]] | None
# emit(event_name, payload, guild_id, hidden) -> None
Emit = Callable[[str, dict[str, Any], "int | None", Hidden], None]


def _no_emit(event: str, payload: dict[str, Any], guild_id: int | None, hidden: Hidden) -> None:
    return None


class WorldBase:
    """Entities and guild/channel/member rules."""

    def __init__(self, *, bot_name: str = "Newsdesk", message_content_allowed: bool = True) -> None:
        self.ids = Snowflakes()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        # channel id -> {message id -> Message}; ids grow, so insertion order is chronological order
        self.messages: dict[int, dict[int, Message]] = {}
        self.message_index: dict[int, Message] = {}
        self.last_post: dict[tuple[int, int], float] = {}  # (channel, user) -> time, for slowmode
        self.emit: Emit = _no_emit
        # emit_json(event, guild_id, full_json, hidden_json): the pre-serialized fast path (load tests)
        self.emit_json: Callable[[str, int | None, str, str | None], None] = lambda *a: None
        self.application_id = self.ids.next()
        self.bot_user = self._new_user(bot_name, bot=True, user_id=self.application_id)
        self.owner_user = self._new_user("app-owner")
        # The application's "Message Content Intent" switch in the developer portal.
        self.message_content_allowed = message_content_allowed
        self.members_intent_allowed = True
        # The portal's Installation > Installation Contexts > "User Install" box, and the users who installed
        # the app to their account (emulator/contexts.py decides where its commands are offered).
        self.user_install_enabled = True
        self.user_installs: set[int] = set()

    # ---- users -------------------------------------------------------------------------------------------
    def _new_user(self, name: str, *, bot: bool = False, user_id: int | None = None) -> User:
        user = User(id=user_id or self.ids.next(), username=name, bot=bot, global_name=None if bot else name)
        self.users[user.id] = user
        return user

    def user(self, user_id: int) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise ApiError.unknown("User") from None

    # ---- guilds, roles, members --------------------------------------------------------------------------
    def new_guild(self, name: str, *, owner: User | None = None,
                  everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
                  bot_permissions: int = DEFAULT_BOT_PERMISSIONS, with_bot: bool = True) -> Guild:
        owner = owner or self.owner_user
        guild = Guild(id=self.ids.next(), name=name, owner_id=owner.id)
        guild.roles[guild.id] = Role(id=guild.id, guild_id=guild.id, name="@everyone",
                                     permissions=everyone_permissions)
        self.guilds[guild.id] = guild
        guild.members[owner.id] = Member(user=owner, guild_id=guild.id)
        if with_bot:
            bot_role = Role(id=self.ids.next(), guild_id=guild.id, name=self.bot_user.username,
                            permissions=bot_permissions, position=1, managed=True, bot_id=self.bot_user.id)
            guild.roles[bot_role.id] = bot_role
            guild.members[self.bot_user.id] = Member(user=self.bot_user, guild_id=guild.id, roles=[bot_role.id])
            self.emit("GUILD_CREATE", {"__guild__": guild.id}, guild.id, None)
        return guild

    def remove_bot(self, guild: Guild) -> None:
        """The bot was kicked / the guild went away for it: GUILD_DELETE, as Discord sends it."""
        guild.members.pop(self.bot_user.id, None)
        self.emit("GUILD_DELETE", {"id": str(guild.id), "unavailable": False}, guild.id, None)

    def bot_in(self, guild_id: int | None) -> bool:
        guild = self.guilds.get(guild_id or 0)
        return guild is not None and self.bot_user.id in guild.members

    def reaches_bot(self, event: str, payload: dict[str, Any], guild_id: int | None) -> bool:
        """Whether the bot's gateway gets this event: nothing from a guild it is not in (a user-installed app
        answers there without being a member), nor from private channels between other users."""
        if event in ("INTERACTION_CREATE", "GUILD_DELETE"):
            return True
        if guild_id is not None:
            return guild_id not in self.guilds or self.bot_user.id in self.guilds[guild_id].members
        channel = self.channels.get(int(payload.get("channel_id") or 0))
        return channel is None or not channel.is_private

    def guild(self, guild_id: int) -> Guild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise ApiError.unknown("Guild") from None

    def bot_role(self, guild: Guild) -> Role:
        return next(r for r in guild.roles.values() if r.bot_id == self.bot_user.id)

    def new_role(self, guild: Guild, name: str, permissions: int = 0, *, position: int | None = None) -> Role:
        pos = position if position is not None else max(r.position for r in guild.roles.values()) + 1
        role = Role(id=self.ids.next(), guild_id=guild.id, name=name, permissions=permissions, position=pos)
        guild.roles[role.id] = role
        self.emit("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": payloads.role(role)}, guild.id, None)
        return role

    def update_role(self, role: Role, **changes: Any) -> Role:
        for key, value in changes.items():
            setattr(role, key, value)
        self.emit("GUILD_ROLE_UPDATE", {"guild_id": str(role.guild_id), "role": payloads.role(role)},
                  role.guild_id, None)
        return role

    def member(self, guild: Guild, user_id: int) -> Member:
        try:
            return guild.members[user_id]
        except KeyError:
            raise ApiError.unknown("Member") from None

    def add_member(self, guild: Guild, user: User, roles: Iterable[Role] = (), nick: str | None = None) -> Member:
        if user.id in guild.bans:
            raise ApiError(403, 40007, "The user is banned from this guild.")
        member = Member(user=user, guild_id=guild.id, roles=[r.id for r in roles], nick=nick)
        guild.members[user.id] = member
        self.emit("GUILD_MEMBER_ADD", {**payloads.member(member), "guild_id": str(guild.id)}, guild.id, None)
        return member

    def update_member(self, guild: Guild, member: Member, *, roles: Iterable[Role] | None = None,
                      nick: str | None = None, timeout_until: float | None = None) -> Member:
        if roles is not None:
            member.roles = [r.id for r in roles]
        if nick is not None:
            member.nick = nick
        if timeout_until is not None:
            member.communication_disabled_until = timeout_until or None
        self.emit("GUILD_MEMBER_UPDATE", {**payloads.member(member), "avatar": None, "guild_id": str(guild.id)},
                  guild.id, None)
        return member

    def remove_member(self, guild: Guild, user: User) -> None:
        guild.members.pop(user.id, None)
        self.emit("GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": payloads.user(user)}, guild.id, None)

    def ban(self, guild: Guild, user: User, *, reason: str | None = None, delete_message_seconds: int = 0) -> None:
        """Ban `user`: GUILD_BAN_ADD, GUILD_MEMBER_REMOVE if a member, and their recent messages deleted
        (MESSAGE_DELETE_BULK per channel) when `delete_message_seconds` > 0."""
        guild.bans[user.id] = reason
        self.emit("GUILD_BAN_ADD", {"guild_id": str(guild.id), "user": payloads.user(user)}, guild.id, None)
        if user.id in guild.members:
            self.remove_member(guild, user)
        if delete_message_seconds > 0:
            horizon = time.time() - delete_message_seconds
            for channel in self.guild_channels(guild):
                store = self.messages.get(channel.id, {})
                doomed = [m for m in store.values() if m.author.id == user.id and m.created_at >= horizon]
                for m in doomed:
                    m.deleted = True
                    store.pop(m.id, None)
                if doomed:
                    self.emit("MESSAGE_DELETE_BULK", {"ids": [str(m.id) for m in doomed],
                                                      "channel_id": str(channel.id), "guild_id": str(guild.id)},
                              guild.id, None)

    def unban(self, guild: Guild, user: User) -> None:
        if guild.bans.pop(user.id, "missing") == "missing":
            raise ApiError(404, 10026, "Unknown Ban")
        self.emit("GUILD_BAN_REMOVE", {"guild_id": str(guild.id), "user": payloads.user(user)}, guild.id, None)

    # ---- channels ----------------------------------------------------------------------------------------
    def channel(self, channel_id: int) -> Channel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise ApiError.unknown("Channel") from None

    def new_channel(self, guild: Guild, name: str, *, kind: int = ChannelKind.TEXT, topic: str | None = None,
                    tags: Iterable[str | dict[str, Any]] = (), overwrites: Iterable[Overwrite] = (),
                    parent_id: int | None = None, nsfw: bool = False, rate_limit_per_user: int = 0) -> Channel:
        if not 1 <= len(name) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        channel = Channel(id=self.ids.next(), guild_id=guild.id, type=kind, name=name, topic=topic,
                          position=len(guild.channel_ids), overwrites=list(overwrites), parent_id=parent_id,
                          nsfw=nsfw, rate_limit_per_user=rate_limit_per_user)
        channel.available_tags = [self._tag(t) for t in tags]
        self.channels[channel.id] = channel
        self.messages[channel.id] = {}
        guild.channel_ids.append(channel.id)
        self.emit("CHANNEL_CREATE", payloads.channel(channel), guild.id, None)
        return channel

    def _tag(self, tag: str | dict[str, Any]) -> dict[str, Any]:
        data = {"name": tag} if isinstance(tag, str) else dict(tag)
        return {"id": str(data.get("id") or self.ids.next()), "name": data["name"],
                "moderated": bool(data.get("moderated", False)), "emoji_id": data.get("emoji_id"),
                "emoji_name": data.get("emoji_name")}

    def update_channel(self, channel: Channel, **changes: Any) -> Channel:
        if "available_tags" in changes:
            changes["available_tags"] = [self._tag(t) for t in changes["available_tags"]]
        for key, value in changes.items():
            setattr(channel, key, value)
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        self.emit(event, payloads.channel(channel), channel.guild_id, None)
        return channel

    def delete_channel(self, channel: Channel) -> None:
        self.channels.pop(channel.id, None)
        for message in self.messages.pop(channel.id, {}).values():
            self.message_index.pop(message.id, None)
        guild = self.guilds.get(channel.guild_id)
        if guild is not None and channel.id in guild.channel_ids:
            guild.channel_ids.remove(channel.id)
        if channel.is_thread:
            self.emit("THREAD_DELETE", {"id": str(channel.id), "guild_id": str(channel.guild_id),
                                        "parent_id": str(channel.parent_id), "type": channel.type},
                      channel.guild_id, None)
        else:
            for thread in [c for c in self.channels.values() if c.parent_id == channel.id and c.is_thread]:
                self.delete_channel(thread)
            self.emit("CHANNEL_DELETE", payloads.channel(channel), channel.guild_id, None)

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with `user` (created on first use, as POST /users/@me/channels does)."""
        for channel in self.channels.values():
            if channel.type == ChannelKind.DM and channel.recipient_id == user.id:
                return channel
        channel = Channel(id=self.ids.next(), guild_id=0, type=ChannelKind.DM, name="", recipient_id=user.id)
        self.channels[channel.id] = channel
        self.messages[channel.id] = {}
        return channel

    def private_channel(self, users: Iterable[User], name: str = "") -> Channel:
        """A DM between two users, or a group DM of three or more, without the bot (context PRIVATE_CHANNEL)."""
        members = list(dict.fromkeys(users))
        if len(members) < 2 or any(u.id == self.bot_user.id for u in members):
            raise ValueError("a private channel is between two or more users, the bot not among them")
        kind = ChannelKind.DM if len(members) == 2 else ChannelKind.GROUP_DM
        channel = Channel(id=self.ids.next(), guild_id=0, type=kind, name=name if kind == ChannelKind.GROUP_DM else "",
                          recipient_ids=[u.id for u in members], owner_user_id=members[0].id)
        self.channels[channel.id] = channel
        self.messages[channel.id] = {}
        return channel

    def channel_payload(self, channel: Channel) -> dict[str, Any]:
        if channel.is_private:
            return payloads.channel(channel, recipients=[self.users[u] for u in channel.recipient_ids])
        return payloads.channel(channel, self.users.get(channel.recipient_id or 0))

    def guild_channels(self, guild: Guild) -> list[Channel]:
        return [self.channels[c] for c in guild.channel_ids if c in self.channels]

    # ---- permissions, resolved as Discord resolves them ----------------------------------------------------
    def base_permissions(self, guild: Guild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        if member is None:
            return 0
        perms = guild.everyone.permissions
        for role_id in member.roles:
            role = guild.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
        return ALL_PERMISSIONS if perms & Perm.ADMINISTRATOR else perms

    def permissions(self, user_id: int, channel: Channel) -> int:
        """Guild base permissions, then @everyone, role and member overwrites of the channel (threads use
        their parent's), then the implicit rules (no View Channel means nothing; no Send Messages means no
        mentions/attachments/embeds). In a DM both ends may read, write and react."""
        if channel.is_private:
            return _DM_PERMISSIONS if user_id in channel.recipient_ids else 0
        if channel.type == ChannelKind.DM:
            return _DM_PERMISSIONS if user_id in (self.bot_user.id, channel.recipient_id) else 0
        guild = self.guild(channel.guild_id)
        perms = self.base_permissions(guild, user_id)
        if perms == ALL_PERMISSIONS:
            return perms
        member = guild.members.get(user_id)
        if member is None:  # not in the guild (the bot where only a user installed it): sees nothing
            return 0
        source = self.channels.get(channel.parent_id or 0) if channel.is_thread else channel
        overwrites = source.overwrites if source is not None else []
        for ow in overwrites:
            if ow.type == 0 and ow.id == guild.id:
                perms = (perms & ~ow.deny) | ow.allow
        allow = deny = 0
        for ow in overwrites:
            if ow.type == 0 and ow.id in member.roles:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        for ow in overwrites:
            if ow.type == 1 and ow.id == user_id:
                perms = (perms & ~ow.deny) | ow.allow
        if not perms & Perm.VIEW_CHANNEL:
            return 0
        if not perms & Perm.SEND_MESSAGES and not channel.is_thread:
            perms &= ~(Perm.MENTION_EVERYONE | Perm.ATTACH_FILES | Perm.EMBED_LINKS)
        return perms

    def everyone_permissions(self, channel: Channel) -> int:
        """@everyone's permissions in `channel` (the guild's, then the channel's @everyone overwrite)."""
        guild = self.guild(channel.guild_id)
        perms = guild.everyone.permissions
        source = self.channels.get(channel.parent_id or 0) if channel.is_thread else channel
        for ow in source.overwrites if source is not None else []:
            if ow.type == 0 and ow.id == guild.id:
                perms = (perms & ~ow.deny) | ow.allow
        return perms

    def require(self, user_id: int, channel: Channel, needed: int) -> int:
        perms = self.permissions(user_id, channel)
        if not perms & Perm.VIEW_CHANNEL:
            raise ApiError.missing_access()
        if perms & needed != needed:
            raise ApiError.missing_permissions()
        return perms

    # ---- payload helpers -----------------------------------------------------------------------------------
    def guild_payload(self, guild: Guild, *, with_members: bool) -> dict[str, Any]:
        chans = [payloads.channel(c) for c in self.guild_channels(guild)]
        normal = [c for c in chans if c["type"] not in ChannelKind.THREADS]
        threads = [c for c in chans if c["type"] in ChannelKind.THREADS and not c["thread_metadata"]["archived"]]
        return payloads.guild_create(guild, channels=normal, threads=threads, with_members=with_members,
                                     self_id=self.bot_user.id)

    def message_payload(self, message: Message, *, with_content: bool = True,
                        with_reference: bool = True) -> dict[str, Any]:
        guild = self.guilds.get(message.guild_id or 0)
        referenced = None
        if with_reference and message.reference_id is not None:
            target = self.message_index.get(message.reference_id)
            if target is not None and not target.deleted:
                referenced = self.message_payload(target, with_content=with_content, with_reference=False)
        thread = None
        if message.thread_id is not None and message.thread_id in self.channels:
            thread = payloads.channel(self.channels[message.thread_id])
        return payloads.message(
            message, users_by_id=self.users, members=guild.members if guild else None, me_id=self.bot_user.id,
            with_content=with_content, referenced=referenced, thread=thread,
        )

    def content_visible_to_bot(self, message: Message) -> bool:
        """What the Message Content intent does not hide: the bot's own messages, messages mentioning it, DMs."""
        return (message.author.id == self.bot_user.id or message.guild_id is None
                or f"<@{self.bot_user.id}>" in message.content or f"<@!{self.bot_user.id}>" in message.content)
