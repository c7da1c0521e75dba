"""Prints what happens in the emulated guild as a readable transcript.

Every message gets a short number (`[3]`) the first time it is shown, so the walkthrough and the interactive
mode can refer to it ("reply 3 ..."). `activity()` prints whatever appeared since the last call, in order,
under a header naming the channel or thread; interaction answers are printed with who can see them.
"""

from __future__ import annotations

import re
import textwrap
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from emulator import Channel, InteractionRecord, Message, User

if TYPE_CHECKING:
    from demo.stage import DemoStage

__all__ = ["Transcript"]

WIDTH = 100
THREAD_NAME_WIDTH = 48
_MENTION = re.compile(r"<(@!?|@&|#)(\d+)>")
_TIMESTAMP = re.compile(r"<t:(\d+)(?::([tTdDfFR]))?>")
_ESCAPED = re.compile(r"\\([*_~`|>\\\[\]()#-])")


class Transcript:
    def __init__(self, stage: DemoStage, out: TextIO) -> None:
        self.stage = stage
        self.out = out
        self.numbers: dict[int, int] = {}
        self.by_number: dict[int, Message] = {}
        self._printed: set[int] = set()
        self._reported_deleted: set[int] = set()

    # --- plain output ---------------------------------------------------------------------------

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def heading(self, text: str) -> None:
        self.line()
        self.line(f"── {text} " + "─" * max(3, WIDTH - len(text) - 4))

    def note(self, text: str) -> None:
        for part in textwrap.wrap(text, WIDTH - 2) or [""]:
            self.line(f"  {part}")

    def action(self, user: User, text: str) -> None:
        self.line(f"{user.username} › {text}")

    # --- numbering --------------------------------------------------------------------------------

    def number(self, message: Message) -> int:
        if message.id not in self.numbers:
            n = len(self.numbers) + 1
            self.numbers[message.id] = n
            self.by_number[n] = message
        return self.numbers[message.id]

    def message(self, n: int) -> Message | None:
        return self.by_number.get(n)

    # --- rendering -------------------------------------------------------------------------------

    def readable(self, text: str) -> str:
        """Discord markup as a terminal shows it: mentions by name, timestamps as times, no escapes."""
        world = self.stage.emu.world

        def mention(match: re.Match[str]) -> str:
            kind, ident = match[1], int(match[2])
            if kind == "#":
                channel = world.channels.get(ident)
                return f"#{channel.name}" if channel else "#unknown-channel"
            if kind == "@&":
                role = world.guilds[self.stage.guild.id].roles.get(ident)
                return f"@{role.name}" if role else "@role"
            user = world.users.get(ident)
            return f"@{user.username}" if user else "@someone"

        def timestamp(match: re.Match[str]) -> str:
            ts = int(match[1])
            if match[2] == "R":
                delta = ts - time.time()
                minutes = round(abs(delta) / 60)
                if minutes < 1:
                    return "just now"
                span = f"{minutes} min" if minutes < 90 else f"{round(minutes / 60)} h"
                return f"in {span}" if delta > 0 else f"{span} ago"
            return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")

        text = _MENTION.sub(mention, text)
        text = _TIMESTAMP.sub(timestamp, text)
        return _ESCAPED.sub(r"\1", text.replace("**", ""))

    def _wrapped(self, text: str, prefix: str) -> list[str]:
        lines: list[str] = []
        for raw in self.readable(text).splitlines() or [""]:
            lead = raw[:len(raw) - len(raw.lstrip())]
            hanging = lead + ("  " if raw.lstrip()[:1] in ("•", "↳", "-") else "")
            lines += textwrap.wrap(raw, WIDTH - len(prefix), subsequent_indent=hanging,
                                   break_on_hyphens=False, drop_whitespace=True) or [""]
        return [prefix + line for line in lines]

    def render(self, message: Message, indent: str = "  ", *, private_to: User | None = None) -> list[str]:
        n = self.number(message)
        who = message.author.username + (" [bot]" if message.author.bot else "")
        if private_to is not None:
            who += f" (only {private_to.username} sees this)"
        if message.reference_id is not None:
            target = self.numbers.get(message.reference_id)
            who += f", replying to [{target}]" if target else ", replying"
        head = f"{indent}[{n}] {who}:"
        body = indent + "    "
        content = self.readable(message.content)
        lines: list[str]
        if content and "\n" not in content and len(head) + 1 + len(content) <= WIDTH:
            lines = [f"{head} {content}"]
        else:
            lines = [head] + (self._wrapped(message.content, body) if message.content else [])
        for embed in message.embeds:
            lines += self._embed(embed, body)
        for attachment in message.attachments:
            lines.append(f"{body}📎 {attachment.get('filename')} ({attachment.get('size', 0):,} bytes)")
        buttons = [c for row in message.components for c in row.get("components", []) if c.get("type") == 2]
        if buttons:
            lines.append(body + "  ".join(f"[{_emoji(b)}{b.get('label', '')}]" for b in buttons))
        return lines

    def _embed(self, embed: dict[str, Any], prefix: str) -> list[str]:
        bar = prefix + "┃ "
        lines = []
        if embed.get("author", {}).get("name"):
            lines += self._wrapped(embed["author"]["name"], bar)
        if embed.get("title"):
            lines += self._wrapped(embed["title"], bar)
        if embed.get("url"):
            lines.append(bar + embed["url"])
        if embed.get("description"):
            lines += self._wrapped(embed["description"], bar)
        for field in embed.get("fields", []):
            lines += self._wrapped(f"{field['name']}: {field['value']}", bar)
        if embed.get("footer", {}).get("text"):
            lines += self._wrapped("— " + embed["footer"]["text"], bar)
        return lines

    def where(self, channel: Channel) -> str:
        if channel.is_thread and channel.parent_id:
            parent = self.stage.emu.world.channels.get(channel.parent_id)
            name = channel.name if len(channel.name) <= THREAD_NAME_WIDTH else (
                channel.name[:THREAD_NAME_WIDTH - 1].rstrip() + "…")
            return f"#{parent.name if parent else '?'} › 🧵 {name}"
        return f"#{channel.name}"

    # --- what happened ---------------------------------------------------------------------------

    def show(self, message: Message, indent: str = "  ") -> None:
        self._printed.add(message.id)
        for text in self.render(message, indent):
            self.line(text)

    def interaction(self, rec: InteractionRecord) -> None:
        """The bot's answers to one interaction; ephemeral ones are marked as only the user seeing them."""
        for message in rec.messages:
            self._printed.add(message.id)
            for text in self.render(message, private_to=rec.user if message.is_ephemeral else None):
                self.line(text)
        if rec.modal is not None:
            self.line(f"  (the bot opened a form: {rec.modal.get('title', '')})")
        if not rec.messages and rec.modal is None:
            self.line("  (no answer)")

    def vanished(self) -> list[Message]:
        """Printed messages deleted since, not yet reported (`activity` reports them). The emulator drops a
        deleted message from its channel, so they are found among the numbered ones."""
        return [m for m in self.by_number.values()
                if m.deleted and m.id in self._printed and m.id not in self._reported_deleted]

    def activity(self, removals: dict[int, str] | None = None) -> int:
        """Print messages that appeared (and note printed ones that disappeared) since the last call.

        `removals`: how a vanished message went, as the bot recorded it ({message id: "was removed by X (why)"})."""
        world = self.stage.emu.world
        channels = world.guild_channels(self.stage.guild)  # threads included
        fresh: list[tuple[Message, Channel]] = []
        for gone in self.vanished():
            self._reported_deleted.add(gone.id)
            how = (removals or {}).get(gone.id, "was deleted")
            where = world.channels.get(gone.channel_id)
            text = (f"✂ [{self.numbers[gone.id]}] by {gone.author.username} {how}"
                    + (f" from {self.where(where)}" if where is not None else ""))
            for part in textwrap.wrap(text, WIDTH - 2, subsequent_indent="    ", break_on_hyphens=False):
                self.line(f"  {part}")
        for channel in channels:
            for message in self.stage.emu.messages(channel):
                if not message.deleted and message.id not in self._printed:
                    fresh.append((message, channel))
        fresh.sort(key=lambda pair: pair[0].id)
        current: int | None = None
        for message, channel in fresh:
            if channel.id != current:
                self.line(f" {self.where(channel)}")
                current = channel.id
            self.show(message)
        return len(fresh)

    def mark_seen(self) -> None:
        """Treat everything currently in the guild as already shown."""
        world = self.stage.emu.world
        for channel in world.guild_channels(self.stage.guild):
            for message in self.stage.emu.messages(channel):
                self._printed.add(message.id)
                if message.deleted:
                    self._reported_deleted.add(message.id)


def _emoji(component: dict[str, Any]) -> str:
    emoji = component.get("emoji") or {}
    return f"{emoji['name']} " if emoji.get("name") else ""
