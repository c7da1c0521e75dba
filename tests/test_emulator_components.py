"""The emulator checks message components as Discord documents them (discord-api-docs,
docs/components/reference.mdx): legacy action rows, and Components V2 messages (flag 1 << 15) with their
layout rules, their 40-component and 4,000-character limits, and no content or embeds beside them."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import ApiError, DiscordEmulator
from emulator.components import IS_COMPONENTS_V2

V2 = IS_COMPONENTS_V2


def text(content: str) -> dict[str, Any]:
    return {"type": 10, "content": content}


def button(custom_id: str) -> dict[str, Any]:
    return {"type": 2, "style": 2, "label": "Go", "custom_id": custom_id}


def card() -> list[dict[str, Any]]:
    return [{"type": 17, "accent_color": 0x2B6CB0, "components": [
        {"type": 9, "components": [text("# Title")], "accessory": {"type": 11, "media": {"url": "https://i.example/a.png"}}},
        {"type": 14, "divider": True, "spacing": 1},
        {"type": 12, "items": [{"media": {"url": "https://i.example/b.png"}, "description": "alt"}]},
        {"type": 1, "components": [button("a"), button("b")]},
    ]}]


@pytest.fixture
def world(emulator: DiscordEmulator) -> Any:
    guild = emulator.create_guild("Newsroom")
    return emulator.world, emulator.create_channel(guild, "news")


def refused(world: Any, channel: Any, **fields: Any) -> str:
    w = world
    with pytest.raises(ApiError) as caught:
        w.post_message(w.bot_user, channel, **fields)
    assert caught.value.status == 400 and caught.value.code == 50035
    return caught.value.details()


def test_a_v2_card_is_accepted_and_its_components_numbered(world: Any) -> None:
    w, channel = world
    message = w.post_message(w.bot_user, channel, components=card(), flags=V2)
    ids = [message.components[0]["id"], message.components[0]["components"][0]["id"]]
    assert ids == [1, 2] and message.flags & V2


def test_content_or_embeds_beside_v2_components_are_refused(world: Any) -> None:
    w, channel = world
    assert "content: The 'content' field cannot be used" in refused(w, channel, content="hi", components=card(),
                                                                     flags=V2)
    assert "embeds: The 'embeds' field cannot be used" in refused(w, channel, embeds=[{"title": "t"}],
                                                                   components=card(), flags=V2)


def test_v2_components_need_the_flag_and_legacy_messages_take_five_action_rows(world: Any) -> None:
    w, channel = world
    assert "must be one of (1)" in refused(w, channel, content="x", components=[text("hi")])
    assert "Must be 5 or fewer" in refused(
        w, channel, content="x", components=[{"type": 1, "components": [button(str(n))]} for n in range(6)])
    w.post_message(w.bot_user, channel, content="x", components=[{"type": 1, "components": [button("ok")]}])


@pytest.mark.parametrize(("components", "says"), [
    ([text("x")] * 41, "40 or fewer in total"),
    ([text("x" * 2001), text("y" * 2000)], "4000 or fewer"),
    ([{"type": 11, "media": {"url": "https://i.example/a.png"}}], "components.0.type"),  # a thumbnail is an accessory
    ([{"type": 9, "components": [text("a")] * 4, "accessory": button("b")}], "between 1 and 3"),
    ([{"type": 9, "components": [text("a")]}], "accessory: This field is required"),
    ([{"type": 12, "items": []}], "between 1 and 10"),
    ([{"type": 12, "items": [{"media": {"url": "javascript:x"}}]}], "Not a well formed URL"),
    ([{"type": 17, "components": []}], "1 or more"),
    ([{"type": 17, "components": [{"type": 17, "components": [text("a")]}]}], "components.0.components.0.type"),
    ([{"type": 14, "spacing": 3}], "spacing"),
    ([text("")], "content: This field is required"),
    ([{"type": 1, "components": [button("a"), button("a")]}], "cannot be duplicated"),
    ([{"type": 1, "components": [{"type": 2, "style": 5, "label": "x", "custom_id": "c"}]}], "link button"),
    ([{"type": 13, "file": {"url": "https://x.example/f.zip"}}], "attachment://"),
])
def test_v2_layout_rules(world: Any, components: list[dict[str, Any]], says: str) -> None:
    w, channel = world
    assert says in refused(w, channel, components=components, flags=V2)


def test_an_edit_cannot_drop_the_flag_nor_add_content(world: Any) -> None:
    w, channel = world
    message = w.post_message(w.bot_user, channel, components=card(), flags=V2)
    w.edit_message(w.bot_user, message, flags=0, components=[text("edited")])
    assert message.flags & V2 and message.components == [{"type": 10, "content": "edited", "id": 1}]
    with pytest.raises(ApiError, match="50035"):
        w.edit_message(w.bot_user, message, content="now with text")
    plain = w.post_message(w.bot_user, channel, content="hello")
    with pytest.raises(ApiError, match="50035"):  # to become a V2 message, its content must go
        w.edit_message(w.bot_user, plain, flags=V2, components=[text("card")])
    w.edit_message(w.bot_user, plain, content="", flags=V2, components=[text("card")])
    assert plain.flags & V2
