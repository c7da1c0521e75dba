"""`newsdesk sandbox --interactive`: after the walkthrough, act as a reader or the moderator from the terminal.

One command per line, read from stdin (a terminal or a pipe, so it can be scripted and tested):
plain text is written in the current channel, `/name sub opt:value ...` runs a slash command, and a few
words (`reply 3 ...`, `react 3 👍`, `as mod`, `go 2`) do the rest. `help` lists them.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, TextIO

from bot.formats import join_words
from demo.actions import ActionRefused, Actions
from emulator import Channel, Message, User

if TYPE_CHECKING:
    from demo.stage import DemoStage
    from demo.transcript import Transcript
    from demo.walkthrough import Walkthrough

__all__ = ["HELP", "Repl", "parse_slash"]

HELP = """\
You are in the demo server as one of its people. Commands (one per line):
  TEXT                       write TEXT in the current channel or thread (or: say TEXT)
  reply N TEXT               reply to message [N]          react N EMOJI   react to [N], e.g. react 4 👍
  edit N TEXT                edit your message [N]         delete N        delete [N] (yours, or any as mod)
  press N LABEL              press a button on [N], e.g. press 3 Summarize (on the first story post)
  /COMMAND opt:value ...     a slash command, e.g. /summarize article length:short
                             /summarize discussion   /comments tree   /comments mine   /article info   /trending period:week
                             /mod remove message:[N] reason:spam   /mod lock   /mod mute user:@bob duration:1h reason:...
                             /feed list (as editor)   /privacy forget-me
                             channels as #name (or here), people as @name, a message as [N]
  as NAME                    act as alice, bob, mod or editor
  threads                    list the story threads         go N | go #name   move to thread N or a channel
  show [COUNT]               the last messages here        help, quit"""

_OPTION_SPLIT = re.compile(r"\s+(?=[A-Za-z_][\w-]*:)")
_MESSAGE_REF = re.compile(r"^\[?(\d+)\]?$")


def parse_slash(line: str, option_names: Collection[str] | None = None) -> tuple[str, dict[str, str]]:
    """'/mod lock reason:too hot' -> ('mod lock', {'reason': 'too hot'}).

    With `option_names`, only those names start an option, so a value may contain "word:" itself."""
    body = " ".join(line.strip().lstrip("/").split())
    first = _OPTION_SPLIT.split(body, maxsplit=1)
    command, rest = first[0].strip(), (first[1] if len(first) > 1 else "")
    if not command or ":" in command.split()[0]:
        raise ValueError("start with the command name, e.g. /summarize article length:short")
    if option_names is None:
        splitter = _OPTION_SPLIT
    else:
        names = "|".join(re.escape(n) for n in sorted(option_names, key=len, reverse=True)) or "(?!)"
        splitter = re.compile(rf"\s+(?=(?:{names}):)")
    options: dict[str, str] = {}
    for part in splitter.split(rest) if rest else []:
        key, _, value = part.partition(":")
        options[key.strip()] = value.strip()
    return command, options


class Repl:
    def __init__(self, stage: DemoStage, transcript: Transcript, walkthrough: Walkthrough | None,
                 lines: TextIO | None = None) -> None:
        self.stage = stage
        self.t = transcript
        self.act = Actions(stage, transcript)
        self.lines = lines if lines is not None else sys.stdin
        self.user: User = stage.people.alice
        threads = self.story_threads()
        open_threads = [t for t in threads if not t.locked]
        self.channel: Channel = open_threads[0] if open_threads else stage.news

    # --- the loop --------------------------------------------------------------------------------

    async def run(self) -> None:
        self.t.line(HELP)
        self.t.line(f"You are {self.user.username}, in {self.t.where(self.channel)}.")
        reader = _LineReader(self.lines)
        while True:
            if self.lines.isatty():
                self.t.out.write(f"{self.user.username} @ {self.t.where(self.channel)}> ")
                self.t.out.flush()
            raw = await reader.readline()
            if not raw:
                await self.act.settle()  # what the bot did after the last line (a removal, its #mod-log entry)
                self.t.line("(end of input)")
                return
            line = raw.strip()
            if not line or line.startswith("#!"):
                continue
            if line in ("quit", "exit", "q"):
                await self.act.settle()
                return
            try:
                await self.handle(line)
            except ActionRefused:
                pass  # already printed with Discord's reason
            except (LookupError, ValueError, TimeoutError) as exc:
                self.t.line(f"  ✗ {exc}")

    async def handle(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if line.startswith("/"):
            await self.slash(line)
        elif word == "help":
            self.t.line(HELP)
        elif word == "as":
            self.become(rest)
        elif word == "threads":
            self.list_threads()
        elif word == "go":
            self.go(rest)
        elif word == "show":
            self.show(int(rest) if rest.isdigit() else 10)
        elif word == "say":
            await self.act.say(self.user, self.channel, rest)
        elif word in ("reply", "react", "edit", "press") and _numbered(rest):
            n, _, arg = rest.partition(" ")
            message = self.message(n)
            if not arg.strip():
                raise ValueError(f"{word} needs something after the message number (see help)")
            if word == "reply":
                await self.act.say(self.user, self._channel_of(message), arg.strip(), reply_to=message)
            elif word == "react":
                await self.act.react(self.user, message, arg.strip())
            elif word == "edit":
                await self.act.edit(self.user, message, arg.strip())
            else:
                await self.act.press(self.user, message, arg.strip())
        elif word == "delete" and _numbered(rest):
            await self.act.delete(self.user, self.message(rest))
        else:
            await self.act.say(self.user, self.channel, line)

    # --- navigation ------------------------------------------------------------------------------

    def become(self, name: str) -> None:
        people = self.stage.people.by_name()
        user = people.get(name.lower().lstrip("@"))
        if user is None:
            raise LookupError(f"no one called {name!r} here; choose alice, bob, mod or editor")
        self.user = user
        self.t.line(f"  You are now {user.username}.")

    def story_threads(self) -> list[Channel]:
        return [t for c in (self.stage.news, self.stage.forum) for t in self.stage.emu.threads(c)]

    def list_threads(self) -> None:
        for n, thread in enumerate(self.story_threads(), 1):
            state = " (locked)" if thread.locked else ""
            self.t.line(f"  {n}. {self.t.where(thread)}{state}")

    def go(self, target: str) -> None:
        if target.isdigit():
            threads = self.story_threads()
            if not 1 <= int(target) <= len(threads):
                raise LookupError(f"no thread {target}; `threads` lists {len(threads)}")
            self.channel = threads[int(target) - 1]
        else:
            channel = self.stage.channel_named(target)
            if channel is None:
                raise LookupError(f"no channel {target!r}; try #news, #mod-log or a number from `threads`")
            self.channel = channel
        self.t.line(f"  You are in {self.t.where(self.channel)}.")

    def show(self, count: int) -> None:
        self.t.line(f" {self.t.where(self.channel)}")
        for message in [m for m in self.stage.emu.messages(self.channel) if not m.deleted][-count:]:
            self.t.show(message)

    def message(self, ref: str) -> Message:
        match = _MESSAGE_REF.match(ref.strip())
        message = self.t.message(int(match[1])) if match else None
        if message is None:
            raise LookupError(f"no message [{ref.strip('[]')}]; `show` prints messages with their numbers")
        return message

    def _channel_of(self, message: Message) -> Channel:
        return self.stage.emu.world.channels[message.channel_id]

    # --- slash commands ----------------------------------------------------------------------------

    async def slash(self, line: str) -> None:
        command, _ = parse_slash(line)
        types = self.option_types(command)
        command, raw = parse_slash(line, types)
        options: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in types:
                raise LookupError(f"/{command} has no option {key!r}; "
                                  + (f"its options: {join_words(sorted(types))}" if types else "it has no options"))
            options[key] = self._value(types[key], value)
        await self.act.slash(self.user, self.channel, command, options)

    def option_types(self, command: str) -> dict[str, int]:
        """Option name -> Discord option type, from the command as the bot registered it."""
        name, *path = command.split()
        try:
            spec = self.stage.emu.commands.find(name, self.stage.guild.id)
        except LookupError:
            known = sorted({c["name"] for c in self.stage.emu.commands.guild(self.stage.guild.id).values()
                            if c.get("type", 1) == 1})
            raise LookupError(f"there is no /{name}; the bot's slash commands are "
                              + ", ".join(f"/{k}" for k in known)) from None
        defs = spec.get("options") or []
        for sub in path:
            found = next((o for o in defs if o["name"] == sub and o["type"] in (1, 2)), None)
            if found is None:
                raise LookupError(f"/{name} has no subcommand {sub!r}")
            defs = found.get("options") or []
        return {o["name"]: o["type"] for o in defs if o["type"] not in (1, 2)}

    def _value(self, kind: int, value: str) -> Any:
        world = self.stage.emu.world
        if kind == 5:
            lowered = value.lower()
            if lowered not in ("true", "false", "yes", "no", "on", "off"):
                raise ValueError(f"{value!r} is not true or false")
            return lowered in ("true", "yes", "on")
        if kind == 7:
            channel = self.channel if value.lower() == "here" else self.stage.channel_named(value)
            if channel is None:
                raise LookupError(f"no channel {value!r}")
            return channel
        if kind in (6, 8, 9):
            name = value.lstrip("@").lower()
            user = self.stage.people.by_name().get(name) or next(
                (u for u in world.users.values() if u.username.lower() == name), None)
            if user is not None and kind != 8:
                return user
            role = next((r for r in world.guilds[self.stage.guild.id].roles.values() if r.name.lower() == name), None)
            if role is not None and kind != 6:
                return role
            raise LookupError(f"no {'role' if kind == 8 else 'member'} {value!r}")
        if kind == 3:
            match = re.fullmatch(r"\[(\d+)\]", value)
            if match:  # a message number becomes its link, e.g. for /mod remove message:[5]
                message = self.message(match[1])
                return f"https://discord.com/channels/{self.stage.guild.id}/{message.channel_id}/{message.id}"
        return value


def _numbered(rest: str) -> bool:
    return bool(_MESSAGE_REF.match(rest.partition(" ")[0]))


class _LineReader:
    """Lines from a blocking stream, read by a daemon thread: Ctrl-C at the prompt exits at once instead of
    waiting for a worker thread stuck in readline() (asyncio.to_thread's executor would be joined at exit)."""

    def __init__(self, stream: TextIO) -> None:
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._wanted = threading.Event()
        threading.Thread(target=self._read, args=(stream,), name="newsdesk-sandbox-stdin", daemon=True).start()

    def _read(self, stream: TextIO) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                line = stream.readline()
            except (OSError, ValueError):
                line = ""
            self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
            if not line:
                return

    async def readline(self) -> str:
        """The next line with its newline, or "" at the end of input."""
        self._wanted.set()
        return await self._queue.get()
