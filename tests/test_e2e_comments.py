"""Comments end to end: recording (tree, edits, deletes, reactions, thread changes), readers' commands,
export, forget-me, backfill after downtime and the daily digest — the real bot against the emulator."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import time
from datetime import UTC, datetime, timedelta

from tests.comments_support import db_rows, eventually, integer_columns, story_thread
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


async def comment(room: Newsroom, message_id: int) -> dict | None:
    rows = await db_rows(room, "SELECT * FROM comments WHERE message_id = ?", (message_id,))
    return rows[0] if rows else None


async def test_comments_replies_edits_deletes_reactions_and_thread_changes(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, post = await story_thread(room)

    first = emu.send(room.alice, thread, "Buses first, trams later?")
    reply = emu.send(room.bob, thread, "Trams are cheaper to run.", reply_to=first)
    nested = emu.send(room.alice, thread, "Not per passenger.", reply_to=reply)
    with_file = emu.send(room.bob, thread, "The plan:", files=[("plan.txt", b"route 1, route 2")])
    outside = emu.send(room.alice, room.news, "not an article thread")
    carol = emu.create_user("carol")
    emu.add_member(room.guild, carol, nick="Carol from Sales")
    nicked = emu.send(carol, thread, "a member with a server nickname")
    row = await eventually(room, lambda: comment(room, with_file.id), what="the attachment comment")
    assert json.loads(row["attachments"])[0]["name"] == "plan.txt"
    assert (await comment(room, first.id))["parent_id"] is None  # type: ignore[index]
    assert (await comment(room, reply.id))["parent_id"] == first.id  # type: ignore[index]
    assert (await comment(room, nested.id))["parent_id"] == reply.id  # type: ignore[index]
    assert (await comment(room, nested.id))["author_name"] == "alice"  # type: ignore[index]
    assert await comment(room, outside.id) is None
    row = await eventually(room, lambda: comment(room, nicked.id), what="the nicknamed comment")
    assert row["author_name"] == "Carol from Sales" and row["parent_id"] is None
    assert all(r["article_id"] is not None for r in await db_rows(room, "SELECT article_id FROM comments"))

    # Edits become revisions; replaying an identical edit adds none.
    emu.edit(room.alice, first, "Buses first, trams later? (edited)")
    emu.edit(room.alice, first, "Buses first; trams after 2030.")
    revisions = await eventually(room, lambda: db_rows(
        room, "SELECT old_content, new_content FROM comment_revisions WHERE message_id = ? ORDER BY id", (first.id,)),
        what="revisions")
    await eventually(room, lambda: _count(room, "comment_revisions", 2), what="two revisions")
    revisions = await db_rows(room, "SELECT old_content, new_content FROM comment_revisions ORDER BY id")
    assert [r["old_content"] for r in revisions] == ["Buses first, trams later?", "Buses first, trams later? (edited)"]
    assert (await comment(room, first.id))["content"] == "Buses first; trams after 2030."  # type: ignore[index]

    # A delete keeps the text; a moderator's bulk delete marks every message in it.
    emu.delete(room.bob, with_file)
    extra = [emu.send(room.bob, thread, f"spam {n}") for n in range(3)]
    await eventually(room, lambda: comment(room, extra[-1].id), what="spam recorded")
    emu.world.bulk_delete(room.moderator, thread, [m.id for m in extra])
    await eventually(room, lambda: _deleted(room, [with_file.id, *(m.id for m in extra)]), what="deletes")
    row = await comment(room, with_file.id)
    assert row and row["status"] == "deleted" and row["content"] == "The plan:"
    assert await room.svc.retention.sweep() == 0
    # Past the retention (COMMENT_RETENTION_DAYS, 30 by default) the text of deleted comments goes.
    assert await room.svc.retention.sweep(now=time.time() + 31 * 86400) == 4
    row = await comment(room, with_file.id)
    assert row and row["content"] == "" and row["attachments"] == "[]" and row["deleted_at"]
    assert (await comment(room, first.id))["content"] == "Buses first; trams after 2030."  # type: ignore[index]

    # Reactions: unicode and custom, on the story post and on a comment, with removals.
    emu.react(room.alice, post, "👍")
    emu.react(room.bob, post, "party:4242")
    emu.react(room.bob, reply, "🔥")
    emu.react(room.alice, reply, "🔥")
    emu.unreact(room.alice, reply, "🔥")
    emu.react(room.alice, outside, "👀")  # not an article: ignored
    reactions = await eventually(room, lambda: _reactions_settled(room), what="reactions")
    assert {(r["message_id"], r["user_id"], r["emoji"], r["removed_at"] is None) for r in reactions} == {
        (post.id, room.alice.id, "👍", True), (post.id, room.bob.id, "party:4242", True),
        (reply.id, room.bob.id, "🔥", True), (reply.id, room.alice.id, "🔥", False),
    }

    # A moderator clears one emoji, then all reactions, of a message.
    emu.react(room.alice, first, "👍")
    emu.react(room.bob, first, "👍")
    emu.react(room.bob, first, "party:4242")
    await eventually(room, lambda: _live_on(room, first.id, 3), what="reactions on the first comment")
    emu.world.clear_reactions(room.moderator, first, "👍")
    await eventually(room, lambda: _live_on(room, first.id, 1), what="one emoji cleared")
    emu.world.clear_reactions(room.moderator, first)
    await eventually(room, lambda: _live_on(room, first.id, 0), what="all cleared")

    # Thread changes made on Discord (not through the bot) are recorded.
    emu.world.edit_thread(room.moderator, thread, name="Transit plan: discussion", locked=True)
    events = await eventually(room, lambda: room.svc.stores.threads.events(thread.id), what="thread events")
    kinds = {e[0] for e in events}
    assert {"renamed", "locked"} <= kinds
    stored = await room.svc.stores.threads.get(thread.id)
    assert stored and stored.locked and stored.name == "Transit plan: discussion"


async def _count(room: Newsroom, table: str, n: int) -> bool:
    return len(await db_rows(room, f"SELECT 1 FROM {table}")) >= n


async def _live_on(room: Newsroom, message_id: int, n: int) -> bool:
    rows = await db_rows(room, "SELECT 1 FROM reactions WHERE message_id = ? AND removed_at IS NULL", (message_id,))
    return len(rows) == n


async def _deleted(room: Newsroom, ids: list[int]) -> bool:
    rows = await db_rows(room, f"SELECT deleted_at FROM comments WHERE message_id IN ({','.join('?' * len(ids))})",
                         tuple(ids))
    return len(rows) == len(ids) and all(r["deleted_at"] for r in rows)


async def _reactions_settled(room: Newsroom) -> list[dict]:
    rows = await db_rows(room, "SELECT * FROM reactions")
    return rows if len(rows) == 4 and any(r["removed_at"] for r in rows) else []


async def test_tree_pages_mine_export_and_forget_me(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, post = await story_thread(room)
    root = emu.send(room.alice, thread, "Root comment")
    previous = root
    for n in range(24):  # a long reply chain: more lines than one page holds
        previous = emu.send(room.bob if n % 2 else room.alice, thread, f"reply number {n}", reply_to=previous)
    emu.edit(room.alice, root, "Root comment, edited")
    emu.react(room.bob, root, "👍")
    emu.react(room.alice, post, "🎉")
    await eventually(room, lambda: comment(room, previous.id), what="the chain")

    async def edited() -> bool:
        row = await comment(room, root.id)
        return row is not None and row["content"] == "Root comment, edited"

    await eventually(room, edited, what="the edit")  # handled beside the chain, not necessarily before its end
    rec = await room.slash(room.alice, "comments tree", channel=thread)
    assert rec.ephemeral and "page 1/2" in rec.content and "25 comments" in rec.content
    assert "• **alice** (edited): Root comment, edited" in rec.content
    assert "  ↳ **alice**: reply number 0" in rec.content and "    ↳ **bob**: reply number 1" in rec.content
    page2 = await emu.press_button(room.alice, rec.original, label="Next ▶")  # type: ignore[arg-type]
    assert "page 2/2" in page2.original.content and "reply number 23" in page2.original.content  # type: ignore[union-attr]
    other = await emu.press_button(room.bob, rec.original, label="◀ Previous")  # type: ignore[arg-type]
    assert "yourself" in other.content
    article_id = (await room.svc.stores.posts.by_thread(thread.id)).article_id
    from_news = await room.slash(room.bob, "comments tree", {"article": str(article_id)})
    assert "page 1/2" in from_news.content
    nowhere = await room.slash(room.bob, "comments tree")
    assert "article's thread" in nowhere.content

    info = await room.slash(room.alice, "article info", channel=thread)
    assert "Comments: 25 · Participants: 2 · Reactions: 2" in info.content

    mine = await room.slash(room.bob, "comments mine")
    assert mine.ephemeral and "reply number 23" in mine.content and "Root comment" not in mine.content
    # The thread's name and the relative time render as plain words: a separator keeps them apart.
    assert re.search(rf"<#{thread.id}> · <t:\d+:R>: reply number 23", mine.content), mine.content

    # Export: moderators only. /comments is open to readers, and Discord has no per-subcommand gate, so
    # the run-time check is what refuses a member.
    refused = await room.slash(room.alice, "comments export", channel=thread)
    assert refused.ephemeral and "Manage Messages permission" in refused.content and not refused.messages[-1].attachments
    rec = await room.slash(room.moderator, "comments export", {"format": "json"}, channel=thread)
    data = json.loads(await _attachment(room, rec))
    by_id = {c["message_id"]: c for c in data["comments"]}
    assert len(by_id) == 25 and by_id[str(previous.id)]["parent_id"] in by_id
    assert by_id[str(root.id)]["revisions"][0]["old_content"] == "Root comment"
    assert by_id[str(root.id)]["reactions"][0]["emoji"] == "👍"
    rec = await room.slash(room.moderator, "comments export", {"format": "csv", "article": str(article_id)},
                           channel=thread)
    rows = list(csv.DictReader(io.StringIO((await _attachment(room, rec)).decode())))
    assert len(rows) == 25 and rows[0]["message_id"] == str(root.id)

    # forget-me: confirmation, then no row of alice's anywhere; bob's stay.
    rec = await room.slash(room.alice, "privacy forget-me", channel=thread)
    assert rec.ephemeral and "Continue?" in rec.content
    intruder = await emu.press_button(room.bob, rec.original, label="Delete my data")  # type: ignore[arg-type]
    assert "Only the person" in intruder.content
    done = await emu.press_button(room.alice, rec.original, label="Delete my data")  # type: ignore[arg-type]
    assert "Done:" in done.original.content  # type: ignore[union-attr]
    assert await db_rows(room, "SELECT 1 FROM comments WHERE author_id = ?", (room.alice.id,)) == []
    assert await db_rows(room, "SELECT 1 FROM reactions WHERE user_id = ?", (room.alice.id,)) == []
    assert await db_rows(room, "SELECT 1 FROM comment_revisions WHERE message_id = ?", (root.id,)) == []
    assert await _rows_mentioning(room, room.alice.id) == []
    assert len(await db_rows(room, "SELECT 1 FROM comments WHERE author_id = ?", (room.bob.id,))) == 12
    assert len(await db_rows(room, "SELECT 1 FROM privacy_requests")) == 1


async def _attachment(room: Newsroom, rec: object) -> bytes:
    await room.settled(rec)  # type: ignore[arg-type]
    message = rec.messages[-1]  # type: ignore[attr-defined]
    [attachment] = message.attachments
    data, _ = room.emu.files[int(attachment["id"])]
    return data


async def _rows_mentioning(room: Newsroom, user_id: int) -> list[tuple[str, str]]:
    """Every (table, column) holding `user_id` in any INTEGER column, across the whole database."""
    found = []
    columns = await integer_columns(room)
    for table, column in columns:
        if await db_rows(room, f"SELECT 1 FROM {table} WHERE {column} = ?", (user_id,)):
            found.append((table, column))
    return found


async def test_backfill_after_downtime_records_everything_once(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, post = await story_thread(room)
    kept = emu.send(room.alice, thread, "written while the bot listens")
    edited = emu.send(room.bob, thread, "will be edited while the bot is away")
    doomed = emu.send(room.bob, thread, "will be deleted while the bot is away")
    emu.react(room.alice, kept, "👍")
    emu.react(room.bob, kept, "👀")
    await eventually(room, lambda: _count(room, "reactions", 2), what="live reactions")

    await room.stop()
    emu.edit(room.bob, edited, "edited during the downtime")
    emu.delete(room.bob, doomed)
    new_root = emu.send(room.alice, thread, "said while the bot was down")
    new_reply = emu.send(room.bob, thread, "and a reply to it", reply_to=new_root)
    short_lived = emu.send(room.alice, thread, "here and gone")
    emu.delete(room.alice, short_lived)
    emu.react(room.bob, new_root, "party:4242")
    emu.unreact(room.bob, kept, "👀")
    emu.react(room.alice, post, "🎉")
    emu.world.edit_thread(room.moderator, thread, name="Renamed while away")

    await room.start()
    listener = room.client.comment_listener
    await emu.wait_for(lambda: listener.backfills_done >= 1, 10, what="the start-up backfill")  # type: ignore[union-attr]
    rows = {r["message_id"]: r for r in await db_rows(room, "SELECT * FROM comments")}
    assert set(rows) == {kept.id, edited.id, doomed.id, new_root.id, new_reply.id}  # once each; never-seen ones absent
    assert rows[edited.id]["content"] == "edited during the downtime"
    assert rows[doomed.id]["deleted_at"] is not None and rows[doomed.id]["content"] == doomed.content
    assert rows[new_reply.id]["parent_id"] == new_root.id
    revisions = await db_rows(room, "SELECT * FROM comment_revisions")
    assert [(r["message_id"], r["old_content"]) for r in revisions] == [
        (edited.id, "will be edited while the bot is away")]
    live = {(r["message_id"], r["user_id"], r["emoji"]) for r in
            await db_rows(room, "SELECT * FROM reactions WHERE removed_at IS NULL")}
    assert live == {(kept.id, room.alice.id, "👍"), (new_root.id, room.bob.id, "party:4242"),
                    (post.id, room.alice.id, "🎉")}
    assert (await room.svc.stores.threads.get(thread.id)).name == "Renamed while away"

    # A second start-up replays the same history: nothing changes.
    before = await db_rows(room, "SELECT * FROM comments ORDER BY message_id")
    await room.restart()
    listener = room.client.comment_listener
    await emu.wait_for(lambda: listener.backfills_done >= 1, 10, what="the second backfill")  # type: ignore[union-attr]
    assert await db_rows(room, "SELECT * FROM comments ORDER BY message_id") == before
    assert len(await db_rows(room, "SELECT * FROM comment_revisions")) == 1
    assert len(await db_rows(room, "SELECT * FROM reactions")) == 4  # 3 live + the removed 👀


async def test_daily_digest_posted_once_per_day_across_restarts(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, post = await story_thread(room)
    for n in range(3):
        emu.send(room.alice if n % 2 else room.bob, thread, f"comment {n}")
    emu.react(room.bob, post, "👍")
    await eventually(room, lambda: _count(room, "comments", 3), what="comments")
    # Make the activity an hour old, and the digest due a minute ago: it covers the 24 h before that.
    await room.svc.stores.db.execute("UPDATE comments SET created_at = created_at - 3600")
    await room.svc.stores.db.execute("UPDATE reactions SET added_at = added_at - 3600")
    due = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%H:%M")
    await room.slash(room.admin, "settings set", {"digest_channel": room.admin_channel, "digest_time": due})
    cog = room.client.digest
    await cog.post_due_digests()  # type: ignore[union-attr]
    digest = await emu.wait_for_message(room.admin_channel, lambda m: "Daily digest" in m.content)
    assert "Council approves transit plan" in digest.content
    assert "3 comments from 2 people, 1 reaction" in digest.content and "1 reactions" not in digest.content
    assert await cog.post_due_digests() == 0  # type: ignore[union-attr]
    await room.restart()
    cog = room.client.digest
    assert await cog.post_due_digests() == 0  # type: ignore[union-attr]
    # The cog's own loop runs a pass at start-up too: wait for it to finish, then count.
    await emu.wait_for(lambda: cog.background.steps >= 1, 10, what="the digest loop's first pass")  # type: ignore[union-attr]
    assert len([m for m in emu.messages(room.admin_channel) if "Daily digest" in m.content]) == 1
    stored = await room.svc.stores.guild_settings.get(room.guild.id)
    assert stored.digest_last_day == datetime.now(UTC).date().isoformat() or due.startswith("23:5")


async def test_comment_before_the_thread_is_registered_is_still_recorded(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    assert room.services is not None
    thread = emu.create_thread(room.admin, room.news, "Registered a moment late")
    early = emu.send(room.alice, thread, "first!")  # before the publisher has registered the thread
    await asyncio.sleep(0.3)
    await room.svc.stores.threads.register(thread_id=thread.id, guild_id=room.guild.id,
                                         parent_channel_id=room.news.id, article_id=None, name=thread.name)
    room.svc.recorder.track_thread(thread.id, None)
    row = await eventually(room, lambda: comment(room, early.id), within=5, what="the early comment")
    assert row["content"] == "first!"
    other = emu.create_thread(room.admin, room.news, "Not an article thread")
    chat = emu.send(room.bob, other, "just chatting")
    # The gateway delivers in order: once a later comment in the article thread is recorded, the chat
    # message has been seen and passed over.
    later = emu.send(room.alice, thread, "second!")
    await eventually(room, lambda: comment(room, later.id), within=5, what="the later comment")
    assert await comment(room, chat.id) is None
