"""The running bot's heartbeat in the database, and the judgement `newsdesk health` (Docker's HEALTHCHECK,
a systemd watchdog script, a monitoring probe) makes of it."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

from bot.formats import plural
from bot.storage.meta import MetaStore

__all__ = ["HEARTBEAT_EVERY", "HEARTBEAT_KEY", "Heartbeat", "feed_worker_key", "heartbeat_key", "judge",
           "read_heartbeat", "write_heartbeat"]

HEARTBEAT_KEY = "heartbeat"
HEARTBEAT_EVERY = 30.0  # seconds between two beats of `newsdesk run`


@dataclass(frozen=True)
class Heartbeat:
    at: float  # unix seconds
    connected: bool  # to Discord's gateway
    servers: int
    stopped: bool = False  # written once by a clean shutdown


def heartbeat_key(shard_ids: tuple[int, ...] | None = None) -> str:
    """Each gateway process on a shared database beats under its own shards (`newsdesk health` with the same
    SHARD_IDS reads its own); one process running every shard uses the plain key."""
    return HEARTBEAT_KEY if not shard_ids else f"{HEARTBEAT_KEY}:shards={','.join(map(str, shard_ids))}"


def feed_worker_key(host: str) -> str:
    """A feed worker (`newsdesk run --role feeds`) beats under its host name: in a container, its own."""
    return f"{HEARTBEAT_KEY}:feeds:{host}"


async def write_heartbeat(meta: MetaStore, beat: Heartbeat, *, key: str = HEARTBEAT_KEY) -> None:
    await meta.set(key, json.dumps(asdict(beat)))


async def read_heartbeat(meta: MetaStore, *, key: str = HEARTBEAT_KEY) -> Heartbeat | None:
    raw = await meta.get(key)
    if raw is None:
        return None
    try:
        return Heartbeat(**json.loads(raw))
    except (TypeError, ValueError):
        return None


def judge(beat: Heartbeat | None, *, max_age: float, now: float | None = None,
          feed_worker: bool = False) -> tuple[bool, str]:
    """(healthy, one line saying so or what is wrong). A feed worker has no gateway: its beat says it runs and
    can write to the database."""
    now = time.time() if now is None else now
    if beat is None:
        return False, ("unhealthy: no heartbeat yet from a feed worker on this host (`newsdesk run --role feeds` "
                       "writes one every 30 s)" if feed_worker else
                       "unhealthy: no heartbeat yet (`newsdesk run` writes one every 30 s once connected)")
    age = max(0.0, now - beat.at)
    if beat.stopped:
        return False, f"unhealthy: the bot stopped {age:.0f} s ago"
    if age > max_age:
        return False, f"unhealthy: no heartbeat for {age:.0f} s (is `newsdesk run` running?)"
    if feed_worker:
        return True, f"ok: feed worker running, heartbeat {age:.0f} s ago"
    if not beat.connected:
        return False, f"unhealthy: running but not connected to Discord's gateway ({age:.0f} s ago)"
    return True, f"ok: connected to Discord, {plural(beat.servers, 'server')}, heartbeat {age:.0f} s ago"
