"""The bot's Discord wiring: the discord.py client, endpoints, views, replies and the story publisher.

With `cogs/`, the only code allowed to import discord (see tests/test_layering.py).
"""
