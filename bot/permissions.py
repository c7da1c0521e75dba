"""The Discord permissions the bot needs, each with the reason, and the OAuth2 invite URL built from them.

This list is the single source: `newsdesk invite-url` sums it, the README shows it (a test compares the two),
and the sandbox gives the bot's role exactly these bits, so the walkthrough fails if one is missing.
"""

from __future__ import annotations

import argparse
import base64
import binascii
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.config import Settings
from bot.errors import CliError

__all__ = ["BOT_PERMISSIONS", "OAUTH_SCOPES", "USER_INSTALL_STEPS", "BotPermission", "client_id_from_token",
           "invite_url", "permissions_integer", "register", "user_install_url"]

AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
# `bot` adds the bot user; `applications.commands` lets it register slash commands in the server.
OAUTH_SCOPES = ("bot", "applications.commands")


@dataclass(frozen=True)
class BotPermission:
    name: str  # as the Discord client shows it
    bit: int
    why: str


BOT_PERMISSIONS: tuple[BotPermission, ...] = (
    BotPermission("View Channels", 1 << 10,
                  "See the channels it posts stories in and the article threads it records."),
    BotPermission("Send Messages", 1 << 11,
                  "Post stories, create forum posts, and write to the admin, mod-log and digest channels."),
    BotPermission("Embed Links", 1 << 14, "Stories and summaries are embeds (title, link, excerpt, image)."),
    BotPermission("Read Message History", 1 << 16,
                  "Catch up on comments made while it was offline, and find a story it already posted "
                  "before a crash instead of posting it twice."),
    BotPermission("Create Public Threads", 1 << 35, "Open the discussion thread under each story."),
    BotPermission("Send Messages in Threads", 1 << 38, "Post the summary as a thread's first message."),
    BotPermission("Manage Messages", 1 << 13,
                  "Remove comments: `/mod remove`, `/mod purge`, word filters and muted users' comments."),
    BotPermission("Manage Threads", 1 << 34,
                  "Lock, close, reopen and set slowmode on article threads, and auto-close old ones."),
    BotPermission("Manage Webhooks", 1 << 29,
                  "Optional: make the channel webhook that posts stories under the outlet's name and icon "
                  "(`/feed edit webhook:True`); without it those stories are posted as Newsdesk itself."),
)


def permissions_integer(permissions: tuple[BotPermission, ...] = BOT_PERMISSIONS) -> int:
    value = 0
    for permission in permissions:
        value |= permission.bit
    return value


def invite_url(client_id: int | str) -> str:
    query = urlencode({"client_id": str(client_id), "scope": " ".join(OAUTH_SCOPES),
                       "permissions": str(permissions_integer())})
    return f"{AUTHORIZE_URL}?{query}"


def user_install_url(client_id: int | str) -> str:
    """The link that adds the app to a person's account (integration type 1, USER_INSTALL): no bot, no
    permissions, only its user-installable commands (/summarize and the Summarize menu), which then work in their
    DMs and in servers without Newsdesk."""
    query = urlencode({"client_id": str(client_id), "integration_type": "1", "scope": "applications.commands"})
    return f"{AUTHORIZE_URL}?{query}"


USER_INSTALL_STEPS = (
    "User install (optional): /summarize and the Summarize message menu also work as a personal app, in DMs and "
    "in servers without Newsdesk (what needs a server's database, such as a thread's discussion, only where "
    "Newsdesk posts).",
    "  1. Developer portal > your application > Installation > Installation Contexts: tick User Install "
    "(keep Guild Install), then Save Changes.",
    "  2. Leave DEV_GUILD_ID empty, so the commands are synced globally: commands synced to one server are never "
    "offered to user installs.",
    "  3. Each person adds the app to their account with the user install link (`newsdesk invite-url --user`); "
    "Discord's Install Link on that page (Discord Provided Link) works too.",
)


def client_id_from_token(token: str) -> int | None:
    """A bot token's first part is the bot's user id in base64, which is the application's client id."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(decoded) if decoded.isdigit() and 15 <= len(decoded) <= 21 else None


async def _invite_url(args: argparse.Namespace, settings: Settings) -> int:

    client_id: int | None = None
    if args.client_id is not None:
        if not args.client_id.isdigit():
            raise CliError(f"--client-id {args.client_id!r} is not an application id (digits, from the "
                           "developer portal's General Information page)")
        client_id = int(args.client_id)
    elif settings.discord_token:
        client_id = client_id_from_token(settings.discord_token.reveal())
        if client_id is None and not args.explain:
            raise CliError("DISCORD_TOKEN does not look like a bot token (its first part should be the bot's id "
                           "in base64): copy it again from the Bot page, or give --client-id ID (the Application "
                           "ID on the developer portal's General Information page)")
    elif not args.explain:
        raise CliError("give --client-id ID (the Application ID on the developer portal's General "
                       "Information page), or set DISCORD_TOKEN so it can be read from the token")
    if client_id is not None:
        print(user_install_url(client_id) if args.user else invite_url(client_id))
    if args.explain:
        if not args.user:
            print(("\n" if client_id is not None else "") + f"permissions={permissions_integer()}:")
            for permission in BOT_PERMISSIONS:
                print(f"  {permission.name}: {permission.why}")
        print(("\n" if client_id is not None or not args.user else "") + "\n".join(USER_INSTALL_STEPS))
        if client_id is not None and not args.user:
            print(f"     {user_install_url(client_id)}")
        if client_id is None:
            print("\n(no link: give --client-id ID or set DISCORD_TOKEN to get the invite link itself)")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("invite-url", help="print the link that adds the bot to a server")
    parser.add_argument("--client-id", help="the application id (default: read from DISCORD_TOKEN)")
    parser.add_argument("--explain", action="store_true",
                        help="also list each permission and why it is needed, and how to enable user install")
    parser.add_argument("--user", action="store_true",
                        help="print the user install link instead (adds /summarize to a person's account)")
    parser.set_defaults(handler=_invite_url)
