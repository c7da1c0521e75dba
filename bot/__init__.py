"""Newsdesk's product core: the domain (feeds, articles, summaries, comments, moderation) and its storage.

Nothing under `bot/` imports `discord`, the Discord adapter (`cogs/`), the application (`newsdesk/`) or the
tools beside the product (`emulator/`, `demo/`); see `tests/test_layering.py`.
"""

__version__ = "0.1.0"
