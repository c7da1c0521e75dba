"""/mod ban with remove_past end to end through the emulator: one confirmation, removal thread by thread with
progress in the moderator's reply, interrupted by a restart and finished after it; the ban keeps new comments
out until /mod unban."""

from __future__ import annotations

from bot.moderation.bans import removal_batches, snowflake_time
from emulator.model import Message
from tests.comments_support import db_rows, eventually, story_thread
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


async def status(room: Newsroom, message: Message) -> str | None:
    comment = await room.svc.comments.get(message.id)
    return comment.status if comment else None


async def test_ban_removes_past_comments_across_a_restart(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    await room.slash(room.admin, "settings set", {"modlog_channel": room.modlog})
    first, _ = await story_thread(room)
    second, _ = await story_thread(room, slug="parks", title="New park opens downtown", subscribe=False)
    early = [emu.send(room.bob, first, f"spam one {n}") for n in range(3)]
    late = [emu.send(room.bob, second, f"spam two {n}") for n in range(3)]
    keep = emu.send(room.alice, second, "a fine comment")
    await eventually(room, lambda: status(room, keep), what="comments recorded")

    # The second thread's bulk delete hangs: the bot is restarted while it waits.
    emu.faults.slow(f"POST /channels/{second.id}/messages/bulk-delete", 8.0, times=1)
    rec = await room.slash(room.moderator, "mod ban", {"member": room.bob, "remove_past": True}, channel=first)
    assert rec.ephemeral and "**6 comments**" in rec.content, rec.content
    assert rec.original is not None
    other = await emu.press_button(room.admin, rec.original, label="Ban and remove 6")
    assert "Only the person" in other.content and not early[0].deleted
    done = await emu.press_button(room.moderator, rec.original, label="Ban and remove 6")
    await emu.wait_for(lambda: done.original and "3 of 6 done" in done.original.content, 10,
                       what="progress after the first thread")
    assert all(m.deleted for m in early) and not any(m.deleted for m in late)
    assert len(await db_rows(room, "SELECT * FROM ban_removals")) == 3

    await room.restart()  # interrupted mid-removal; what is left is finished at start-up
    await emu.wait_for(lambda: all(m.deleted for m in late), 15, what="the rest removed after the restart")
    await eventually(room, lambda: _empty(room), what="the removal queue emptied")
    assert {await status(room, m) for m in early + late} == {"removed"} and not keep.deleted
    await emu.wait_for(lambda: any("**purged** 3 comments" in m.content for m in emu.messages(room.modlog)), 10,
                       what="the end of the removal in #mod-log")
    assert any("**banned**" in m.content and "removing 6 earlier comments" in m.content
               for m in emu.messages(room.modlog))

    # Banned: a new comment is removed at once; after /mod unban it stays.
    blocked = emu.send(room.bob, first, "still here")
    await emu.wait_for(lambda: blocked.deleted, 10, what="the banned member's new comment removed")
    rec = await room.slash(room.moderator, "mod unban", {"member": room.bob}, channel=first)
    assert "can comment again" in rec.content
    welcome = emu.send(room.bob, first, "sorry about that")
    await eventually(room, lambda: status(room, welcome), what="the comment after the unban recorded")
    assert await status(room, welcome) == "visible" and not welcome.deleted
    again = await room.slash(room.moderator, "mod unban", {"member": room.bob}, channel=first)
    assert "is not banned" in again.content


async def test_a_refused_removal_is_reported_not_retried_forever(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, _ = await story_thread(room)
    said = [emu.send(room.bob, thread, f"spam {n}") for n in range(2)]
    await eventually(room, lambda: status(room, said[-1]), what="comments recorded")
    emu.faults.fail(f"POST /channels/{thread.id}/messages/bulk-delete", status=403, times=1)
    rec = await room.slash(room.moderator, "mod ban", {"member": room.bob, "remove_past": True,
                                                       "reason": "spam"}, channel=thread)
    assert rec.original is not None
    done = await emu.press_button(room.moderator, rec.original, label="Ban and remove 2")
    await emu.wait_for(lambda: done.original and "Removed 0 of 2" in done.original.content, 10,
                       what="the removal's end")
    assert done.original is not None and "2 could not be removed" in done.original.content
    assert not any(m.deleted for m in said) and await _empty(room)
    assert {await status(room, m) for m in said} == {"visible"}  # still up on Discord: not marked removed
    logged = await room.slash(room.moderator, "mod log", {"user": room.bob})
    assert "(2 could not be removed)" in logged.content and "**banned**" in logged.content


async def _empty(room: Newsroom) -> bool:
    return not await db_rows(room, "SELECT * FROM ban_removals")


def test_old_messages_are_deleted_one_by_one_recent_ones_in_bulk() -> None:
    now = 1_800_000_000.0

    def made(seconds_ago: float) -> int:
        return (int((now - seconds_ago) * 1000) - 1_420_070_400_000) << 22

    recent = [made(60 + n) for n in range(150)]
    old = [made(15 * 86400 + n) for n in range(12)]
    assert abs(snowflake_time(recent[0]) - (now - 60)) < 0.01
    batches = removal_batches(recent + old, now)
    assert [(len(b.message_ids), b.bulk) for b in batches] == [(100, True), (50, True), (10, False), (2, False)]
    assert removal_batches([recent[0]], now)[0].bulk is False  # bulk delete takes 2 to 100
