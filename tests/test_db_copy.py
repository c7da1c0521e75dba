"""`newsdesk db copy`: SQLite → PostgreSQL → SQLite through the real CLI, every row verified, nothing re-announced."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bot.storage.database import load_migrations
from bot.storage.engines import open_database
from tests.postgres_server import create_database, drop_database
from tests.test_cli import newsdesk

TABLES = ("feeds", "subscriptions", "articles", "announcements", "posts", "threads", "comments", "reactions",
          "moderation_actions", "timers", "member_notes", "comment_hours", "comment_revisions")


async def fill(path: Path) -> dict[str, int]:
    """A small but complete database: triggers have written the outbox and the hourly counts."""
    db = await open_database(path)
    now = time.time()
    feed = await db.insert("INSERT INTO feeds (url, created_at) VALUES (?, ?)", ("https://n.example/feed", now))
    sub = await db.insert("INSERT INTO subscriptions (feed_id, guild_id, channel_id, created_at) VALUES (?,?,?,?)",
                          (feed, 1, 2, now))
    for i in range(3):
        article = await db.insert(
            "INSERT INTO articles (feed_id, canonical_url, content_hash, title, first_seen_at, updated_at)"
            " VALUES (?, ?, 'h', ?, ?, ?)", (feed, f"https://n.example/{i}", f"Story {i} — “quoted” ünïcode", now, now))
        post = await db.insert("INSERT INTO posts (article_id, subscription_id, guild_id, channel_id, nonce,"
                               " created_at, message_id, thread_id, posted_at) VALUES (?,?,?,?,?,?,?,?,?)",
                               (article, sub, 1, 2, f"n{i}", now, 500 + i, 600 + i, now))
        if i:
            await db.execute("UPDATE posts SET merged_into = ? WHERE id = ?", (post - 1, post))  # points back
        await db.execute("INSERT INTO threads (thread_id, guild_id, parent_channel_id, article_id, name,"
                         " created_at, updated_at) VALUES (?,?,?,?,?,?,?)", (600 + i, 1, 2, article, f"t{i}", now, now))
        for j in range(4):
            mid = 10_000 + i * 10 + j
            await db.execute("INSERT INTO comments (message_id, guild_id, thread_id, article_id, author_id,"
                             " author_name, content, created_at, parent_id) VALUES (?,?,?,?,?,?,?,?,?)",
                             (mid, 1, 600 + i, article, 70 + j, f"Reader {j}", f"comment {mid} about turnips",
                              now - 3600 * j, mid - 1 if j else None))
    await db.execute("INSERT INTO comment_revisions (message_id, old_content, new_content, edited_at)"
                     " VALUES (10001, 'old', 'comment 10001 about turnips', ?)", (now,))
    await db.execute("INSERT INTO reactions (message_id, guild_id, channel_id, user_id, emoji, added_at)"
                     " VALUES (10000, 1, 600, 71, '👍', ?)", (now,))
    await db.insert("INSERT INTO moderation_actions (guild_id, moderator_id, action, details, created_at)"
                    " VALUES (1, 9, 'lock', '{}', ?)", (now,))
    await db.insert("INSERT INTO timers (event, due_at, payload, key, created_at) VALUES ('mute_expiry', ?,"
                    " '{\"guild_id\": 1}', 'k', ?)", (now + 60, now))
    await db.insert("INSERT INTO member_notes (guild_id, user_id, author_id, text, created_at) VALUES (1,70,9,'n',?)",
                    (now,))
    counts = {t: int(await db.fetchval(f"SELECT COUNT(*) FROM {t}")) for t in TABLES}
    await db.close()
    return counts


async def counts(target: str) -> dict[str, int]:
    db = await open_database(target)
    try:
        return {t: int(await db.fetchval(f"SELECT COUNT(*) FROM {t}")) for t in TABLES}
    finally:
        await db.close()


def test_copy_to_postgresql_and_back_verifies_every_table(tmp_path: Path) -> None:
    source = tmp_path / "source.db"
    expected = asyncio.run(fill(source))
    assert expected["announcements"] == 3 and expected["comment_hours"] >= 4  # written by triggers
    url = asyncio.run(create_database(migrated=False))
    try:
        done = newsdesk("db", "copy", str(source), url)
        assert done.returncode == 0, done.stderr
        assert "row counts and checksums match" in done.stdout and "comments: 12/12 rows" in done.stderr
        # the outbox and the hourly counts are the source's, not doubled by the triggers during the copy
        assert asyncio.run(counts(url)) == expected

        async def next_feed_id() -> int:
            db = await open_database(url)
            try:
                return await db.insert("INSERT INTO feeds (url, created_at) VALUES (?, ?)",
                                       ("https://n.example/other", time.time()))
            finally:
                await db.close()

        assert asyncio.run(next_feed_id()) == 2  # the identity continues after the copied ids

        again = newsdesk("db", "copy", str(source), url)
        assert again.returncode == 2 and "not empty (table" in again.stderr and "--replace" in again.stderr

        back = tmp_path / "back.db"
        home = newsdesk("db", "copy", url, f"sqlite:///{back}")
        assert home.returncode == 0, home.stderr
        got = asyncio.run(counts(str(back)))
        assert got == {**expected, "feeds": 2}

        async def search() -> int:
            db = await open_database(back)
            try:
                return int(await db.fetchval("SELECT COUNT(*) FROM comments_fts WHERE comments_fts MATCH 'turnips'"))
            finally:
                await db.close()

        assert asyncio.run(search()) == 12  # the search index was filled as the comments arrived
    finally:
        asyncio.run(drop_database(url))


def test_copy_refuses_a_missing_source_and_a_bad_url(tmp_path: Path) -> None:
    missing = newsdesk("db", "copy", str(tmp_path / "nope.db"), f"sqlite:///{tmp_path / 'x.db'}")
    assert missing.returncode == 2 and "no database at" in missing.stderr
    assert not (tmp_path / "x.db").exists()
    bad = newsdesk("db", "copy", "mysql://h/db", str(tmp_path / "y.db"))
    assert bad.returncode == 2 and "unknown database URL scheme 'mysql'" in bad.stderr



def test_migrate_from_many_processes_at_once_and_backup_on_postgresql(tmp_path: Path) -> None:
    url = asyncio.run(create_database(migrated=False))
    try:
        env = {"DATABASE_URL": url}
        base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parent.parent), **env}
        procs = [subprocess.Popen([sys.executable, "-m", "bot", "db", "migrate"], env=base, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
        outputs = [p.communicate(timeout=60) for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, outputs
        # each migration was applied by exactly one of them (they take turns, one migration per lock)
        applied = [int(v) for out, _ in outputs if out.startswith("applied migrations ")
                   for v in out.split(" (")[0].split(";")[0].removeprefix("applied migrations ").split(", ")]
        assert sorted(applied) == [m.version for m in load_migrations()], outputs
        newest = max(m.version for m in load_migrations())
        assert all(f"schema version {newest} at postgresql://" in out or f"up to date (version {newest})" in out
                   for out, _ in outputs)

        if shutil.which("pg_dump"):
            done = newsdesk("db", "backup", str(tmp_path), env=env)
            assert done.returncode == 0, done.stderr
            dumps = list(tmp_path.glob("newsdesk-*.dump"))
            assert len(dumps) == 1 and dumps[0].stat().st_mode & 0o777 == 0o600
            assert dumps[0].read_bytes().startswith(b"PGDMP")
    finally:
        asyncio.run(drop_database(url))
