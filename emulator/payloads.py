"""Complete JSON payload templates built from the model, shaped like Discord's (see discord/types/*.py).

Every payload the emulator sends goes through one of these functions, so the contract test
(tests/test_emulator_contract.py) can check them all against discord.py's TypedDicts.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from emulator.model import (
    Channel,
    ChannelKind,
    Guild,
    Member,
    Message,
    Role,
    User,
    Webhook,
    iso,
    snowflake_time,
)

__all__ = [
    "application",
    "avatar_hash",
    "channel",
    "emoji_from_key",
    "guild_create",
    "member",
    "message",
    "reaction_event",
    "role",
    "user",
    "webhook",
]

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def avatar_hash(url: str | None) -> str | None:
    """The avatar hash Discord would store for an avatar fetched from `url` (a stand-in: a digest of it)."""
    return hashlib.md5(url.encode(), usedforsecurity=False).hexdigest() if url else None


def webhook(w: Webhook, *, creator: User | None, with_token: bool) -> dict[str, Any]:
    """A webhook object. `creator` is omitted when fetched with its token; the token is only for its owner."""
    data: dict[str, Any] = {"id": str(w.id), "type": w.type, "guild_id": str(w.guild_id),
                            "channel_id": str(w.channel_id), "name": w.name, "avatar": w.avatar,
                            "application_id": str(w.application_id) if w.application_id is not None else None}
    if creator is not None:
        data["user"] = user(creator)
    if with_token:
        data["token"] = w.token
    return data


def user(u: User) -> dict[str, Any]:
    return {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": None,
        "bot": u.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
    }


_joined_cache: dict[tuple[int, float], str] = {}


def _joined(m: Member) -> str:
    key = (m.user.id, m.joined_at)
    text = _joined_cache.get(key)
    if text is None:
        text = _joined_cache[key] = iso(m.joined_at)
    return text


def member(m: Member, *, with_user: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [str(r) for r in m.roles],
        "joined_at": _joined(m),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "premium_since": None,
        "pending": False,
    }
    # discord.types declares these as strings when present: absent rather than null
    if m.nick is not None:
        data["nick"] = m.nick
    if m.communication_disabled_until:
        data["communication_disabled_until"] = iso(m.communication_disabled_until)
    if with_user:
        data["user"] = user(m.user)
    return data


def role(r: Role) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(r.id),
        "name": r.name,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "position": r.position,
        "permissions": str(r.permissions),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
        "icon": None,
        "unicode_emoji": None,
    }
    if r.bot_id is not None:
        data["tags"] = {"bot_id": str(r.bot_id)}
    return data


def channel(c: Channel, recipient: User | None = None, recipients: list[User] | None = None) -> dict[str, Any]:
    if c.is_private:
        group = c.type == ChannelKind.GROUP_DM
        data = {"id": str(c.id), "type": c.type, "name": (c.name or None) if group else "",
                "last_message_id": str(c.last_message_id) if c.last_message_id else None,
                "recipients": [user(u) for u in recipients or []], "flags": 0}
        if group:
            data.update(owner_id=str(c.owner_user_id), icon=None)
        return data
    if c.type == ChannelKind.DM:
        return {"id": str(c.id), "type": 1, "name": "", "last_message_id": str(c.last_message_id) if c.last_message_id else None,
                "recipients": [user(recipient)] if recipient else [], "flags": 0}
    base: dict[str, Any] = {
        "id": str(c.id),
        "type": c.type,
        "name": c.name,
        "guild_id": str(c.guild_id),
        "parent_id": str(c.parent_id) if c.parent_id else None,
        "nsfw": c.nsfw,
        "rate_limit_per_user": c.rate_limit_per_user,
        "last_message_id": str(c.last_message_id) if c.last_message_id else None,
        "flags": c.flags,
    }
    if c.is_thread:
        base.update(
            owner_id=str(c.owner_id),
            message_count=c.message_count,
            member_count=len(c.member_ids),
            total_message_sent=c.total_message_sent,
            applied_tags=[str(t) for t in c.applied_tags],
            thread_metadata={
                "archived": c.archived,
                "auto_archive_duration": c.auto_archive_duration,
                "archive_timestamp": iso(c.archive_timestamp),
                "locked": c.locked,
                "invitable": c.invitable,
                "create_timestamp": iso(snowflake_time(c.id)),
            },
        )
        return base
    base.update(
        position=c.position,
        permission_overwrites=[
            {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)} for o in c.overwrites
        ],
        default_auto_archive_duration=1440,
        default_thread_rate_limit_per_user=0,
    )
    if c.topic is not None:
        base["topic"] = c.topic
    if c.type == ChannelKind.FORUM:
        base.update(
            available_tags=[dict(t) for t in c.available_tags],
            default_reaction_emoji=None,
            default_sort_order=None,
            default_forum_layout=0,
        )
    return base


def emoji_from_key(key: str) -> dict[str, Any]:
    """`👍` -> unicode emoji; `name:123` -> custom emoji."""
    name, _, emoji_id = key.partition(":")
    if emoji_id.isdigit():
        return {"id": emoji_id, "name": name, "animated": False}
    return {"id": None, "name": key}


def message(
    m: Message,
    *,
    users_by_id: dict[int, User],
    members: dict[int, Member] | None,
    me_id: int | None,
    with_content: bool = True,
    referenced: dict[str, Any] | None = None,
    thread: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A message as Discord sends it. `with_content=False` empties what the Message Content intent hides."""
    mention_ids = [int(x) for x in _USER_MENTION.findall(m.content)]
    mentions = []
    for uid in dict.fromkeys(mention_ids):
        u = users_by_id.get(uid)
        if u is None:
            continue
        entry = user(u)
        if members is not None and uid in members:
            entry["member"] = member(members[uid], with_user=False)
        mentions.append(entry)
    data: dict[str, Any] = {
        "id": str(m.id),
        "channel_id": str(m.channel_id),
        "author": user(m.author),
        "content": m.content if with_content else "",
        "timestamp": iso(m.created_at),
        "edited_timestamp": iso(m.edited_at) if m.edited_at else None,
        "tts": m.tts,
        "mention_everyone": "@everyone" in m.content,
        "mentions": mentions,
        "mention_roles": list(dict.fromkeys(_ROLE_MENTION.findall(m.content))),
        "attachments": [dict(a) for a in m.attachments] if with_content else [],
        "embeds": [dict(e) for e in m.embeds] if with_content else [],
        "components": [dict(c) for c in m.components] if with_content else [],
        "pinned": m.pinned,
        "type": m.type,
        "flags": m.flags,
    }
    if m.guild_id is not None:
        data["guild_id"] = str(m.guild_id)
        if members is not None and m.author.id in members and m.webhook_id is None:
            data["member"] = member(members[m.author.id], with_user=False)
    if m.reactions:
        data["reactions"] = [
            {
                "emoji": emoji_from_key(key),
                "count": len(ids),
                "me": me_id in ids,
                "me_burst": False,
                "count_details": {"burst": 0, "normal": len(ids)},
                "burst_colors": [],
            }
            for key, ids in m.reactions.items()
            if ids
        ]
    if m.nonce is not None:
        data["nonce"] = m.nonce
    if m.webhook_id is not None:
        data["webhook_id"] = str(m.webhook_id)
        # Interaction responses come from the application's own webhook; a channel webhook's messages name
        # the application that owns it, if one does.
        app = m.application_id if m.application_id is not None else (m.webhook_id if m.webhook_id == me_id else None)
        if app is not None:
            data["application_id"] = str(app)
        if m.webhook_id != me_id:
            data["author"]["discriminator"] = "0000"
            data["author"]["avatar"] = avatar_hash(m.avatar_url)
    if m.reference_id is not None:
        ref = {"type": 0, "message_id": str(m.reference_id), "channel_id": str(m.channel_id),
               "fail_if_not_exists": False}
        if m.guild_id is not None:
            ref["guild_id"] = str(m.guild_id)
        data["message_reference"] = ref
        data["referenced_message"] = referenced
    if m.interaction is not None:
        data["interaction_metadata"] = dict(m.interaction)
    if thread is not None:
        data["thread"] = thread
    return data


