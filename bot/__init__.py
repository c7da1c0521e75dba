"""Newsdesk: the domain, storage and services of a news-community bot for Discord.

Nothing under `bot/` imports `discord` except the bot's Discord wiring (`bot/wiring/`); see
`tests/test_layering.py`.
"""

__version__ = "0.1.0"
