"""`newsdesk export` as a real subprocess against a database (SQLite, PostgreSQL) filled through the real stores."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from bot.comments.recorder import CommentRecorder, IncomingMessage
from bot.storage.comments import Attachment, CommentStore, ReactionStore
from bot.storage.engines import open_database
from bot.storage.moderation import ModerationStore
from bot.storage.threads import ThreadStore

ROOT = Path(__file__).resolve().parent.parent
GUILD, THREAD = 1111, 2222


def newsdesk(db: Path | str, *args: str) -> subprocess.CompletedProcess[bytes]:
    where = {"DATABASE_URL": str(db)} if str(db).startswith("postgresql:") else {"DATABASE_PATH": str(db)}
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **where}
    return subprocess.run([sys.executable, "-m", "bot", "--env-file", "/dev/null", "export", *args],
                          capture_output=True, timeout=60, env=env, cwd=ROOT)


async def filled(path: Path | str) -> int:
    db = await open_database(path)
    article = await db.insert("INSERT INTO articles (canonical_url, content_hash, title, first_seen_at, updated_at)"
                               " VALUES ('https://n.example/a', 'h', 'Rail strike, \"day two\"', 0, 0)")
    threads = ThreadStore(db)
    await threads.register(thread_id=THREAD, guild_id=GUILD, parent_channel_id=1, article_id=article, name="t")
    comments, reactions = CommentStore(db), ReactionStore(db)
    recorder = CommentRecorder(threads=threads, comments=comments, reactions=reactions,
                               moderation=ModerationStore(db))
    await recorder.load()
    await recorder.on_message(IncomingMessage(10, GUILD, THREAD, 7, "ana", False, "Is the line closed, \"all day\"?",
                                              1.0e9, attachments=(Attachment("map.png", "https://x/map.png", 9),)))
    await recorder.on_message(IncomingMessage(11, GUILD, THREAD, 8, "ben", False, "Yes,\nuntil 6pm.", 1.0e9 + 5,
                                              reply_to_id=10))
    await recorder.on_edit(guild_id=GUILD, thread_id=THREAD, message_id=11, content="Yes, until 7pm.",
                           edited_at=1.0e9 + 60)
    await recorder.on_reaction(added=True, guild_id=GUILD, channel_id=THREAD, message_id=10, user_id=8,
                               emoji="party:4242", at=1.0e9 + 9)
    await recorder.flush()
    await db.close()
    return article


async def test_export_json_csv_file_and_errors(tmp_path: Path, database_url: str) -> None:
    db = database_url
    article = await filled(db)
    out = newsdesk(db, "--guild", str(GUILD))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    by_id = {c["message_id"]: c for c in data["comments"]}
    assert by_id["11"]["parent_id"] == "10" and by_id["11"]["content"] == "Yes, until 7pm."
    assert by_id["11"]["revisions"] == [{"old_content": "Yes,\nuntil 6pm.", "new_content": "Yes, until 7pm.",
                                       "edited_at": "2001-09-09T01:47:40.000Z"}]
    assert by_id["10"]["reactions"][0]["emoji"] == "party:4242" and by_id["10"]["attachments"][0]["name"] == "map.png"

    target = tmp_path / "out.csv"
    out = newsdesk(db, "--guild", str(GUILD), "--format", "csv", "--article", str(article), "--output", str(target))
    assert out.returncode == 0 and b"wrote" in out.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [r["message_id"] for r in rows] == ["10", "11"] and rows[1]["parent_id"] == "10"
    assert rows[0]["content"] == 'Is the line closed, "all day"?' and rows[0]["article_title"].startswith("Rail")
    assert json.loads(rows[1]["revisions"])[0]["old_content"] == "Yes,\nuntil 6pm."

    asked_the_database = ((["--guild", "999"], b"no comments recorded for guild 999; guilds with comments: 1111"),
                          (["--guild", str(GUILD), "--article", "77"], b"no comments recorded for article 77"))
    for args, expected in asked_the_database:
        out = newsdesk(db, *args)
        assert out.returncode == 2 and expected in out.stderr, (args, out.stderr)
        assert b"Traceback" not in out.stderr and b"unexpected" not in out.stderr and len(out.stderr) < 500
    if not str(db).endswith(".db"):
        return  # the rest checks the arguments before the database is opened, and a missing SQLite file
    for args, expected in ((["--guild", "abc"], b"is not a Discord id"),
                           # Past SQLite's 64-bit integers: was "unexpected error: OverflowError" (issue 12).
                           (["--guild", "99999999999999999999999"], b"is not a Discord id (a whole number from 1"),
                           (["--guild", "0"], b"is not a Discord id"),
                           (["--guild", str(GUILD), "--article", "9" * 5000], "999…(5000 characters)".encode()),
                           (["--guild", str(GUILD), "--format", "xml"], b"invalid choice"),
                           (["--guild", str(GUILD), "-o", str(tmp_path / "missing" / "x.json")], b"cannot write")):
        out = newsdesk(db, *args)
        assert out.returncode == 2 and expected in out.stderr, (args, out.stderr)
        assert b"Traceback" not in out.stderr and b"unexpected" not in out.stderr and len(out.stderr) < 500
    out = newsdesk(tmp_path / "none.db", "--guild", "1")
    assert out.returncode == 2 and b"no database at" in out.stderr
