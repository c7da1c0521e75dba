"""The bot's Discord wiring: the only part of `bot/` that imports discord.py."""
