"""Timers shared by several bot processes (SHARD_IDS) on one database fire once, on both engines."""

from __future__ import annotations

import asyncio

from bot.storage.database import Database
from bot.storage.engines import open_database
from bot.storage.timers import Timer, TimerStore
from bot.timer_runner import TimerRunner


async def test_two_processes_fire_a_due_timer_once(database_url: str) -> None:
    first = await open_database(database_url)
    second = await open_database(database_url)  # another process's connection (pool) to the same database
    fired: list[str] = []

    def runner(db: Database, name: str) -> TimerRunner:
        async def close_thread(timer: Timer) -> None:
            await asyncio.sleep(0.05)  # a Discord call: the other process reads the timers meanwhile
            fired.append(name)

        r = TimerRunner(TimerStore(db))
        r.on("auto_close", close_thread)
        return r

    try:
        await TimerStore(first).schedule("auto_close", 0.0, {"thread_id": 5}, key="close:5")
        await TimerStore(first).schedule("auto_close", 0.0, {"thread_id": 6})  # and one without a key
        done = await asyncio.gather(runner(first, "a").run_due(), runner(second, "b").run_due())
        assert len(fired) == 2 and sum(done) == 2, fired
        assert await TimerStore(first).next_due_at() is None
    finally:
        await second.close()
        await first.close()
