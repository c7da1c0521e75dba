"""Moderation defects found in review, end to end: who may remove what, stale mute expiries, the names
actions are logged under, and what /mod purge does with input it cannot read."""

from __future__ import annotations

from emulator import Perm
from tests.comments_support import db_rows, eventually, story_thread
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


async def _recorded(room: Newsroom, message_id: int) -> bool:
    return bool(await db_rows(room, "SELECT 1 FROM comments WHERE message_id = ?", (message_id,)))


async def test_remove_is_checked_against_the_target_threads_guild_and_permissions(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    # Another server the bot is in, where our moderator is nobody.
    other_owner = emu.create_user("other-owner")
    other = emu.create_guild("Elsewhere", owner=other_owner)
    emu.add_member(other, other_owner)
    elsewhere = emu.create_channel(other, "news")
    # A member of our server with Manage Messages only in #mod-log (a channel overwrite), whom an admin
    # let use /mod remove there.
    helper = emu.create_user("helper")
    emu.add_member(room.guild, helper)
    emu.set_overwrites(room.modlog, {helper: (int(Perm.MANAGE_MESSAGES), 0)})
    emu.allow_command(room.guild, "mod", helper)
    await room.start()
    thread, _ = await story_thread(room)
    assert room.services is not None
    foreign = emu.create_thread(other_owner, elsewhere, "Their story")
    await room.svc.stores.threads.register(thread_id=foreign.id, guild_id=other.id, parent_channel_id=elsewhere.id,
                                         article_id=None, name="Their story")
    room.svc.recorder.track_thread(foreign.id, None)
    theirs = emu.send(other_owner, foreign, "a comment in another server")
    ours = emu.send(room.alice, thread, "a comment here")
    await eventually(room, lambda: _recorded(room, theirs.id), what="foreign comment recorded")
    await eventually(room, lambda: _recorded(room, ours.id), what="comment recorded")

    link = f"https://discord.com/channels/{other.id}/{foreign.id}/{theirs.id}"
    rec = await room.slash(room.moderator, "mod remove", {"message": link, "reason": "cross-server"},
                           channel=room.news)
    assert not theirs.deleted, "a moderator of one server removed a comment in another"
    assert "this server" in rec.content, rec.content

    link = f"https://discord.com/channels/{room.guild.id}/{thread.id}/{ours.id}"
    rec = await room.slash(helper, "mod remove", {"message": link, "reason": "not mine to remove"},
                           channel=room.modlog)
    assert not ours.deleted, "Manage Messages in another channel was enough to remove a comment"
    assert "Manage Messages" in rec.content, rec.content
    assert not await db_rows(room, "SELECT 1 FROM moderation_actions WHERE action = 'remove'")


async def test_actions_are_logged_under_their_names_and_mod_log_reads_well(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, _ = await story_thread(room)
    for command in ("lock", "unlock", "close", "reopen"):
        await room.slash(room.moderator, f"mod {command}", {"reason": f"{command} test"}, channel=thread)
    await room.slash(room.moderator, "mod slowmode", {"seconds": 90}, channel=thread)
    await room.slash(room.moderator, "mod slowmode", {"seconds": 0}, channel=thread)
    await room.slash(room.moderator, "mod filter add", {"pattern": "spoiler", "action": "flag"}, channel=thread)
    await room.slash(room.moderator, "mod mute", {"user": room.alice, "duration": "2h", "reason": "heated"})
    await room.slash(room.moderator, "mod unmute", {"user": room.alice})
    spam = [emu.send(room.bob, thread, f"buy now {n}") for n in range(3)]
    await eventually(room, lambda: _recorded(room, spam[-1].id), what="spam recorded")

    # An article that is not an id must not widen a purge to every article.
    rec = await room.slash(room.moderator, "mod purge", {"user": room.bob, "article": "transit"}, channel=thread)
    assert "article" in rec.content and rec.original is not None and not rec.original.components, rec.content
    rec = await room.slash(room.moderator, "mod purge", {"user": room.bob}, channel=thread)
    done = await emu.press_button(room.moderator, rec.original, label="Remove 3")  # type: ignore[arg-type]
    await emu.wait_for(lambda: "Removed 3" in (done.original.content if done.original else ""), 10,
                       what="purge result")

    logged = await db_rows(room, "SELECT action, details, target_user_id FROM moderation_actions ORDER BY id")
    names = [a["action"] for a in logged]
    assert names == ["lock", "unlock", "close", "reopen", "slowmode", "slowmode", "filter_add", "mute", "unmute",
                     "purge"], names
    assert [a["details"] for a in logged[4:6]] == ['{"seconds": 90}', '{"seconds": 0}']
    assert '"pattern": "spoiler"' in logged[6]["details"]
    purge = logged[-1]
    assert purge["target_user_id"] == room.bob.id and '"count": 3' in purge["details"]
    assert {r["status"] for r in await db_rows(room, "SELECT status FROM comments WHERE author_id = ?",
                                               (room.bob.id,))} == {"removed"}

    text = (await room.slash(room.moderator, "mod log")).content
    lines = text.splitlines()
    assert len(lines) == 10, text
    assert "**purged** 3 comments by <@" in lines[0], lines[0]
    assert "**muted** <@" in lines[2] and " for 2h, until <t:" in lines[2] and "reason: heated" in lines[2], lines[2]
    assert "**added the filter** `spoiler` → flag" in lines[3], lines[3]
    assert f"**turned slowmode off** in <#{thread.id}>" in lines[4], lines[4]
    assert f"**set slowmode** to 1m30s in <#{thread.id}>" in lines[5], lines[5]
    assert f"<@{room.moderator.id}> **locked** <#{thread.id}> — reason: lock test" in lines[9], lines[9]


async def test_purge_and_review_reach_comments_in_closed_threads(newsroom: Newsroom) -> None:
    # discord.py drops archived threads from its cache: a closed (or auto-closed) thread is not found by
    # get_channel, yet its comments are still on Discord.
    room = newsroom
    emu = room.emu
    await room.start()
    await room.slash(room.moderator, "mod filter add", {"pattern": "crypto", "action": "flag"})
    thread, _ = await story_thread(room)
    spam = [emu.send(room.bob, thread, f"buy now {n}") for n in range(2)]
    flagged = emu.send(room.alice, thread, "crypto is great")
    await eventually(room, lambda: _recorded(room, flagged.id), what="comments recorded")
    await room.slash(room.moderator, "mod close", channel=thread)
    assert thread.archived

    rec = await room.slash(room.moderator, "mod purge", {"user": room.bob}, channel=room.news)
    done = await emu.press_button(room.moderator, rec.original, label="Remove 2")  # type: ignore[arg-type]
    await emu.wait_for(lambda: "Removed 2" in (done.original.content if done.original else ""), 10,
                       what="purge result")
    assert all(m.deleted for m in spam), "the purge marked comments removed that are still on Discord"

    queue = await room.slash(room.moderator, "mod queue", channel=room.news)
    removed = await emu.press_button(room.moderator, queue.original, label="Remove")  # type: ignore[arg-type]
    await emu.wait_for(lambda: "Removed." in (removed.original.content if removed.original else ""), 10,
                       what="the review card's answer")
    assert flagged.deleted


async def test_server_wide_commands_need_the_permission_server_wide(newsroom: Newsroom) -> None:
    # Manage Messages granted in one channel only (a channel helper) is not a licence to purge, mute, filter
    # or export across every article thread of the server.
    room = newsroom
    emu = room.emu
    helper = emu.create_user("helper")
    emu.add_member(room.guild, helper)
    emu.set_overwrites(room.modlog, {helper: (int(Perm.MANAGE_MESSAGES), 0)})
    emu.allow_command(room.guild, "mod", helper)
    emu.allow_command(room.guild, "comments", helper)
    await room.start()
    thread, _ = await story_thread(room)
    said = emu.send(room.bob, thread, "an ordinary comment")
    await eventually(room, lambda: _recorded(room, said.id), what="comment recorded")
    for command, options in (("mod purge", {"user": room.bob}), ("mod mute", {"user": room.bob, "duration": "1h",
                                                                              "reason": "x"}),
                             ("mod filter add", {"pattern": "ordinary"}), ("mod log", {}), ("mod queue", {}),
                             ("comments export", {})):
        rec = await room.slash(helper, command, options, channel=room.modlog)
        await room.settled(rec)
        assert "server-wide" in rec.content, (command, rec.content)
        assert not any(m.attachments for m in rec.messages), command
    assert not await db_rows(room, "SELECT 1 FROM comment_mutes")
    assert not await db_rows(room, "SELECT 1 FROM word_filters")
    # A real moderator (a role with the permission) still can.
    rec = await room.slash(room.moderator, "mod log", {}, channel=room.modlog)
    assert "No moderation actions" in rec.content, rec.content


async def test_a_purge_discord_refuses_says_so_and_records_nothing_false(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, _ = await story_thread(room)
    spam = [emu.send(room.bob, thread, f"buy now {n}") for n in range(2)]
    await eventually(room, lambda: _recorded(room, spam[-1].id), what="spam recorded")
    emu.set_overwrites(room.news, {emu.bot_role(room.guild): (0, int(Perm.MANAGE_MESSAGES))})
    rec = await room.slash(room.moderator, "mod purge", {"user": room.bob}, channel=room.news)
    done = await emu.press_button(room.moderator, rec.original, label="Remove 2")  # type: ignore[arg-type]
    await emu.wait_for(lambda: "Manage Messages" in (done.original.content if done.original else ""), 10,
                       what="the purge's answer")
    assert not any(m.deleted for m in spam)
    rows = await db_rows(room, "SELECT status FROM comments WHERE author_id = ?", (room.bob.id,))
    assert {r["status"] for r in rows} == {"visible"}
    assert not await db_rows(room, "SELECT 1 FROM moderation_actions WHERE action = 'purge'")


async def test_the_remove_menu_and_review_card_explain_a_refusal(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    await room.slash(room.moderator, "mod filter add", {"pattern": "crypto", "action": "flag"})
    thread, _ = await story_thread(room)
    rude = emu.send(room.bob, thread, "rude")
    flagged = emu.send(room.bob, thread, "crypto!")
    await eventually(room, lambda: _recorded(room, flagged.id), what="comments recorded")
    emu.set_overwrites(room.news, {emu.bot_role(room.guild): (0, int(Perm.MANAGE_MESSAGES))})

    opened = await emu.use_message_command(room.moderator, rude, "Remove comment")
    assert opened.modal is not None
    text_input = next(c for row in opened.modal["components"] for c in row.get("components", []) if c["type"] == 4)
    submitted = await emu.submit_modal(room.moderator, opened, {text_input["custom_id"]: "rude"})
    await emu.wait_for(lambda: "Discord refused" in submitted.content, 10, what="the menu's answer")

    queue = await room.slash(room.moderator, "mod queue", channel=room.news)
    pressed = await emu.press_button(room.moderator, queue.original, label="Remove")  # type: ignore[arg-type]
    await emu.wait_for(lambda: "Discord refused" in (pressed.original.content if pressed.original else ""), 10,
                       what="the review card's answer")
    assert not rude.deleted and not flagged.deleted


async def test_remove_by_id_in_the_wrong_thread_removes_nothing(newsroom: Newsroom) -> None:
    # A bare id is looked up in the thread the command runs in. An id from another thread (or a typo) is
    # not found there: nothing may be recorded as removed, and the moderator must hear so.
    room = newsroom
    emu = room.emu
    await room.start()
    here, _ = await story_thread(room)
    there, _ = await story_thread(room, "budget", "Budget passes", subscribe=False)
    elsewhere = emu.send(room.bob, there, "a comment in the other thread")
    await eventually(room, lambda: _recorded(room, elsewhere.id), what="comment recorded")
    for wrong in (str(elsewhere.id), "123456789012345678"):
        rec = await room.slash(room.moderator, "mod remove", {"message": wrong, "reason": "oops"}, channel=here)
        assert "not in this thread" in rec.content, rec.content
    assert not elsewhere.deleted
    assert (await db_rows(room, "SELECT status FROM comments WHERE message_id = ?", (elsewhere.id,)))[0]["status"] \
        == "visible"
    assert not await db_rows(room, "SELECT 1 FROM moderation_actions WHERE action = 'remove'")
