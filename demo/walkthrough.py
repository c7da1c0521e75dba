"""The scripted walkthrough of `newsdesk sandbox`, and the command's whole run (stage, script, REPL, report).

The script plays one afternoon in a news community: an editor follows the demo feed, stories arrive with
threads and summaries, readers comment, reply and react, someone asks for a summary, a moderator removes a
comment and locks a thread, a reader looks at the discussion tree and a moderator exports it. Each step checks
that the bot did what it should, so a broken bot makes the sandbox (and its CI test) fail loudly.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.formats import plural
from demo.actions import ActionRefused, Actions
from demo.stage import DemoStage, Launcher
from demo.transcript import Transcript
from emulator import Channel, Message

__all__ = ["COUNTED_TABLES", "Walkthrough", "WalkthroughError", "database_counts", "run_sandbox", "run_walkthrough"]

COUNTED_TABLES = ("feeds", "subscriptions", "articles", "posts", "threads", "comments", "comment_revisions",
                  "reactions", "moderation_actions", "summaries")
BAN_SLUG = "us-bans-quantalk-transactions"


class WalkthroughError(Exception):
    """The bot did not do what the walkthrough expected; the message names the step."""


def _check(condition: object, step: str, what: str) -> None:
    if not condition:
        raise WalkthroughError(f"{step}: {what}")


class Walkthrough:
    def __init__(self, stage: DemoStage, transcript: Transcript) -> None:
        self.stage = stage
        self.t = transcript
        self.act = Actions(stage, transcript)
        self.ban_thread: Channel | None = None
        self.ban_post: Message | None = None

    async def play(self) -> None:
        await self.subscribe()
        await self.stories_arrive()
        await self.readers_discuss()
        await self.summaries()
        await self.moderation()
        await self.discussion_tree()
        await self.export()

    # --- 1 ------------------------------------------------------------------------------------------

    async def subscribe(self) -> None:
        s, people = self.stage, self.stage.people
        self.t.heading("1. The editor sets Newsdesk up and follows the demo feed")
        await self.act.slash(people.editor, s.admin, "settings set",
                             {"modlog_channel": s.modlog, "admin_channel": s.admin})
        rec = await self.act.slash(people.editor, s.admin, "feed add",
                                   {"url": s.feed.feed_url, "channel": s.news, "summary": True})
        _check("Following" in rec.content, "feed add", f"the bot did not confirm the subscription: {rec.content!r}")
        _check(not self.stage.emu.bot_messages(s.news), "feed add", "old items were posted (a flood)")
        self.t.note("The stories already in the feed are marked as seen: subscribing never floods a channel.")

    # --- 2 ------------------------------------------------------------------------------------------

    async def stories_arrive(self) -> None:
        s = self.stage
        self.t.heading("2. The newsroom publishes; Newsdesk posts each story with a thread and a summary")
        fresh = s.feed.publish_new()
        self.t.note(f"[feed] {len(fresh)} new stories at {s.feed.feed_url}; Newsdesk polls it (here: right away, "
                    "instead of waiting for the poll interval).")
        await s.publish_pass()
        await self.act.settle()
        posts = s.emu.bot_messages(s.news)
        _check(len(posts) == len(fresh), "posting", f"expected {len(fresh)} story posts in #news, found {len(posts)}")
        ban_url = s.feed.article_url(BAN_SLUG)
        self.ban_post = next((p for p in posts if p.embeds and p.embeds[0].get("url") == ban_url), None)
        _check(self.ban_post is not None and self.ban_post.thread_id, "posting", "the QuanTalk story has no thread")
        assert self.ban_post is not None and self.ban_post.thread_id is not None
        self.ban_thread = s.emu.world.channels[self.ban_post.thread_id]
        first = s.emu.messages(self.ban_thread)
        _check(first and first[0].content.startswith("**Summary**"), "posting",
               "the story thread did not get a summary as its first message")

    # --- 3 ------------------------------------------------------------------------------------------

    async def readers_discuss(self) -> None:
        s, p, act = self.stage, self.stage.people, self.act
        assert self.ban_thread is not None and self.ban_post is not None
        self.t.heading("3. Readers comment, reply, react and edit")
        alice = await act.say(p.alice, self.ban_thread, "My parents only use QuanTalk. If the app keeps working but "
                              "the wallet stops, how do I send them money for New Year?")
        bob = await act.say(p.bob, self.ban_thread, "Same here. The article says to empty the wallet before the "
                            "45 days are up; refunds after that are unclear.", reply_to=alice)
        await act.react(p.alice, bob, "👍")
        await act.react(p.bob, self.ban_post, "😮")
        await act.edit(p.alice, alice, "My parents in Guangzhou only use QuanTalk. If the app keeps working but the "
                       "wallet stops, how do I send them money for New Year?")
        await act.recorded(alice.id, bob.id)
        services = s.services
        assert services is not None
        stored = await services.stores.comments.get(bob.id)
        _check(stored is not None and stored.parent_id == alice.id, "comments",
               "bob's reply was not recorded as a reply to alice")

        async def edit_recorded() -> bool:
            return len(await services.stores.comments.revisions(alice.id)) == 1

        await act.eventually(edit_recorded, "alice's edit to be kept as a revision")
        self.alice_comment, self.bob_reply = alice, bob

    # --- 4 ------------------------------------------------------------------------------------------

    async def summaries(self) -> None:
        s, p = self.stage, self.stage.people
        assert self.ban_thread is not None
        self.t.heading("4. Summaries on demand: /summarize article in a thread, and the Summarize button")
        rec = await self.act.slash(p.bob, self.ban_thread, "summarize article", {"length": "short"})
        _check(rec.messages and rec.messages[-1].embeds, "/summarize article", "no summary embed came back")
        other = next(m for m in s.emu.bot_messages(s.news) if m is not self.ban_post)
        rec = await self.act.press(p.alice, other, "Summarize")
        _check(rec.ephemeral and rec.messages and rec.messages[-1].embeds, "Summarize button",
               "the button did not answer privately with a summary")

    # --- 5 ------------------------------------------------------------------------------------------

    async def moderation(self) -> None:
        s, p, act = self.stage, self.stage.people, self.act
        thread = self.ban_thread
        assert thread is not None
        self.t.heading("5. A moderator removes a comment and locks the thread")
        rude = await act.say(p.bob, thread, "Anyone who still uses that app is an idiot and deserves what's coming.")
        await act.recorded(rude.id)
        link = f"https://discord.com/channels/{s.guild.id}/{thread.id}/{rude.id}"
        await act.slash(p.moderator, thread, "mod remove", {"message": link, "reason": "Personal attack (rule 2)"})
        _check(rude.deleted, "mod remove", "the comment is still on Discord")
        await act.slash(p.moderator, thread, "mod lock", {"reason": "Cooling off for the night"})
        _check(thread.locked, "mod lock", "the thread is not locked")
        try:
            await act.say(p.alice, thread, "Wait, one more thing!")
        except ActionRefused:
            self.t.note("Locked: readers can no longer write in this thread; moderators still can.")
        else:
            raise WalkthroughError("mod lock: alice could still write in the locked thread")
        assert s.services is not None
        removed = await s.services.stores.comments.get(rude.id)
        _check(removed is not None and removed.status == "removed", "mod remove", "the comment is not marked removed")

    # --- 6, 7 ---------------------------------------------------------------------------------------

    async def discussion_tree(self) -> None:
        assert self.ban_thread is not None
        self.t.heading("6. The discussion as Newsdesk recorded it: /comments tree")
        rec = await self.act.slash(self.stage.people.alice, self.ban_thread, "comments tree")
        _check("alice" in rec.content and "bob" in rec.content, "/comments tree", f"unexpected tree: {rec.content!r}")

    async def export(self) -> None:
        s = self.stage
        self.t.heading("7. A moderator exports the discussion")
        rec = await self.act.slash(s.people.moderator, s.news, "comments export", {"format": "json"})
        files = [a for m in rec.messages for a in m.attachments]
        _check(files, "/comments export", "no file was attached")
        data, _ = s.emu.files[int(files[0]["id"])]
        exported = json.loads(data)
        comments = exported["comments"]
        statuses: dict[str, int] = {}
        for c in comments:
            statuses[c["status"]] = statuses.get(c["status"], 0) + 1
        revisions = sum(len(c["revisions"]) for c in comments)
        reactions = sum(len(c["reactions"]) for c in comments)
        self.t.note(f"{files[0]['filename']}: {plural(len(comments), 'comment')} ("
                    + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
                    + f"), {plural(revisions, 'revision')}, {plural(reactions, 'reaction')}; "
                    "replies keep their parent_id.")
        _check(len(comments) == 3 and statuses.get("removed") == 1, "/comments export",
               f"expected 3 comments with 1 removed, got {statuses}")


SANDBOX_MARK = "sandbox_guild_id"  # in `meta`: this database was made by `newsdesk sandbox`


def start_fresh(db_path: Path) -> bool:
    """Remove an earlier sandbox run's database at `db_path`, so this run starts from an empty one (the
    emulator's server and the demo feed are new every run: reusing the data would pile up a second server
    and a feed on a port that is gone). True if one was removed; ValueError for a file the sandbox did
    not make, which is never touched."""
    if not db_path.exists():
        return False
    # sqlite3 directly, like database_counts: a file that is not a database must not get further than this.
    conn = sqlite3.connect(f"file:{db_path}?mode=rw", uri=True)
    try:
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError:
            raise ValueError("it is not a SQLite database") from None
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (SANDBOX_MARK,)).fetchone()
        except sqlite3.OperationalError:  # no meta table: not ours
            row = None
    finally:
        conn.close()
    if row is None:
        raise ValueError("it was not made by `newsdesk sandbox`")
    for suffix in ("", "-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    return True


def database_counts(path: Path) -> dict[str, int]:
    """Rows per table, read straight from the file after the bot has shut down.

    Not `mode=ro`: a read-only connection cannot remove the -wal/-shm files it makes, and they stayed
    behind, empty; this one only reads (query_only) and, as the last to close, removes them."""
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
    try:
        conn.execute("PRAGMA query_only = 1")
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in COUNTED_TABLES}
    finally:
        conn.close()


def _banner(stage: DemoStage, t: Transcript) -> None:
    p = stage.people
    t.line("Newsdesk sandbox: the real bot, a local Discord emulator and a demo news feed. Nothing leaves this "
           "machine;")
    t.line("no Discord account or token is needed.")
    t.line(f"  Discord emulator  {stage.emu.base_url}  server \"{stage.guild.name}\" (guild id {stage.guild.id}): "
           "#news, #stories (forum), #mod-log, #newsdesk-admin")
    t.line(f"  Demo feed         {stage.feed.feed_url}  ({len(stage.content.stories)} fictional stories from data/demo/)")
    t.line(f"  Database          {stage.db_path}")
    t.line(f"  People            {p.editor.username} (server owner), {p.moderator.username} (Moderators role), "
           f"{p.alice.username} and {p.bob.username} (readers)")


async def run_walkthrough(stage: DemoStage, transcript: Transcript) -> Walkthrough:
    walkthrough = Walkthrough(stage, transcript)
    await walkthrough.play()
    return walkthrough


# Called with the running stage after the walkthrough (and the REPL): `newsdesk sandbox --web` serves the
# dashboard there until interrupted.
Linger = Callable[[DemoStage, Transcript], Awaitable[None]]


async def run_sandbox(settings: Settings, db_path: Path, out: TextIO, launch: Launcher, *,
                      interactive: bool = False, lines: TextIO | None = None, linger: Linger | None = None) -> int:
    """The whole `newsdesk sandbox` run. Returns the exit code; raises WalkthroughError on a failed step."""
    from demo.interactive import Repl

    started = time.monotonic()
    async with DemoStage(settings, db_path, launch) as stage:
        assert stage.services is not None
        await stage.services.stores.meta.set(SANDBOX_MARK, str(stage.guild.id))  # see start_fresh
        guild_id = stage.guild.id
        transcript = Transcript(stage, out)
        _banner(stage, transcript)
        walkthrough = await run_walkthrough(stage, transcript)
        elapsed = time.monotonic() - started
        transcript.heading(f"Walkthrough done in {elapsed:.1f} s")
        if interactive:
            await Repl(stage, transcript, walkthrough, lines).run()
        if linger is not None:
            await linger(stage, transcript)
        errors = stage.unexpected_errors
    counts = database_counts(db_path)
    transcript.line()
    transcript.line(f"Database: {db_path}")
    transcript.line("  " + ", ".join(f"{table} {n}" for table, n in counts.items()))
    transcript.line(f"  Look inside: sqlite3 {db_path} 'SELECT author_name, status, content FROM comments'"
                    " (or any SQLite browser)")
    transcript.line(f"  Export it:   newsdesk export --db {db_path} --guild {guild_id} --format csv")
    if linger is None:
        transcript.line("  See it all in the web dashboard: newsdesk sandbox --web")
    if errors:
        transcript.line(f"The bot raised {plural(len(errors), 'unexpected error')}; first: {errors[0]!r}")
        return 1
    return 0
