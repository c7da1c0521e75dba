"""Comment recording defects found in review, end to end."""

from __future__ import annotations

from tests.comments_support import db_rows, eventually, story_thread
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


async def _alice_rows(room: Newsroom) -> list[dict]:
    return [*await db_rows(room, "SELECT message_id, content FROM comments WHERE author_id = ?", (room.alice.id,)),
            *await db_rows(room, "SELECT message_id, emoji FROM reactions WHERE user_id = ?", (room.alice.id,))]


async def test_forget_me_is_not_undone_by_a_backfill_or_a_later_edit(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, post = await story_thread(room)
    said = emu.send(room.alice, thread, "my opinion, which I later regret")
    reply = emu.send(room.bob, thread, "a reply to alice", reply_to=said)
    emu.react(room.alice, reply, "👍")
    emu.react(room.alice, post, "🎉")
    await eventually(room, lambda: db_rows(room, "SELECT 1 FROM reactions WHERE user_id = ? AND emoji = '🎉'",
                                           (room.alice.id,)), what="alice's data recorded")
    rec = await room.slash(room.alice, "privacy forget-me", channel=thread)
    done = await emu.press_button(room.alice, rec.original, label="Delete my data")  # type: ignore[arg-type]
    assert "Done:" in done.original.content  # type: ignore[union-attr]
    assert await _alice_rows(room) == []

    # Her messages and reactions are still on Discord; catching up after a restart must not store them again.
    await room.restart()
    assert room.bot is not None
    listener = room.client.comment_listener
    await listener.backfill()  # type: ignore[union-attr]
    assert await _alice_rows(room) == [], "forget-me was undone by the backfill"
    # An edit of a message written before the request does not bring it back either.
    emu.edit(room.alice, said, "my opinion, edited")
    fresh = emu.send(room.alice, thread, "a new comment, after the request")
    await eventually(room, lambda: db_rows(room, "SELECT 1 FROM comments WHERE message_id = ?", (fresh.id,)),
                     what="the new comment")
    assert [r["message_id"] for r in await _alice_rows(room)] == [fresh.id]
    # What she does from now on is recorded as usual.
    emu.react(room.alice, reply, "❤️")
    await eventually(room, lambda: db_rows(room, "SELECT 1 FROM reactions WHERE user_id = ?", (room.alice.id,)),
                     what="a new reaction")


async def test_an_export_too_big_to_upload_says_what_to_do(newsroom: Newsroom) -> None:
    room = newsroom
    await room.start()
    thread, _ = await story_thread(room)
    assert room.services is not None and room.bot is not None
    guild = room.client.get_guild(room.guild.id)
    assert guild is not None
    # A big server's history: more text than Discord accepts in one upload.
    words = "a long comment " * 300
    await room.svc.stores.db.run_batch([(
        "INSERT INTO comments (message_id, guild_id, thread_id, author_id, author_name, content, created_at)"
        " VALUES (?,?,?,?,?,?,?)", (10_000 + n, room.guild.id, thread.id, room.bob.id, "bob", words, 1000.0 + n))
        for n in range(guild.filesize_limit // len(words) + 100)])
    rec = await room.slash(room.moderator, "comments export", {}, channel=room.news)
    await room.settled(rec)
    assert "upload limit" in rec.content and "newsdesk export" in rec.content, rec.content
    assert not any(m.attachments for m in rec.messages)


async def _thread_gone(room: Newsroom, thread_id: int) -> bool:
    events = await db_rows(room, "SELECT kind FROM thread_events WHERE thread_id = ?", (thread_id,))
    statuses = await db_rows(room, "SELECT status, deleted_at FROM comments WHERE thread_id = ?", (thread_id,))
    return ("deleted" in [e["kind"] for e in events] and bool(statuses)
            and all(s["status"] == "deleted" and s["deleted_at"] for s in statuses))


async def test_a_deleted_thread_takes_its_comments_with_it(newsroom: Newsroom) -> None:
    # Deleting a thread deletes its messages: they must count as deleted (and fall under the retention
    # window), and the thread's history must say deleted, not archived.
    room = newsroom
    emu = room.emu
    await room.start()
    live, _ = await story_thread(room)
    away, _ = await story_thread(room, "budget", "Budget passes", subscribe=False)
    first = emu.send(room.alice, live, "a comment")
    emu.send(room.bob, live, "a reply", reply_to=first)
    last = emu.send(room.bob, away, "a comment in the other thread")
    await eventually(room, lambda: db_rows(room, "SELECT 1 FROM comments WHERE message_id = ?", (last.id,)),
                     what="comments recorded")
    emu.world.delete_channel(live)
    await eventually(room, lambda: _thread_gone(room, live.id), what="the deleted thread recorded")
    await room.stop()
    emu.world.delete_channel(away)  # while the bot is away: the backfill finds it gone
    await room.start()
    await eventually(room, lambda: _thread_gone(room, away.id), within=10, what="the thread deleted while away")


async def test_one_failed_digest_does_not_stop_the_daily_digests(newsroom: Newsroom) -> None:
    # A loop that stopped for good on an exception it did not expect (a database error, a bug in one guild's
    # data) would never post a digest again until a restart.
    room = newsroom
    await room.start()
    assert room.services is not None and room.bot is not None
    await room.svc.stores.guild_settings.update(room.guild.id, digest_channel_id=room.news.id, digest_time="00:00")
    stats = room.svc.stats
    real_ranked = stats.ranked
    calls: list[int] = []

    async def flaky(guild_id: int, **kwargs: object) -> object:
        calls.append(guild_id)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return await real_ranked(guild_id, **kwargs)  # type: ignore[arg-type]

    stats.ranked = flaky  # type: ignore[method-assign]
    cog = room.client.digest
    assert cog is not None
    cog.background.wake()
    await room.emu.wait_for(lambda: calls, 5, what="the failed digest pass")
    cog.background.wake()
    await room.emu.wait_for(lambda: any("Daily digest" in m.content for m in room.emu.messages(room.news)), 5,
                            what="the digest posted on the next pass")
    assert cog.background.running
