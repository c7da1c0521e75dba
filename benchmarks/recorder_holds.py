"""What pre-moderation costs the recorder's synchronous fast path (`CommentRecorder.record_now`), per message.

    python benchmarks/recorder_holds.py [--messages 50000]

Four cases in one run, on a real migrated database (the INSERTs are queued, as on the live path, and written
after the clock stops): a guild without pre-moderation; one with `premod_first` on, the author's comments
having stood (the common case); a new member there (HOLD); a member on an automatic hold (HOLD). Compare the
ratios within one run: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.comments.recorder import CommentRecorder, IncomingMessage
from bot.storage.comments import CommentStore, ReactionStore
from bot.storage.engines import open_database
from bot.storage.moderation import ModerationStore
from bot.storage.threads import ThreadStore
from bot.storage.writer import BatchWriter

PLAIN, PREMOD = 1, 2


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_database(Path(tmp) / "b.db")
        writer = BatchWriter(db, interval=3600)  # nothing written while the clock runs
        threads = ThreadStore(db)
        recorder = CommentRecorder(threads=threads, comments=CommentStore(db, writer),
                                   reactions=ReactionStore(db, writer), moderation=ModerationStore(db))
        article_id = await db.insert(
            "INSERT INTO articles (canonical_url, content_hash, title, first_seen_at, updated_at)"
            " VALUES ('https://n.example/a', 'h', 'Big story', 0, 0)")
        recorder.track_thread(10, article_id)
        recorder.track_thread(20, article_id)
        recorder.set_premod(PREMOD, 3, {author: 5 for author in range(100, 1100)})  # 1,000 established members
        recorder.set_member_hold(PREMOD, 7, time.time() + 3600)
        cases = {"no pre-moderation": (PLAIN, 10, 100), "pre-moderation, established member": (PREMOD, 20, 100),
                 "pre-moderation, new member (held)": (PREMOD, 20, 5000),
                 "automatic hold (held)": (PREMOD, 20, 7)}
        base = None
        next_id = 1
        for name, (guild, thread, author) in cases.items():
            messages = [IncomingMessage(next_id + i, guild, thread, author, "reader", False, "a comment", 1e9)
                        for i in range(count)]
            next_id += count
            record = recorder.record_now
            started = time.perf_counter()
            for m in messages:
                record(m)
            per = (time.perf_counter() - started) / count * 1e9
            base = base or per
            print(f"{name:38s} {per:7.0f} ns/message  ({per / base:.2f}x)")
            recorder.set_premod(PREMOD, 3, {author: 5 for author in range(100, 1100)})  # undo what stood
            await writer.close()
            writer = BatchWriter(db, interval=3600)
            recorder._comments = CommentStore(db, writer)  # a fresh queue per case
        await writer.close()
        await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    asyncio.run(main(parser.parse_args().messages))
