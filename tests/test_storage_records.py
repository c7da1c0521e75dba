"""Guild settings, timers and moderation stores on a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import regex

from bot.storage.database import Database
from bot.storage.engines import open_database
from bot.storage.guilds import GuildSettingsError, GuildSettingsStore
from bot.storage.moderation import ModerationStore
from bot.storage.timers import TimerStore


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await open_database(database_url)
    yield database
    await database.close()


async def test_guild_settings_defaults_update_and_validation(db: Database) -> None:
    store = GuildSettingsStore(db)
    assert (await store.get(1)).default_mode == "thread"
    s = await store.update(1, news_channel_id=55, auto_summary=True, digest_time="07:30", auto_close_days=3)
    assert (s.news_channel_id, s.auto_summary, s.digest_time, s.auto_close_days) == (55, True, "07:30", 3)
    s = await store.update(1, default_mode="forum")
    assert s.news_channel_id == 55 and s.default_mode == "forum"
    for bad in [{"default_mode": "video"}, {"digest_time": "25:00"}, {"auto_close_days": 0}, {"nope": 1}]:
        with pytest.raises(GuildSettingsError):
            await store.update(1, **bad)
    assert [g.guild_id for g in await store.with_digest()] == []
    await store.update(1, digest_channel_id=77)
    assert [g.guild_id for g in await store.with_digest()] == [1]


async def test_timers_fire_once_and_keys_replace(db: Database) -> None:
    timers = TimerStore(db)
    await timers.schedule("mute_expired", 100.0, {"guild": 1, "user": 2}, key="mute:1:2")
    await timers.schedule("mute_expired", 200.0, {"guild": 1, "user": 2}, key="mute:1:2")
    await timers.schedule("auto_close", 50.0, {"thread": 9})
    assert await timers.next_due_at() == 50.0
    due = await timers.due(150.0)
    assert [t.event for t in due] == ["auto_close"]
    assert await timers.cancel(due[0].id)
    assert (await timers.get_key("mute:1:2")).due_at == 200.0  # type: ignore[union-attr]
    assert await timers.cancel_key("mute:1:2")
    assert await timers.due(1e12) == []


async def test_moderation_log_mutes_filters(db: Database) -> None:
    mod = ModerationStore(db)
    await mod.log(guild_id=1, moderator_id=9, action="lock", target_thread_id=10, reason="heated", at=1.0)
    await mod.log(guild_id=1, moderator_id=9, action="remove", target_user_id=7, reason="spam", at=2.0)
    assert [a.action for a in await mod.actions(1)] == ["remove", "lock"]
    assert [a.action for a in await mod.actions(1, user_id=7)] == ["remove"]

    await mod.mute(1, 7, muted_by=9, reason="cool off", expires_at=100.0)
    assert (await mod.active_mute(1, 7, now=50.0)) is not None
    assert (await mod.active_mute(1, 7, now=150.0)) is None
    assert await mod.unmute(1, 7) and not await mod.unmute(1, 7)

    f = await mod.add_filter(1, "spoiler", is_regex=False, action="flag", created_by=9)
    assert f.compiled().search("big SPOILER here") and not f.compiled().search("spoilers")
    with pytest.raises(regex.error):  # filters are `regex` patterns (a search can time out)
        await mod.add_filter(1, "([", is_regex=True, action="remove", created_by=9)
    with pytest.raises(ValueError):
        await mod.add_filter(1, "x", is_regex=False, action="ban", created_by=9)
    assert [x.pattern for x in await mod.filters(1)] == ["spoiler"]
    assert await mod.remove_filter(1, "spoiler") and await mod.filters(1) == []


async def test_timer_runner_fires_due_timers_and_retries_failures(db: Database) -> None:
    from bot.timer_runner import TimerRunner

    now = [1000.0]
    timers = TimerStore(db)
    runner = TimerRunner(timers, clock=lambda: now[0])
    fired: list[int] = []

    async def ok(timer):
        fired.append(timer.payload["n"])

    async def broken(timer):
        raise RuntimeError("discord is down")

    runner.on("ok", ok)
    runner.on("broken", broken)
    await timers.schedule("ok", 900.0, {"n": 1})          # fell due while the bot was down
    await timers.schedule("ok", 2000.0, {"n": 2})
    await timers.schedule("broken", 950.0, {}, key="b")
    await timers.schedule("nobody", 950.0, {})
    assert await runner.run_due() == 1 and fired == [1]
    retry = await timers.get_key("b")
    assert retry is not None and retry.due_at == 1060.0
    now[0] = 2500.0
    runner.on("broken", ok)  # fixed
    await timers.schedule("broken", 1060.0, {"n": 3}, key="b")
    assert await runner.run_due() == 2 and sorted(fired) == [1, 2, 3]
    assert await timers.next_due_at() is None
