"""The load-test fast path: many plain user messages stored and dispatched without Discord's checks.

It bypasses the rules of `emulator.messages` on purpose (no permission, slowmode or limit checks) so that
ingest benchmarks measure the bot, not the emulator; every payload still comes from `World.message_payload`,
so what the bot receives is what the normal path would send.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from emulator.messages import World
from emulator.model import Channel, Message, User, iso

__all__ = ["inject_messages"]

_CONTENT_MARK = "\u0001content\u0001"
_TS_MARK = "\u0001timestamp\u0001"
_REF_MARK = "\u0001reference\u0001"
_REFMSG_MARK = "\u0001referenced\u0001"
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _split_template(text: str, marks: list[str]) -> list[str]:
    """`text` cut at each of `marks` (in the order they appear): len(marks) + 1 pieces."""
    parts = []
    for mark in marks:
        before, text = text.split(mark, 1)
        parts.append(before)
    return [*parts, text]


def inject_messages(world: World, author: User, channel: Channel, contents: Iterable[str],
                    reply_to: Sequence[int | None] | None = None) -> int:
    """Fast path for load tests: store and dispatch many plain user messages (no permission checks).

    The MESSAGE_CREATE JSON is rendered once as a template and only id, content and timestamp are
    spliced in per message; contents with mentions go through the normal path. `reply_to[i]`, when
    given and not None, is the index of an earlier message of this call that message i replies to
    (type 19 with message_reference and the parent as referenced_message, as Discord sends it).
    """
    template = Message(id=0, channel_id=channel.id, guild_id=channel.guild_id, author=author,
                       content=_CONTENT_MARK)
    payload = world.message_payload(template)
    payload["timestamp"] = _TS_MARK
    head, middle, mid_a, mid_b = _split_template(_dumps(payload), ['"0"', _dumps(_CONTENT_MARK),
                                                                  _dumps(_TS_MARK)])
    reply_payload = {**payload, "type": 19, "message_reference": {
        "type": 0, "message_id": _REF_MARK, "channel_id": str(channel.id), "guild_id": str(channel.guild_id),
        "fail_if_not_exists": False}, "referenced_message": _REFMSG_MARK}
    r_parts = _split_template(_dumps(reply_payload), ['"0"', _dumps(_CONTENT_MARK), _dumps(_TS_MARK),
                                                      _dumps(_REF_MARK), _dumps(_REFMSG_MARK)])
    hidden_ok = world.content_visible_to_bot(template)
    store = world.messages[channel.id]
    index = world.message_index
    dispatch_json = world.emit_json
    rendered: list[tuple[int, str]] = []  # (id, full JSON) of each message of this call, for replies
    n = 0
    for i, content in enumerate(contents):
        parent = reply_to[i] if reply_to is not None and i < len(reply_to) else None
        if "<@" in content or "@everyone" in content:
            ref = rendered[parent][0] if parent is not None else None
            m = world.post_message(author, channel, content, check=False, reply_to=ref)
            rendered.append((m.id, _dumps(world.message_payload(m, with_reference=False))))
            n += 1
            continue
        message = Message(id=world.ids.next(), channel_id=channel.id, guild_id=channel.guild_id, author=author,
                          content=content)
        store[message.id] = index[message.id] = message
        sid = f'"{message.id}"'
        ts = f'"{iso(message.created_at)}"'
        body = _dumps(content)
        if parent is None:
            full = f"{head}{sid}{middle}{body}{mid_a}{ts}{mid_b}"
            hidden = None if hidden_ok else f'{head}{sid}{middle}""{mid_a}{ts}{mid_b}'
        else:
            parent_id, parent_json = rendered[parent]
            message.type, message.reference_id = 19, parent_id
            a, b, c, d, e, f = r_parts
            full = f'{a}{sid}{b}{body}{c}{ts}{d}"{parent_id}"{e}{parent_json}{f}'
            hidden = None if hidden_ok else f'{a}{sid}{b}""{c}{ts}{d}"{parent_id}"{e}null{f}'
        # As someone else's referenced_message a reply keeps its reference, without the nested message.
        rendered.append((message.id, full if parent is None else
                         f'{a}{sid}{b}{body}{c}{ts}{d}"{parent_id}"{e}null{f}'))
        dispatch_json("MESSAGE_CREATE", channel.guild_id, full, hidden)
        n += 1
    if store:
        channel.last_message_id = next(reversed(store))
    return n
