"""Reports, pre-moderation of new commenters and automatic holds, end to end through the emulator (issue 16,
points 1-3): a comment reported by enough members leaves the thread and the queue settles it; a new member's
first comments are held, told once by DM, and re-posted by the bot on approval; enough rejections put a member
on hold, which the mod-log records with its figures and which ends by itself."""

from __future__ import annotations

import time

from emulator import Message
from tests.comments_support import db_rows, eventually, story_thread
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


def echoes(room: Newsroom) -> list[str]:
    return [m.content for m in room.emu.messages(room.modlog)]


async def status(room: Newsroom, message_id: int) -> str | None:
    rows = await db_rows(room, "SELECT status FROM comments WHERE message_id = ?", (message_id,))
    return rows[0]["status"] if rows else None


def _text_input(opened: object) -> str:
    modal = opened.modal  # type: ignore[attr-defined]
    for row in modal["components"]:
        for item in row.get("components") or [row.get("component") or {}]:
            if item.get("type") == 4:
                return str(item["custom_id"])
    raise AssertionError(f"no text input in {modal}")


async def report(room: Newsroom, reporter: object, message: Message, reason: str, details: str) -> str:
    """Report `message` through the menu, the reason list and the form; returns the confirmation."""
    emu = room.emu
    menu = await emu.use_message_command(reporter, message, "Report comment")  # type: ignore[arg-type]
    assert menu.ephemeral and menu.original is not None, menu.content
    picked = await emu.select(reporter, menu.original, [reason])  # type: ignore[arg-type]
    assert picked.modal is not None
    done = await emu.submit_modal(reporter, picked, {_text_input(picked): details})  # type: ignore[arg-type]
    await emu.wait_for(lambda: "Thank you" in (menu.original.content if menu.original else ""), 5,
                       what="the report's confirmation")
    assert done is not None
    return menu.original.content


