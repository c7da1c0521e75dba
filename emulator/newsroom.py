"""A typical news community, built in one call: the world the end-to-end tests and the sandbox demo share.

An editor who owns the server, a Moderators role (Manage Messages + Manage Threads) with one moderator, two
readers, a #news text channel, a #stories forum, #mod-log and #newsdesk-admin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from emulator.model import DEFAULT_BOT_PERMISSIONS, Channel, Guild, Perm, Role, User
from emulator.testkit import DiscordEmulator

__all__ = ["NewsServer", "build_news_server"]


@dataclass(frozen=True)
class NewsServer:
    guild: Guild
    moderators: Role
    editor: User  # the server owner, who sets the bot up
    moderator: User
    alice: User
    bob: User
    news: Channel
    forum: Channel
    modlog: Channel
    admin_channel: Channel


def build_news_server(emu: DiscordEmulator, name: str = "Newsroom", *,
                      bot_permissions: int = DEFAULT_BOT_PERMISSIONS, moderator_name: str = "moderator",
                      forum_tags: Iterable[str] = ("World",), news_topic: str | None = None) -> NewsServer:
    editor = emu.create_user("editor")
    guild = emu.create_guild(name, owner=editor, bot_permissions=bot_permissions)
    moderators = emu.create_role(guild, "Moderators", int(Perm.MANAGE_MESSAGES | Perm.MANAGE_THREADS))
    moderator, alice, bob = emu.create_user(moderator_name), emu.create_user("alice"), emu.create_user("bob")
    emu.add_member(guild, editor)
    emu.add_member(guild, moderator, roles=[moderators])
    emu.add_member(guild, alice)
    emu.add_member(guild, bob)
    return NewsServer(
        guild=guild, moderators=moderators, editor=editor, moderator=moderator, alice=alice, bob=bob,
        news=emu.create_channel(guild, "news", topic=news_topic),
        forum=emu.create_channel(guild, "stories", kind="forum", tags=list(forum_tags)),
        modlog=emu.create_channel(guild, "mod-log"),
        admin_channel=emu.create_channel(guild, "newsdesk-admin"),
    )
