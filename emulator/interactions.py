"""Application commands and interactions: the command registry (bulk overwrite echoing ids), interaction
payloads (slash commands with options/subcommands, autocomplete, message context menus, buttons, selects,
modal submits) and `InteractionRecord`, which collects every response the bot gives to one interaction."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulator import payloads
from emulator.errors import join_words
from emulator.model import Channel, Member, Message, Role, User

if TYPE_CHECKING:
    from emulator.webhooks import World

__all__ = ["CommandRegistry", "InteractionRecord", "Upload", "build_options"]

_VALUE_TYPES = {3: str, 4: int, 5: bool, 10: float}


class CommandRegistry:
    """Global and per-guild application commands as Discord stores them (ids kept across re-syncs by name)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.global_: dict[int, dict[str, Any]] = {}
        self.guilds: dict[int, dict[int, dict[str, Any]]] = {}

    def guild(self, guild_id: int) -> dict[int, dict[str, Any]]:
        return self.guilds.setdefault(guild_id, {})

    def _complete(self, data: dict[str, Any], guild_id: int | None, command_id: int) -> dict[str, Any]:
        cmd = {
            "type": 1, "description": "", "options": [], "default_member_permissions": None, "dm_permission": True,
            "nsfw": False, "contexts": [0, 1, 2], "integration_types": [0], "name_localizations": None,
            "description_localizations": None, **{k: v for k, v in data.items() if v is not None},
            "id": str(command_id), "application_id": str(self.world.application_id),
            "version": str(self.world.ids.next()),
        }
        if guild_id is not None:
            cmd["guild_id"] = str(guild_id)
        return cmd

    def overwrite(self, table: dict[int, dict[str, Any]], items: list[dict[str, Any]],
                  guild_id: int | None) -> list[dict[str, Any]]:
        by_name = {(c["name"], c.get("type", 1)): int(c["id"]) for c in table.values()}
        table.clear()
        for item in items:
            cid = by_name.get((item["name"], item.get("type", 1))) or self.world.ids.next()
            table[cid] = self._complete(item, guild_id, cid)
        return list(table.values())

    def upsert(self, table: dict[int, dict[str, Any]], data: dict[str, Any], guild_id: int | None) -> dict[str, Any]:
        existing = next((int(c["id"]) for c in table.values()
                         if c["name"] == data["name"] and c.get("type", 1) == data.get("type", 1)), None)
        cid = existing or self.world.ids.next()
        data = {k: v for k, v in data.items() if k not in ("id", "application_id", "version", "guild_id")}
        table[cid] = self._complete(data, guild_id, cid)
        return table[cid]

    def find(self, name: str, guild_id: int | None, kind: int = 1) -> dict[str, Any]:
        tables = ([self.guilds.get(guild_id, {})] if guild_id else []) + [self.global_]
        for table in tables:
            for cmd in table.values():
                if cmd["name"] == name and cmd.get("type", 1) == kind:
                    return cmd
        synced = join_words(sorted(c["name"] for t in tables for c in t.values())) or "none"
        raise LookupError(f"no application command {name!r} (type {kind}) is synced; synced: {synced}")


