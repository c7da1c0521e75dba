"""The gateway websocket: HELLO, heartbeats, IDENTIFY (intents, shards), READY, dispatch with sequence
numbers, RESUME with replay, INVALID_SESSION, member chunk requests, and disconnect faults.

Each session keeps the frames it was sent (bounded), so a client that reconnects with RESUME gets what it
missed, as Discord does. Frames are JSON text: discord.py accepts plain text frames even when it asked for
zlib-stream (it only inflates binary frames).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from emulator import payloads

if TYPE_CHECKING:
    from emulator.webhooks import World
    from emulator.world import Hidden

__all__ = ["Gateway", "Intents", "Session"]

_log = logging.getLogger(__name__)
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Intents:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


def _intent_for(event: str, guild_id: int | None = 0) -> int:
    if guild_id is None and event.startswith("MESSAGE_"):
        return Intents.DIRECT_MESSAGE_REACTIONS if event.startswith("MESSAGE_REACTION") else Intents.DIRECT_MESSAGES
    if event.startswith("MESSAGE_REACTION"):
        return Intents.GUILD_MESSAGE_REACTIONS
    if event.startswith("MESSAGE_"):
        return Intents.GUILD_MESSAGES
    if event.startswith("GUILD_BAN"):
        return Intents.GUILD_MODERATION
    if event.startswith("GUILD_MEMBER"):
        return Intents.GUILD_MEMBERS
    if event.startswith(("GUILD_", "CHANNEL_", "THREAD_")):
        return Intents.GUILDS
    return 0  # INTERACTION_CREATE and friends need no intent


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    shard: tuple[int, int]
    seq: int = 0
    sent: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=50_000))
    ws: web.WebSocketResponse | None = None
    outbox: deque[str] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    valid: bool = True

    def wants(self, event: str, guild_id: int | None) -> bool:
        needed = _intent_for(event, guild_id)
        if needed and not self.intents & needed:
            return False
        if guild_id is None:  # DMs go to shard 0, as Discord does
            return self.shard[0] == 0
        return (guild_id >> 22) % self.shard[1] == self.shard[0]

    def push(self, event: str, data_json: str) -> None:
        self.seq += 1
        frame = f'{{"op":0,"s":{self.seq},"t":"{event}","d":{data_json}}}'
        self.sent.append((self.seq, frame))
        if self.ws is not None:
            self.outbox.append(frame)
            self.wake.set()


class Gateway:
    def __init__(self, world: World, *, token: str, heartbeat_interval_ms: int = 41_250) -> None:
        self.world = world
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: dict[str, Session] = {}
        self.resume_url = ""
        self.identifies = 0
        self.resumes = 0
        self._connections: set[web.WebSocketResponse] = set()
        self._flowing = asyncio.Event()  # cleared by hold(): events queue up instead of being sent
        self._flowing.set()

    # ---- dispatch ---------------------------------------------------------------------------------------------
    def dispatch(self, event: str, payload: dict[str, Any], guild_id: int | None,
                 hidden: Hidden = None) -> None:
        if "__guild__" in payload:
            self._dispatch_guild_create(int(payload["__guild__"]))
            return
        full_json: str | None = None
        hidden_json: str | None = None
        for session in self.sessions.values():
            if not session.valid or not session.wants(event, guild_id):
                continue
            if hidden is not None and not session.intents & Intents.MESSAGE_CONTENT:
                if hidden_json is None:
                    hidden_json = _dumps(hidden())
                session.push(event, hidden_json)
            else:
                if full_json is None:
                    full_json = _dumps(payload)
                session.push(event, full_json)

    def dispatch_json(self, event: str, guild_id: int | None, full_json: str, hidden_json: str | None) -> None:
        """Like `dispatch` for payloads already serialized (the load-test fast path)."""
        for session in self.sessions.values():
            if session.valid and session.wants(event, guild_id):
                if hidden_json is not None and not session.intents & Intents.MESSAGE_CONTENT:
                    session.push(event, hidden_json)
                else:
                    session.push(event, full_json)

    def _dispatch_guild_create(self, guild_id: int) -> None:
        guild = self.world.guilds[guild_id]
        for session in self.sessions.values():
            if session.valid and session.wants("GUILD_CREATE", guild_id):
                data = self.world.guild_payload(guild, with_members=bool(session.intents & Intents.GUILD_MEMBERS))
                session.push("GUILD_CREATE", _dumps(data))

    # ---- faults -----------------------------------------------------------------------------------------------
    async def disconnect(self, *, resumable: bool = True, code: int = 4000) -> None:
        """Drop every connection. Resumable: the client RESUMEs and gets what it missed; otherwise its
        session is invalidated (op 9) and it must IDENTIFY again."""
        for session in self.sessions.values():
            if not resumable:
                session.valid = False
        for ws in list(self._connections):
            await ws.close(code=code, message=b"emulator disconnect")

    def hold(self) -> None:
        """Stop sending dispatches (they queue, in order) until `release()`: a stalled or laggy gateway."""
        self._flowing.clear()

    def release(self) -> None:
        self._flowing.set()

    @property
    def pending(self) -> int:
        """Frames queued for connected sessions but not yet written."""
        return sum(len(s.outbox) for s in self.sessions.values())

    async def send_reconnect(self) -> None:
        """Op 7 RECONNECT: Discord asking the client to reconnect and resume."""
        for ws in list(self._connections):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str('{"op":7,"d":null}')

    async def close_all(self) -> None:
        for ws in list(self._connections):
            await ws.close(code=1001, message=b"emulator stopping")

    # ---- connection handler --------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self._connections.add(ws)
        session: Session | None = None
        writer: asyncio.Task[None] | None = None
        try:
            await ws.send_str(_dumps({"op": 10, "s": None, "t": None,
                                      "d": {"heartbeat_interval": self.heartbeat_interval_ms}}))
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                op = data.get("op")
                if op == 1:
                    await ws.send_str('{"op":11,"s":null,"t":null,"d":null}')
                elif op == 2 and session is None:
                    session = await self._identify(ws, data.get("d") or {})
                    if session is not None:
                        writer = asyncio.create_task(self._writer(session, ws))
                elif op == 6 and session is None:
                    session = await self._resume(ws, data.get("d") or {})
                    if session is not None:
                        writer = asyncio.create_task(self._writer(session, ws))
                elif op == 8:
                    await self._member_chunk(ws, data.get("d") or {})
        finally:
            self._connections.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
                session.outbox.clear()
                session.wake.set()
            if writer is not None:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
        return ws

    async def _writer(self, session: Session, ws: web.WebSocketResponse) -> None:
        try:
            while session.ws is ws and not ws.closed:
                await self._flowing.wait()
                while session.outbox and session.ws is ws and self._flowing.is_set():  # a RESUME elsewhere takes the outbox over
                    await ws.send_str(session.outbox.popleft())
                session.wake.clear()
                if not session.outbox:
                    await session.wake.wait()
        except (ConnectionError, RuntimeError):
            pass  # the socket closed under us; the reader side cleans up

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> Session | None:
        if d.get("token") not in (self.token, f"Bot {self.token}"):
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(d.get("intents", 0))
        allowed = ~Intents.PRIVILEGED | Intents.GUILD_PRESENCES
        if self.world.message_content_allowed:
            allowed |= Intents.MESSAGE_CONTENT
        if self.world.members_intent_allowed:
            allowed |= Intents.GUILD_MEMBERS
        if intents & ~allowed:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = tuple(d.get("shard") or (0, 1))
        session = Session(id=secrets.token_hex(16), intents=intents, shard=(int(shard[0]), int(shard[1])))
        self.sessions[session.id] = session
        self.identifies += 1
        world = self.world
        guild_ids = [g for g in world.guilds
                     if (g >> 22) % session.shard[1] == session.shard[0] and world.bot_in(g)]
        ready = {
            "v": 10,
            "user": {**payloads.user(world.bot_user), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_url,
            "shard": list(session.shard),
            "application": {"id": str(world.application_id), "flags": 1 << 19},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "guild_join_requests": [],
        }
        session.ws = ws
        session.push("READY", _dumps(ready))
        for gid in guild_ids:
            data = world.guild_payload(world.guilds[gid], with_members=bool(intents & Intents.GUILD_MEMBERS))
            session.push("GUILD_CREATE", _dumps(data))
        return session

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> Session | None:
        session = self.sessions.get(str(d.get("session_id")))
        seq = int(d.get("seq") or 0)
        oldest = session.sent[0][0] if session and session.sent else 1
        if (session is None or not session.valid or d.get("token") not in (self.token, f"Bot {self.token}")
                or seq + 1 < oldest):
            await ws.send_str('{"op":9,"s":null,"t":null,"d":false}')
            return None
        self.resumes += 1
        previous = session.ws
        session.ws = ws  # the client may resume before we noticed its old socket close: take over
        session.outbox.clear()
        session.wake.set()
        if previous is not None and not previous.closed:
            await previous.close(code=4000, message=b"session resumed elsewhere")
        for s, frame in session.sent:
            if s > seq:
                session.outbox.append(frame)
        session.push("RESUMED", '{"_trace":["discord-emulator"]}')  # discord.py needs an object
        return session

    async def _member_chunk(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        guild = self.world.guilds.get(int(d.get("guild_id") or 0))
        if guild is None:
            return
        wanted = {int(u) for u in d.get("user_ids") or []}
        members = [payloads.member(m) for uid, m in guild.members.items() if not wanted or uid in wanted]
        chunk = {"guild_id": str(guild.id), "members": members, "chunk_index": 0, "chunk_count": 1,
                 "not_found": [], "presences": []}
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        for session in self.sessions.values():
            if session.ws is ws:
                session.push("GUILD_MEMBERS_CHUNK", _dumps(chunk))
