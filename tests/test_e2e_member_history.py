"""A member's history for moderators: /mod note, /mod user and the "Member history" user menu (comments,
removals, mutes, notes; paged; private), end to end through the emulator."""

from __future__ import annotations

from tests.comments_support import eventually, story_thread
from tests.emulator_fixtures import E2E_MARKS
from tests.newsdesk_harness import Newsroom, newsroom

pytestmark = E2E_MARKS
__all__ = ["newsroom"]


async def test_moderators_see_a_members_whole_history_with_notes(newsroom: Newsroom) -> None:
    room = newsroom
    emu = room.emu
    await room.start()
    thread, _ = await story_thread(room)
    said = [emu.send(room.bob, thread, f"bob's take number {n}") for n in range(25)]
    await eventually(room, lambda: room.svc.comments.get(said[-1].id), what="bob's comments recorded")
    noted = await room.slash(room.moderator, "mod note", {"user": room.bob, "text": "warned about <@&1> spam"},
                             channel=thread)
    assert noted.ephemeral and "has 1 note from moderators" in noted.content
    await room.slash(room.moderator, "mod mute", {"user": room.bob, "duration": "1h", "reason": "cool off"},
                     channel=thread)

    history = await room.slash(room.moderator, "mod user", {"member": room.bob}, channel=thread)
    assert history.ephemeral
    first = history.original
    assert first is not None and "25 comments (0 removed); muted until" in first.content
    assert "warned about" in first.content and "<@&1>" not in first.content  # a note cannot ping a role
    assert "**muted**" in first.content and "cool off" in first.content
    assert "page 1/2" in first.content  # 25 comments + note + mute: two pages, Previous/Next buttons
    page2 = await emu.press_button(room.moderator, first, label="Next ▶")
    assert page2.original is not None and "bob's take number" in page2.original.content

    menu = await emu.use_user_command(room.moderator, room.bob, thread, "Member history")
    assert menu.ephemeral and menu.original is not None and "25 comments" in menu.original.content
    try:
        await emu.use_user_command(room.alice, room.bob, thread, "Member history")
    except PermissionError as refused:  # hidden from members without Manage Messages
        assert "Manage Messages" in str(refused)
    else:
        raise AssertionError("a reader could open a member's history")