@dataclass(frozen=True)
class Upload:
    """A file a test user attaches to an attachment option (type 11) of a slash command."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


# Stores an uploaded file where the emulator serves it; returns its attachment object.
StoreUpload = Callable[[Upload], dict[str, Any]]


_TYPE_NAMES = {3: "text", 4: "a whole number", 5: "true or false", 10: "a number"}
_MAX_SAFE_INTEGER = 2 ** 53  # Discord refuses integer options beyond what JavaScript holds exactly


def checked_value(where: str, spec: dict[str, Any], value: Any) -> Any:
    """`value` typed as option `spec` declares it, or ValueError saying what Discord's client would refuse:
    a value that is not among the choices, of the wrong type, out of min/max or of the wrong length."""
    kind = spec["type"]
    try:
        if kind == 5:
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if not isinstance(value, bool):
                raise ValueError
        elif kind == 4:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            value = int(value)
            if abs(value) > _MAX_SAFE_INTEGER:
                raise ValueError
        elif kind == 10:
            if isinstance(value, bool):
                raise ValueError
            value = float(value)
        elif kind == 3:
            value = str(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {value!r} is not {_TYPE_NAMES[kind]}") from None
    choices = spec.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        names = join_words([str(c["name"]) for c in choices], "or")
        raise ValueError(f"{where}: {value!r} is not one of the choices ({names})")
    if kind in (4, 10):
        low, high = spec.get("min_value"), spec.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = (f"from {low} to {high}" if low is not None and high is not None else
                      f"at least {low}" if low is not None else f"at most {high}")
            raise ValueError(f"{where}: {value} is out of range (it must be {bounds})")
    if kind == 3:
        low, high = spec.get("min_length"), spec.get("max_length", 6000)
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise ValueError(f"{where}: {len(value):,} characters; it must be "
                             + (f"from {low} to {high:,}" if low is not None else f"at most {high:,}")
                             + " characters long")
    return value


def _resolve(value: Any, opt_type: int, resolved: dict[str, dict[str, Any]], world: World,
             guild_id: int | None) -> Any:
    if opt_type in _VALUE_TYPES:
        return _VALUE_TYPES[opt_type](value)
    if isinstance(value, Member):
        value = value.user
    target_id = value.id if isinstance(value, User | Channel | Role) else int(value)
    guild = world.guilds.get(guild_id or 0)
    if target_id in world.users and opt_type in (6, 9):
        resolved.setdefault("users", {})[str(target_id)] = payloads.user(world.users[target_id])
        if guild is not None and target_id in guild.members:
            member = payloads.member(guild.members[target_id], with_user=False)
            member["permissions"] = str(world.base_permissions(guild, target_id))
            resolved.setdefault("members", {})[str(target_id)] = member
    elif target_id in world.channels and opt_type == 7:
        ch = world.channels[target_id]
        data = payloads.channel(ch)
        data["permissions"] = str(world.permissions(world.bot_user.id, ch))
        resolved.setdefault("channels", {})[str(target_id)] = data
    elif guild is not None and target_id in guild.roles and opt_type in (8, 9):
        resolved.setdefault("roles", {})[str(target_id)] = payloads.role(guild.roles[target_id])
    else:
        raise ValueError(f"option value {value!r} is not a known object for option type {opt_type}")
    return str(target_id)


def _attach(where: str, value: Any, resolved: dict[str, dict[str, Any]], store: StoreUpload | None) -> str:
    if not isinstance(value, Upload):
        raise ValueError(f"{where}: an attachment option takes an emulator Upload(filename, data), not {value!r}")
    if store is None:
        raise ValueError(f"{where}: this caller cannot store attachments")
    attachment = store(value)
    resolved.setdefault("attachments", {})[attachment["id"]] = attachment
    return str(attachment["id"])


def build_options(command: dict[str, Any], path: list[str], options: dict[str, Any], world: World,
                  guild_id: int | None, focused: str | None = None, *, validate: bool = True,
                  store_upload: StoreUpload | None = None) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Nest `options` under the sub-command (group) named by `path`, typed as the command declares them.

    An attachment option (type 11) takes an `Upload`: `store_upload` stores it (served like message
    attachments) and it is sent as Discord does, its id as the value and the attachment in `resolved`.

    Values are checked against the registered command as Discord's client does (required, choices, types,
    min/max, length): a bad one raises ValueError and never reaches the bot. `validate=False` sends them
    as they are, as a client with an outdated copy of the command would."""
    defs = command.get("options") or []
    resolved: dict[str, dict[str, Any]] = {}
    chain: list[dict[str, Any]] = []
    for name in path:
        sub = next((o for o in defs if o["name"] == name and o["type"] in (1, 2)), None)
        if sub is None:
            raise LookupError(f"/{command['name']} has no subcommand {name!r}")
        chain.append(sub)
        defs = sub.get("options") or []
    if any(o["type"] in (1, 2) for o in defs):
        names = join_words([o["name"] for o in defs], "or")
        raise LookupError(f"{' '.join(['/' + command['name'], *path])} needs a subcommand: {names}")
    leaf: list[dict[str, Any]] = []
    for key, value in options.items():
        spec = next((o for o in defs if o["name"] == key), None)
        where = " ".join(["/" + command["name"], *path, key])
        if spec is None:
            names = join_words([o["name"] for o in defs])
            raise LookupError(f"{where}: there is no such option; "
                              + (f"its options are {names}" if names else "it has no options"))
        if key == focused:
            leaf.append({"name": key, "type": spec["type"], "value": str(value), "focused": True})
            continue
        if validate and spec["type"] in _VALUE_TYPES and not spec.get("autocomplete"):
            value = checked_value(where, spec, value)
        elif validate and spec["type"] == 3:  # autocomplete: any text, within the length limits
            value = checked_value(where, {**spec, "choices": None}, value)
        if spec["type"] == 11:
            leaf.append({"name": key, "type": 11, "value": _attach(where, value, resolved, store_upload)})
            continue
        leaf.append({"name": key, "type": spec["type"],
                     "value": _resolve(value, spec["type"], resolved, world, guild_id)})
    if focused is None and validate:
        missing = [o["name"] for o in defs if o.get("required") and o["name"] not in options]
        if missing:
            where = " ".join(["/" + command["name"], *path])
            raise ValueError(f"{where}: {join_words(missing)} {'is' if len(missing) == 1 else 'are'} required")
    nested = leaf
    for sub in reversed(chain):
        nested = [{"name": sub["name"], "type": sub["type"], "options": nested}]
    return nested, resolved


