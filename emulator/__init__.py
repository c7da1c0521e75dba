"""A local Discord emulator (REST + gateway) so the unmodified discord.py bot runs end to end offline.

Never imports discord: it is a server. See ARCHITECTURE.md ("Discord emulator") for what it emulates.
"""

from emulator.errors import ApiError
from emulator.interactions import InteractionRecord, Upload
from emulator.model import Channel, Guild, Member, Message, Perm, Role, User
from emulator.testkit import DiscordEmulator

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
    "Upload",
    "User",
]
