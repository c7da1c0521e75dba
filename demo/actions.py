"""What a person in the demo guild can do — write, reply, edit, react, run slash commands, press buttons —
each printed to the transcript together with what the bot answered.

Used by the scripted walkthrough and by the interactive mode alike. Actions go through the emulator's test
API, so Discord's rules apply (a locked thread refuses a reader's message, commands check permissions).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from bot.formats import join_words, plural
from emulator import ApiError, Channel, InteractionRecord, Member, Message, Role, User

T = TypeVar("T")

if TYPE_CHECKING:
    from demo.stage import DemoStage
    from demo.transcript import Transcript

__all__ = ["ActionRefused", "Actions"]

ANSWER_TIMEOUT = 20.0
RECORD_WAIT_SECONDS = 10.0
_LINK = re.compile(r"https://discord\.com/channels/\d+/\d+/(\d+)")
REMOVAL_WAIT_SECONDS = 2.0
SETTLE_SECONDS = 0.15  # let the bot react to a gateway event (e.g. a filter removing a comment) before printing


class ActionRefused(Exception):
    """Discord (the emulator) refused what the person tried; the message says why."""


class Actions:
    def __init__(self, stage: DemoStage, transcript: Transcript) -> None:
        self.stage = stage
        self.t = transcript
        self.emu = stage.emu

    def describe_value(self, value: Any) -> str:
        if isinstance(value, Channel):
            return self.t.where(value)
        if isinstance(value, Member):
            value = value.user
        if isinstance(value, User):
            return f"@{value.username}"
        if isinstance(value, Role):
            return f"@{value.name}"
        if isinstance(value, bool):
            return str(value).lower()
        link = _LINK.fullmatch(str(value))
        if link and int(link[1]) in self.t.numbers:
            return f"<link to [{self.t.numbers[int(link[1])]}]>"
        return str(value)

    async def settle(self) -> None:
        await asyncio.sleep(SETTLE_SECONDS)
        self.t.activity(await self._removals())

    async def _removals(self) -> dict[int, str]:
        """Why each message that vanished went, as the bot recorded it: removed (by whom, and why) or
        deleted by its author. The bot records a removal just after deleting the message, so wait a moment
        for that record rather than call a removal a deletion."""
        services = self.stage.services
        gone = self.t.vanished()
        if services is None or not gone:
            return {}
        out: dict[int, str] = {}
        deadline = time.monotonic() + REMOVAL_WAIT_SECONDS
        for message in gone:
            while True:
                await services.recorder.flush()
                stored = await services.stores.comments.get(message.id)
                if stored is None or stored.status not in ("visible", "flagged") or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.05)
            if stored is not None and stored.status == "removed":
                remover = self.emu.world.users.get(stored.removed_by or 0)
                who = ("Newsdesk" if remover is not None and remover.bot
                       else f"@{remover.username}" if remover is not None else "a moderator")
                out[message.id] = f"was removed by {who} ({stored.removed_reason or 'no reason given'})"
        return out

    # --- messages ---------------------------------------------------------------------------------

    def _refusable(self, act: Callable[[], T]) -> T:
        """Do what a person does; if Discord refuses, show why in the transcript and stop the step."""
        try:
            return act()
        except ApiError as exc:
            self.t.line(f"  ✗ Discord refused: {_reason(exc)}")
            raise ActionRefused(_reason(exc)) from None

    async def say(self, user: User, channel: Channel, text: str, *, reply_to: Message | None = None) -> Message:
        target = f" (reply to [{self.t.number(reply_to)}])" if reply_to is not None else ""
        self.t.action(user, f"writes in {self.t.where(channel)}{target}")
        message = self._refusable(lambda: self.emu.send(user, channel, text, reply_to=reply_to))
        self.t.show(message)
        await self.settle()
        return message

    async def edit(self, user: User, message: Message, text: str) -> None:
        self.t.action(user, f"edits [{self.t.number(message)}]: {text}")
        self._refusable(lambda: self.emu.edit(user, message, text))
        await self.settle()

    async def delete(self, user: User, message: Message) -> None:
        self.t.action(user, f"deletes [{self.t.number(message)}]")
        self._refusable(lambda: self.emu.delete(user, message))
        await self.settle()

    async def react(self, user: User, message: Message, emoji: str) -> None:
        self.t.action(user, f"reacts {emoji} to [{self.t.number(message)}]")
        self._refusable(lambda: self.emu.react(user, message, emoji))
        await self.settle()

    # --- interactions -----------------------------------------------------------------------------

    async def slash(self, user: User, channel: Channel, command: str,
                    options: Mapping[str, Any] | None = None) -> InteractionRecord:
        shown = " ".join(f"{k}:{self.describe_value(v)}" for k, v in (options or {}).items())
        self.t.action(user, f"/{command} {shown}".rstrip() + f"   (in {self.t.where(channel)})")
        try:
            rec = await self.emu.run_slash_command(user, channel, command, options, timeout=ANSWER_TIMEOUT)
        except PermissionError as exc:
            self.t.line(f"  ✗ Discord refused: {exc}")
            raise ActionRefused(str(exc)) from None
        except (LookupError, ValueError) as exc:
            self.t.line(f"  ✗ {exc}")
            raise ActionRefused(str(exc)) from None
        return await self._answered(rec)

    async def press(self, user: User, message: Message, label: str) -> InteractionRecord:
        self.t.action(user, f"presses [{label}] on [{self.t.number(message)}]")
        try:
            rec = await self.emu.press_button(user, message, label=label, timeout=ANSWER_TIMEOUT)
        except (LookupError, ValueError) as exc:
            self.t.line(f"  ✗ {exc}")
            raise ActionRefused(str(exc)) from None
        return await self._answered(rec)

    async def menu(self, user: User, message: Message, name: str) -> InteractionRecord:
        self.t.action(user, f"uses Apps › {name} on [{self.t.number(message)}]")
        try:
            rec = await self.emu.use_message_command(user, message, name, timeout=ANSWER_TIMEOUT)
        except (LookupError, ValueError, PermissionError) as exc:
            self.t.line(f"  ✗ {exc}")
            raise ActionRefused(str(exc)) from None
        return await self._answered(rec)

    async def _answered(self, rec: InteractionRecord) -> InteractionRecord:
        """Wait for a deferred interaction's follow-up, print the answer, then whatever else happened."""
        if rec.deferred:
            def answered() -> bool:
                first = rec.original
                return bool(rec.followups or (first and (first.content or first.embeds or first.attachments)))

            await self.emu.wait_for(answered, ANSWER_TIMEOUT, what="the bot's follow-up")
        self.t.interaction(rec)
        await self.settle()
        return rec

    # --- waiting for the bot's records -------------------------------------------------------------

    async def eventually(self, check: Callable[[], Awaitable[bool]], what: str) -> None:
        """Wait until `check()` holds, flushing the bot's buffered writes between tries."""
        services = self.stage.services
        assert services is not None
        deadline = time.monotonic() + RECORD_WAIT_SECONDS
        while True:
            await services.recorder.flush()
            if await check():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {RECORD_WAIT_SECONDS:.0f} s for {what}")
            await asyncio.sleep(0.05)

    async def recorded(self, *message_ids: int) -> None:
        """Wait until the bot stored these comments (it records them from gateway events, asynchronously)."""
        services = self.stage.services
        assert services is not None

        async def all_stored() -> bool:
            return all([await services.stores.comments.get(mid) is not None for mid in message_ids])

        await self.eventually(all_stored, "the bot to record " + plural(len(message_ids), "comment")
                              + " (" + join_words(map(str, message_ids)) + ")")


def _reason(exc: ApiError) -> str:
    # Discord's form errors say what was wrong (the 2,000-character limit, say) below its generic message.
    details = exc.details()
    return f"{exc.message}{': ' + details if details else ''} (HTTP {exc.status}, code {exc.code})"