@dataclass(eq=False)
class InteractionRecord:
    """One interaction a test user started, and everything the bot answered.

    `response_type` is the callback type (4 message, 5 deferred, 6 deferred update, 7 update, 8 autocomplete,
    9 modal). `original` is the response message (or, for component updates, the message that was updated);
    `followups` the follow-up messages; `modal` and `choices` what a modal/autocomplete answer carried.
    """

    id: int
    token: str
    type: int
    user: User
    guild_id: int | None
    channel_id: int
    data: dict[str, Any]
    message: Message | None = None  # the message a component was on
    opener: InteractionRecord | None = None  # for a modal submit: the interaction the modal answered
    context: int = 0  # 0 guild, 1 the bot's DM, 2 a private channel (emulator/contexts.py)
    owners: dict[str, str] = field(default_factory=dict)  # authorizing_integration_owners
    forced_ephemeral: bool = False  # a user-installed app's answers in a server without Use External Apps
    created: float = field(default_factory=time.time)
    response_type: int | None = None
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    deleted_original: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @staticmethod
    def new_token() -> str:
        return "itok_" + secrets.token_urlsafe(24)

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def deferred(self) -> bool:
        return self.response_type in (5, 6)

    @property
    def ephemeral(self) -> bool:
        return self.original is not None and self.original.is_ephemeral

    @property
    def messages(self) -> list[Message]:
        """The response message (if any) followed by follow-ups, in order."""
        first = [self.original] if self.original is not None and self.response_type in (4, 5) else []
        return [m for m in first + self.followups if not m.deleted]

    @property
    def content(self) -> str:
        """The text of the latest response message ('' if none) — the common thing a test asserts on."""
        msgs = self.messages
        return msgs[-1].content if msgs else ""

    def visible_to(self, user: User) -> list[Message]:
        """Which of the response messages `user` can see (ephemeral ones only their invoker)."""
        return [m for m in self.messages if m.ephemeral_to is None or m.ephemeral_to == user.id]

    def touch(self) -> None:
        self.changed.set()

    async def wait(self, timeout: float = 10.0) -> InteractionRecord:
        """Wait until the bot acknowledged this interaction (any response type)."""
        deadline = time.monotonic() + timeout
        while not self.acknowledged:
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the bot did not respond to interaction {self.data.get('name') or self.data}"
                                   f" within {timeout}s")
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                continue
        return self
