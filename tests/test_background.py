"""BackgroundTask, the one way a service owns a loop: steps repeat, wake-ups are never lost, failures are
retried, stop() ends it. Real asyncio, no Discord; every wait is for an event, with a generous timeout."""

from __future__ import annotations

import asyncio

from bot.background import BackgroundTask

NEVER = 3600.0  # an interval no test outlasts: only a wake-up can bring the next step


async def test_a_wake_up_during_a_step_gets_another_step_at_once() -> None:
    steps = 0
    first_running, release_first, second_done = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def step() -> None:
        nonlocal steps
        steps += 1
        if steps == 1:
            first_running.set()
            await release_first.wait()
        else:
            second_done.set()

    task = BackgroundTask("test-loop", step, every=NEVER)
    task.start()
    try:
        await asyncio.wait_for(first_running.wait(), 5)
        task.wake()  # new work arrives while the first step runs
        release_first.set()
        await asyncio.wait_for(second_done.wait(), 5)
    finally:
        await task.stop()
    assert steps == 2


async def test_a_failing_step_is_logged_and_the_loop_goes_on(caplog: object) -> None:
    calls: list[int] = []
    failed, succeeded = asyncio.Event(), asyncio.Event()

    async def step() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            failed.set()
            raise RuntimeError("database is locked")
        succeeded.set()

    task = BackgroundTask("test-loop", step, every=NEVER)
    task.start()
    try:
        await asyncio.wait_for(failed.wait(), 5)
        task.wake()
        await asyncio.wait_for(succeeded.wait(), 5)
        assert task.running
    finally:
        await task.stop()
    assert not task.running and calls == [0, 1]
    assert "test-loop failed" in caplog.text


async def test_the_step_sets_the_wait_and_after_comes_first() -> None:
    order: list[str] = []
    ready = asyncio.Event()
    third = asyncio.Event()

    async def after() -> None:
        await ready.wait()
        order.append("after")

    async def step() -> float:
        order.append("step")
        if order.count("step") == 3:
            third.set()
        return 0.0  # more is due at once: no wait, no wake-up needed

    task = BackgroundTask("test-loop", step, every=NEVER)
    task.start(after=after)
    task.start(after=after)  # a second start is harmless
    try:
        ready.set()
        await asyncio.wait_for(third.wait(), 5)
    finally:
        await task.stop()
    assert order[:4] == ["after", "step", "step", "step"]