def reaction_event(
    *, user_id: int, m: Message, key: str, member_payload: dict[str, Any] | None, burst: bool = False
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user_id": str(user_id),
        "channel_id": str(m.channel_id),
        "message_id": str(m.id),
        "emoji": emoji_from_key(key),
        "burst": burst,
        "type": 1 if burst else 0,
    }
    if m.guild_id is not None:
        data["guild_id"] = str(m.guild_id)
        if member_payload is not None:
            data["member"] = member_payload
    if m.author is not None:
        data["message_author_id"] = str(m.author.id)
    return data


def guild_create(
    g: Guild, *, channels: list[dict[str, Any]], threads: list[dict[str, Any]], with_members: bool,
    self_id: int | None = None,
) -> dict[str, Any]:
    # Without the members intent Discord still sends the bot's own member (that is how `guild.me` exists).
    members = [member(m) for uid, m in g.members.items() if with_members or uid == self_id]
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "icon_hash": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(g.owner_id),
        "region": "",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": ["COMMUNITY"],
        "mfa_level": 0,
        "nsfw_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "max_video_channel_users": 25,
        "incidents_data": None,
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "unavailable": False,
        "joined_at": iso(snowflake_time(g.id)),
        "large": False,
        "member_count": len(members) if with_members else len(g.members),
        "voice_states": [],
        "members": members,
        "channels": channels,
        "threads": threads,
        "presences": [],
    }


def application(app_id: int, bot_user: User, owner: User) -> dict[str, Any]:
    return {
        "id": str(app_id),
        "name": bot_user.username,
        "icon": None,
        "description": "Local Discord emulator application",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user(owner),
        "summary": "",
        "verify_key": "0" * 64,
        "flags": 1 << 19,  # GATEWAY_MESSAGE_CONTENT (set only when the intent is allowed; see server)
        "bot": user(bot_user),
        "approximate_guild_count": 0,
        "approximate_user_install_count": 0,
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "tags": [],
        "integration_types_config": {"0": {}, "1": {}},
    }
