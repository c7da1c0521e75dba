"""The application: the `newsdesk` command line and the composition root that wires the product together.

Layers, top to bottom (tests/test_layering.py enforces them):
- `newsdesk`  entry points and the composition root; the only package that imports all the others.
- `cogs`      the Discord adapter (discord.py client, wiring, one cog per feature).
- `bot`       domain and storage; never imports discord, cogs, newsdesk, emulator or demo.
- `emulator`, `demo`: tools beside the product, imported only from `newsdesk.sandbox_cli`, lazily.
"""

from bot import __version__

__all__ = ["__version__"]
