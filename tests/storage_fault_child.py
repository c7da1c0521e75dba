"""A process that streams comments through the real writer while its disk fails, for test_storage_faults.

    python -m tests.storage_fault_child DB fsize|readonly|stream COUNT

`fsize`: the file-size limit (RLIMIT_FSIZE, like `ulimit -f`) is set just above the database's size, so
SQLite's writes fail as on a full disk; after the writer reports failing it is lifted. `readonly`: the
database file is not writable by this process (the test runs it as another user); it prints `FIX` and waits
for a line on stdin once the test made it writable. Prints one JSON line: the message ids the writer
acknowledged (submit returned), what it refused, and what the commands saw.
`stream`: writes chunks of 100 comments through the writer and the bot's own connection for ever, printing
`FLUSHED <last id>` once each chunk is committed, until the test kills it.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import sys
import time

from bot.storage.comments import CommentStore
from bot.storage.engines import open_database
from bot.storage.errors import StorageUnavailable
from bot.storage.writer import ThreadedBatchWriter


async def wait_for(condition: object, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def stream(path: str) -> None:
    db = await open_database(path)
    writer = ThreadedBatchWriter(path, interval=0.005)
    writer.attach(db)
    store = CommentStore(db, writer)
    mid = 0
    while True:
        for _ in range(100):
            mid += 1
            store.submit(mid, 1, 10, None, 7, "Reader", f"comment {mid}", None, (), 1000.0 + mid, None)
        await db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last', ?)", (str(mid),))
        await writer.flush()
        print(f"FLUSHED {mid}", flush=True)
        await asyncio.sleep(0.005)


async def main(path: str, mode: str, count: int) -> None:
    if mode == "stream":
        return await stream(path)
    db = await open_database(path)
    writer = ThreadedBatchWriter(path, interval=0.005, retry_interval=0.05, max_pending=count // 2)
    writer.attach(db)
    recovered = asyncio.Event()
    writer.add_recovery_listener(recovered.set)
    store = CommentStore(db, writer)
    if mode == "fsize":
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        size = max(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 96 * 1024, resource.RLIM_INFINITY))
    acked: list[int] = []
    refused = 0
    for mid in range(1, count + 1):
        try:
            store.submit(mid, 1, 10, None, 7, "Reader", f"comment {mid} " + "x" * 400, None, (), 1000.0 + mid, None)
            acked.append(mid)
        except StorageUnavailable:
            refused += 1
        if mid % 50 == 0:
            await asyncio.sleep(0.002)
    failed = await wait_for(lambda: writer.failure is not None)
    seen: dict[str, str] = {}
    for name, action in (("write", writer.write([("SELECT 1", ())])), ("flush", writer.flush())):
        try:
            await action
            seen[name] = "ok"
        except StorageUnavailable as exc:
            seen[name] = str(exc)
    if mode == "fsize":
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    else:
        print("FIX", flush=True)
        sys.stdin.readline()
    await asyncio.wait_for(recovered.wait(), 20)
    stored = await db.fetchval("SELECT COUNT(*) FROM comments")  # the read barrier: no flush by hand
    await writer.close()
    await db.close()
    print(json.dumps({"acked": acked, "refused": refused, "failed": failed, "seen": seen, "stored": stored,
                      "dropped": writer.dropped_units, "refused_units": writer.refused_units}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