async def test_reports_hide_a_comment_at_the_threshold_and_the_queue_resolves_it(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    await room.slash(room.admin, "settings set", {"modlog_channel": room.modlog, "report_threshold": 2})
    thread, _ = await story_thread(room)
    carol = emu.create_user("carol")
    emu.add_member(room.guild, carol)
    rude = emu.send(room.alice, thread, "you are all idiots")
    await eventually(room, lambda: status(room, rude.id), what="the comment recorded")

    confirmation = await report(room, room.bob, rude, "Harassment or abuse", "insults everyone")
    assert "Its author is not told who reported it" in confirmation
    assert not rude.deleted  # one report of two
    queue = await room.slash(room.moderator, "mod queue", channel=thread)
    assert "reported by 1 member (Harassment or abuse: insults everyone)" in queue.content, queue.content
    assert str(room.bob.id) not in queue.content and "bob" not in queue.content  # reporters are never shown

    await report(room, carol, rude, "Spam", "")
    await emu.wait_for(lambda: rude.deleted, 5, what="the reported comment taken down")
    await eventually(room, lambda: db_rows(room, "SELECT 1 FROM comment_holds WHERE message_id = ?", (rude.id,)),
                     what="the hold stored")
    assert await status(room, rude.id) == "removed"
    queue = await room.slash(room.moderator, "mod queue", channel=thread)
    assert "held: reported by members" in queue.content and "reported by 2 members" in queue.content, queue.content
    assert "you are all idiots" in queue.content
    held = f"Newsdesk **held** a comment by <@{room.alice.id}> in <#{thread.id}> for review — reason: reported by 2 members"
    await emu.wait_for(lambda: held in echoes(room), 5, what="the hold in #mod-log")
    # The reported member hears nothing about who reported them.
    assert not [m for m in emu.messages(emu.dm_channel(room.alice)) if "bob" in m.content or "carol" in m.content]

    approved = await emu.press_button(room.moderator, queue.original, label="Approve")  # type: ignore[arg-type]
    await emu.wait_for(lambda: "Approved" in (approved.original.content if approved.original else ""), 5,
                       what="the approval")
    reposts = [m for m in emu.messages(thread) if m.author.id == room.client.user.id and "you are all idiots" in m.content]
    assert len(reposts) == 1
    assert reposts[0].content.startswith("**alice** wrote (held for review, approved; [original context](")
    assert await status(room, rude.id) == "visible"
    empty = await room.slash(room.moderator, "mod queue", channel=thread)
    assert "queue is empty" in empty.content
    # The member's history shows the reports (how many, why; never who) and the hold with its outcome.
    history = await room.slash(room.moderator, "mod user", {"member": room.alice}, channel=thread)
    assert history.original is not None
    assert "reported by 2 members (Harassment or abuse, Spam)" in history.original.content, history.original.content
    assert f"comment {rude.id} held (reported), approved" in history.original.content
    assert "bob" not in history.original.content and "carol" not in history.original.content


async def test_new_commenters_are_held_and_reposted_on_approval(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, _ = await story_thread(room)
    veteran = emu.send(room.bob, thread, "I was here before pre-moderation")
    await eventually(room, lambda: status(room, veteran.id), what="bob's comment recorded")
    rec = await room.slash(room.admin, "settings set", {"premod_first": 1, "modlog_channel": room.modlog})
    assert "their first 1 comment held" in rec.content, rec.content

    first = emu.send(room.alice, thread, "my first comment here")
    await emu.wait_for(lambda: first.deleted, 5, what="the new member's comment held")
    second = emu.send(room.alice, thread, "and a second one")
    await emu.wait_for(lambda: second.deleted, 5, what="the second comment held too (none approved yet)")
    later = emu.send(room.bob, thread, "bob's comments stood before: not held")
    await eventually(room, lambda: status(room, later.id), what="bob's comment recorded")
    assert not later.deleted
    await eventually(room, lambda: db_rows(room, "SELECT COUNT(*) FROM comment_holds WHERE message_id IN (?, ?) "
                                                 "HAVING COUNT(*) = 2", (first.id, second.id)),
                     what="both holds stored")
    queue = await room.slash(room.moderator, "mod queue", channel=thread)
    assert "held: the author is new here" in queue.content and "my first comment here" in queue.content
    dms = [m.content for m in emu.messages(emu.dm_channel(room.alice))]
    assert len(dms) == 1 and "waiting for a moderator" in dms[0], dms  # told once, why
    await emu.press_button(room.moderator, queue.original, label="Approve")  # type: ignore[arg-type]
    await emu.wait_for(lambda: any("my first comment here" in m.content for m in emu.messages(thread)), 5,
                       what="the approved comment re-posted")
    queue = await room.slash(room.moderator, "mod queue", channel=thread)
    assert "and a second one" in queue.content
    rejected = await emu.press_button(room.moderator, queue.original, label="Remove")  # type: ignore[arg-type]
    assert "Rejected" in (rejected.original.content if rejected.original else "")
    assert not any("and a second one" in m.content for m in emu.messages(thread))
    assert await status(room, second.id) == "removed"

    # One comment stood: alice is no longer new.
    third = emu.send(room.alice, thread, "now I am trusted")
    await eventually(room, lambda: status(room, third.id), what="the third comment recorded")
    assert await status(room, third.id) == "visible" and not third.deleted


async def test_automatic_hold_triggers_and_expires(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    await room.slash(room.admin, "settings set", {"modlog_channel": room.modlog, "auto_hold_rejected": 1,
                                                  "auto_hold_window": 5, "auto_hold_hours": 2})
    thread, _ = await story_thread(room)
    comments = [emu.send(room.alice, thread, f"bad comment {i}") for i in range(3)]
    await eventually(room, lambda: status(room, comments[-1].id), what="the comments recorded")
    for c in comments[:2]:
        link = f"https://discord.com/channels/{room.guild.id}/{thread.id}/{c.id}"
        await room.slash(room.moderator, "mod remove", {"message": link, "reason": "rude"}, channel=thread)
    logged = await eventually(room, lambda: db_rows(room, "SELECT * FROM moderation_actions WHERE action = 'auto_hold'"),
                              what="the automatic hold")
    assert len(logged) == 1 and logged[0]["target_user_id"] == room.alice.id
    entry = (f"Newsdesk **put** <@{room.alice.id}> **on pre-moderation** for 2 hours, until "
             f"<t:{int(logged[0]['expires_at'])}:f> (rejected: 2 of their last 5 comments, more than 1)")
    await emu.wait_for(lambda: any(e.startswith(entry) for e in echoes(room)), 5, what="the hold in #mod-log")

    held = emu.send(room.alice, thread, "am I held now?")
    await emu.wait_for(lambda: held.deleted, 5, what="the held member's comment taken down")
    await eventually(room, lambda: db_rows(room, "SELECT 1 FROM comment_holds WHERE message_id = ?", (held.id,)),
                     what="the hold stored")
    queue = await room.slash(room.moderator, "mod queue", channel=thread)
    assert "held: the author is on an automatic hold" in queue.content, queue.content

    # Bring the end forward (as if two hours had passed), across a restart: the persisted timer ends it.
    key = f"hold:{room.guild.id}:{room.alice.id}"
    timer = await room.svc.stores.timers.get_key(key)
    assert timer is not None and timer.due_at > time.time() + 7000
    soon = time.time() + 1
    await room.svc.stores.db.execute("UPDATE member_holds SET expires_at = ?", (soon,))
    await room.svc.stores.timers.schedule(timer.event, soon, timer.payload, key=key)
    await room.restart()
    ended = f"Newsdesk **ended the pre-moderation hold** on <@{room.alice.id}> — reason: the automatic hold expired"
    await emu.wait_for(lambda: ended in echoes(room), 10, what="the hold's end in #mod-log")
    free = emu.send(room.alice, thread, "free again")
    await eventually(room, lambda: status(room, free.id), what="the comment after the hold")
    assert await status(room, free.id) == "visible" and not free.deleted
