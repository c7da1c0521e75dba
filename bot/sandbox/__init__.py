"""A local Discord emulator (REST + gateway) so the unmodified discord.py bot runs end to end offline.

Never imports discord: it is a server. See ARCHITECTURE.md ("Discord emulator") for what it emulates.
"""

from bot.sandbox.errors import ApiError
from bot.sandbox.interactions import InteractionRecord
from bot.sandbox.model import Channel, Guild, Member, Message, Perm, Role, User
from bot.sandbox.testkit import DiscordEmulator

__all__ = [
    "ApiError",
    "Channel",
    "DiscordEmulator",
    "Guild",
    "InteractionRecord",
    "Member",
    "Message",
    "Perm",
    "Role",
    "User",
]
