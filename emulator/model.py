"""In-memory model of what the emulator knows: users, guilds, roles, members, channels, threads, messages.

Plain dataclasses plus `Snowflakes` (ids that encode a real timestamp, as discord.py derives `created_at`
and history paging from them) and the permission bits the emulator enforces.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

__all__ = [
    "ALL_PERMISSIONS",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "DISCORD_EPOCH_MS",
    "Channel",
    "ChannelKind",
    "Guild",
    "Member",
    "Message",
    "Overwrite",
    "Perm",
    "Role",
    "Snowflakes",
    "User",
    "Webhook",
    "iso",
    "snowflake_time",
]

DISCORD_EPOCH_MS = 1_420_070_400_000


class Snowflakes:
    """Unique, increasing ids whose top bits are the creation time in ms since Discord's epoch."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return self._last

    def at(self, when: float) -> int:
        """An id for a past moment (used for old messages, e.g. bulk-delete age checks)."""
        return ((int(when * 1000) - DISCORD_EPOCH_MS) << 22) | (self.next() & 0x3FFFFF)


def snowflake_time(snowflake: int) -> float:
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


class Perm:
    """Discord permission bits (the subset the emulator enforces or the bot commonly asks for)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40
    USE_EXTERNAL_APPS = 1 << 50  # public responses of user-installed apps the server has not installed


def permission_names(bits: int) -> list[str]:
    """The Discord client's names for the bits set in `bits`: 8192 -> ["Manage Messages"]."""
    names = []
    for attr, value in vars(Perm).items():
        if attr.isupper() and isinstance(value, int) and bits & value:
            words = attr.replace("GUILD", "SERVER").replace("VIEW_CHANNEL", "VIEW_CHANNELS").split("_")
            names.append(" ".join(word.capitalize() for word in words))
    unknown = bits & ~sum(v for k, v in vars(Perm).items() if k.isupper() and isinstance(v, int))
    if unknown:
        names.append(f"permission bits {unknown}")
    return names


ALL_PERMISSIONS = (1 << 53) - 1
DEFAULT_EVERYONE_PERMISSIONS = (
    Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.READ_MESSAGE_HISTORY | Perm.ADD_REACTIONS | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES | Perm.USE_EXTERNAL_EMOJIS | Perm.USE_APPLICATION_COMMANDS | Perm.CREATE_PUBLIC_THREADS
    | Perm.SEND_MESSAGES_IN_THREADS | Perm.CREATE_INSTANT_INVITE
)
DEFAULT_BOT_PERMISSIONS = (
    DEFAULT_EVERYONE_PERMISSIONS | Perm.MANAGE_MESSAGES | Perm.MANAGE_THREADS | Perm.MANAGE_CHANNELS
    | Perm.MODERATE_MEMBERS | Perm.MANAGE_WEBHOOKS | Perm.KICK_MEMBERS | Perm.BAN_MEMBERS
)


class ChannelKind:
    TEXT = 0
    DM = 1
    GROUP_DM = 3
    CATEGORY = 4
    NEWS = 5
    NEWS_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    FORUM = 15

    THREADS = frozenset({10, 11, 12})
    BY_NAME: ClassVar[dict[str, int]] = {"text": 0, "forum": 15, "category": 4, "news": 5}


@dataclass(eq=False)
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    accepts_dms: bool = True  # False: the bot's DMs fail with 50007, like a user who closed them

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass(eq=False)
class Member:
    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: float = field(default_factory=time.time)
    communication_disabled_until: float | None = None


@dataclass(eq=False)
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0


@dataclass(eq=False)
class Channel:
    id: int
    guild_id: int
    type: int
    name: str
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    overwrites: list[Overwrite] = field(default_factory=list)
    available_tags: list[dict[str, Any]] = field(default_factory=list)
    last_message_id: int | None = None
    flags: int = 0
    # threads only
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    archive_timestamp: float = field(default_factory=time.time)
    applied_tags: list[int] = field(default_factory=list)
    message_count: int = 0
    total_message_sent: int = 0
    member_ids: set[int] = field(default_factory=set)
    # DM channels only (guild_id is 0): the bot's DM with recipient_id, or a private channel between users
    # (a DM or group DM without the bot: recipient_ids)
    recipient_id: int | None = None
    recipient_ids: list[int] = field(default_factory=list)
    owner_user_id: int | None = None  # a group DM's owner

    @property
    def is_private(self) -> bool:
        """A DM or group DM between users, the bot not among them (interaction context PRIVATE_CHANNEL)."""
        return bool(self.recipient_ids)

    @property
    def is_thread(self) -> bool:
        return self.type in ChannelKind.THREADS

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass(eq=False)
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    type: int = 0
    flags: int = 0
    tts: bool = False
    pinned: bool = False
    nonce: str | int | None = None
    edited_at: float | None = None
    reference_id: int | None = None  # the message this one replies to
    webhook_id: int | None = None
    application_id: int | None = None  # the application owning the webhook that sent it (channel webhooks)
    avatar_url: str | None = None  # a webhook execution's avatar_url override, as asked (for tests to read)
    interaction: dict[str, Any] | None = None  # interaction_metadata
    # emoji key -> user ids in the order they reacted (dict keeps insertion order)
    reactions: dict[str, list[int]] = field(default_factory=dict)
    thread_id: int | None = None  # thread started from this message
    ephemeral_to: int | None = None  # user id who alone sees this ephemeral message
    deleted: bool = False

    @property
    def created_at(self) -> float:
        return snowflake_time(self.id)

    @property
    def is_ephemeral(self) -> bool:
        return self.ephemeral_to is not None


@dataclass(eq=False)
class Webhook:
    """A channel's incoming webhook (type 1): executed with its token, no bot permission needed."""

    id: int
    guild_id: int
    channel_id: int
    name: str
    token: str
    creator_id: int
    application_id: int | None = None  # set when an application (the bot) created it
    avatar: str | None = None
    type: int = 1


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    bans: dict[int, str | None] = field(default_factory=dict)  # user id -> reason
    unavailable: bool = False

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]
