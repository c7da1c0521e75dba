"""`newsdesk sandbox`: the real bot, the local Discord emulator and a demo feed, played as a guided walkthrough.

Nothing here imports discord: the bot is built by the composition root (`bot.app`) and `bot.wiring`, and the
people in the demo act through the emulator's test API (`bot.sandbox.testkit`), which is plain Python.
"""

from bot.demo.content import DemoContent, DemoFeedServer, DemoStory
from bot.demo.stage import DemoStage
from bot.demo.transcript import Transcript
from bot.demo.walkthrough import run_walkthrough

__all__ = ["DemoContent", "DemoFeedServer", "DemoStage", "DemoStory", "Transcript", "run_walkthrough"]
