"""`newsdesk sandbox`: the real bot, the local Discord emulator and a demo feed, played as a guided walkthrough.

Nothing here imports discord: the bot is built by the composition root (`newsdesk.app`) and `cogs.support`, and the
people in the demo act through the emulator's test API (`emulator.testkit`), which is plain Python.
"""

from demo.content import DemoContent, DemoFeedServer, DemoStory
from demo.stage import DemoStage
from demo.transcript import Transcript
from demo.walkthrough import run_walkthrough

__all__ = ["DemoContent", "DemoFeedServer", "DemoStage", "DemoStory", "Transcript", "run_walkthrough"]
