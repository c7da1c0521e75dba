"""Pieces the cogs share: replies and error texts, views and buttons, story embeds, the article picker,
discord.py's endpoint settings.

The bottom of the Discord adapter: nothing here imports a cog or the client (tests/test_layering.py).
"""
