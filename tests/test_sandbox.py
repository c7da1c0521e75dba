"""`newsdesk sandbox`, run as a user runs it (one subprocess): the scripted walkthrough's transcript and database,
then the interactive mode driven through a pipe."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import OPTIONS
from demo.interactive import HELP, parse_slash
from demo.walkthrough import COUNTED_TABLES
from newsdesk.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run_newsdesk(*args: str, stdin: str | None = None, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with none of the operator's settings (no token, no .env)."""
    env = {k: v for k, v in os.environ.items() if k not in {o.env for o in OPTIONS}}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([sys.executable, "-m", "bot", "--env-file", os.devnull, *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def printed_counts(out: str) -> dict[str, int]:
    line = out.split("Database: ", 1)[1].splitlines()[1]
    return {name: int(n) for name, n in re.findall(r"(\w+) (\d+)", line)}


HELP_PRESS_EXAMPLE = re.search(r"e\.g\. (press \d+ \w+)", HELP)[1]  # type: ignore[index]

# One run of `newsdesk sandbox --interactive` serves the tests below: the scripted walkthrough comes first,
# then this script is played at the prompt (the whole sandbox is the slowest scenario: run it once).
SCRIPT = [
    "threads",
    "go 2",                                  # the night-bus thread (the QuanTalk one is locked)
    "Night buses are great news for nurses.",
    "show 1",
    "as bob",
    "reply 20 Agreed, my sister works nights at the hospital.",
    "react 20 ❤️",
    "/summarize article length:short bullets:true",
    "/summarize discussion",
    "/mod lock",                             # bob is not a moderator
    "as mod",
    "/mod remove message:[21] reason:Off topic",
    "/comments tree",
    "/mod filter add pattern:idiot",
    "as alice",
    "you idiot",                             # removed by the filter: the transcript says so, and why
    "as mod",
    "/nonsense",
    "react 999 👍",
    "go 3",                                  # the QuanTalk thread (locked; posted last, the newest)
    "as alice",
    "This thread is locked, so this is refused.",
    HELP_PRESS_EXAMPLE,                      # the help's own example works
    "press 1 Summarize",                     # [1] is a settings reply: no buttons
    "/summarize article length:huge",        # not one of the choices: refused as Discord's client would
    "go 2",
    "Long " * 500,                           # 2,500 characters
]


@dataclass
class SandboxRun:
    db: Path
    result: subprocess.CompletedProcess[str]

    @property
    def walkthrough(self) -> str:
        return self.result.stdout.split("Walkthrough done", 1)[0]

    @property
    def session(self) -> str:
        return self.result.stdout.split("Walkthrough done", 1)[1]


@pytest.fixture(scope="module")
def sandbox_run(tmp_path_factory: pytest.TempPathFactory) -> SandboxRun:
    db = tmp_path_factory.mktemp("sandbox") / "sandbox.db"
    # Then end of input: the sandbox finishes cleanly.
    result = run_newsdesk("sandbox", "--db", str(db), "--interactive", stdin="\n".join(SCRIPT) + "\n")
    assert result.returncode == 0, result.stderr + result.stdout[-3000:]
    assert result.stderr == "", "the sandbox should be quiet on stderr (LOG_LEVEL warning by default)"
    return SandboxRun(db, result)


def test_scripted_walkthrough_transcript(sandbox_run: SandboxRun) -> None:
    out = sandbox_run.walkthrough
    flat = " ".join(out.split())  # the transcript wraps long lines

    # The story: subscription without a flood, three posts with threads and summaries, readers, moderation.
    assert "Following Newsdesk Demo Wire in #news (thread mode). 2 current items were marked as already seen" in flat
    for title in ("US bans transactions with Chinese messaging app QuanTalk",
                  "Riverside council approves overnight bus network", "Grid operator asks households"):
        assert f"┃ {title}" in out and f"🧵 {title[:30]}" in out
    assert out.count("Summary (reduced by") == 3 and out.count("[📝 Summarize]") == 3
    assert re.search(r"\[\d+\] bob, replying to \[\d+\]:", out) and "alice › reacts 👍 to" in out
    assert "alice › edits" in out and "— Reduced by" in out and "(only alice sees this)" in out
    assert "Comment removed." in out and "removed a comment by @bob" in out and "reason: Personal attack" in flat
    assert "Discord refused: Thread is locked" in out
    assert "• alice (edited): My parents in Guangzhou" in out and "↳ bob: Same here." in out
    assert "• bob: [removed by a moderator]" in out
    assert re.search(r"📎 comments-\d+-all\.json", out) and "3 comments (1 removed, 2 visible)" in flat
    assert re.search(r"Walkthrough done in \d+\.\d s", sandbox_run.result.stdout)


def test_the_database_holds_what_the_transcript_showed(sandbox_run: SandboxRun) -> None:
    db, out = sandbox_run.db, sandbox_run.result.stdout
    assert f"Database: {db.resolve()}" in out
    assert "See it all in the web dashboard: newsdesk sandbox --web" in out
    # The printed counts were read back from the file.
    counts = {table: rows(db, f"SELECT COUNT(*) FROM {table}")[0][0] for table in COUNTED_TABLES}
    assert printed_counts(out) == counts
    assert counts["articles"] == 5 and counts["posts"] == 3 and counts["threads"] == 3
    assert rows(db, "SELECT COUNT(*) FROM posts WHERE thread_id IS NOT NULL AND message_id IS NOT NULL") == [(3,)]
    walkthrough = rows(db, "SELECT c.author_name, c.status, c.parent_id IS NOT NULL, c.removed_reason "
                           "FROM comments c JOIN articles a ON a.id = c.article_id "
                           "WHERE a.canonical_url LIKE '%us-bans-quantalk-transactions' ORDER BY c.message_id")
    assert walkthrough == [("alice", "visible", 0, None), ("bob", "visible", 1, None),
                           ("bob", "removed", 0, "Personal attack (rule 2)")]
    assert rows(db, "SELECT COUNT(*) FROM comment_revisions") == [(1,)]
    assert sorted(r[0] for r in rows(db, "SELECT emoji FROM reactions WHERE removed_at IS NULL")) == ["❤️", "👍", "😮"]
    assert sorted(r[0] for r in rows(db, "SELECT action FROM moderation_actions")) == [
        "filter_add", "lock", "remove", "remove", "remove"]  # the last by the filter, in the interactive part
    assert rows(db, "SELECT COUNT(*) FROM threads WHERE locked = 1") == [(1,)]


def test_interactive_mode_through_a_pipe(sandbox_run: SandboxRun) -> None:
    session = sandbox_run.session
    assert "You are alice, in #news › 🧵 Grid operator" in session  # the oldest story is posted first
    assert "(locked)" in session
    assert "[20] alice: Night buses are great news for nurses." in session
    assert "[21] bob, replying to [20]: Agreed, my sister works nights" in session
    assert "bob › reacts ❤️ to [20]" in session
    assert "— Reduced by" in session
    assert "┃ What readers are saying: Riverside council" in session
    assert "┃ • > Night buses are great news for nurses." in session  # /summarize discussion quotes alice
    assert "Discord refused: bob may not use /mod" in session  # /mod is hidden from non-moderators
    assert "(only mod sees this): Comment removed." in session and "reason: Off topic" in session
    assert "• alice: Night buses are great news for nurses." in session
    flat_session = " ".join(session.split())
    assert re.search(r"✂ \[\d+\] by alice was removed by Newsdesk \(matched the filter 'idiot'\)", flat_session)
    assert re.search(r"Newsdesk removed a comment by @alice in #Riverside.* — reason: matched the filter 'idiot'",
                     flat_session)
    assert "there is no /nonsense; the bot's slash commands are" in session and "/summarize" in session
    assert "no message [999]" in session
    assert "Discord refused: Thread is locked" in session
    assert "(end of input)" in session
    pressed = session.split(f"alice › presses [Summarize] on [{HELP_PRESS_EXAMPLE.split()[1]}]", 1)[1]
    assert "(only alice sees this)" in pressed.split("›", 1)[0] and "✗" not in pressed.split("›", 1)[0]
    assert "✗ no button 'Summarize' on that message (it has no buttons)" in session
    assert "✗ /summarize article length: 'huge' is not one of the choices (short, medium or long)" in session
    assert "Discord refused: Invalid Form Body: content: Must be 2000 or fewer in length." in session

    night = rows(sandbox_run.db, "SELECT c.author_name, c.status, c.content FROM comments c "
                                 "JOIN articles a ON a.id = c.article_id "
                                 "WHERE a.canonical_url LIKE '%riverside-night-buses' ORDER BY c.message_id")
    assert night == [("alice", "visible", "Night buses are great news for nurses."),
                     ("bob", "removed", "Agreed, my sister works nights at the hospital."),
                     ("alice", "removed", "you idiot")]


def test_the_run_leaves_only_the_database_and_names_the_guild_to_export(
        sandbox_run: SandboxRun, capsys: pytest.CaptureFixture[str]) -> None:
    db, out = sandbox_run.db, sandbox_run.result.stdout
    assert sorted(p.name for p in db.parent.iterdir()) == ["sandbox.db"]  # no empty -wal/-shm beside it
    guild = re.search(r'server "Demo Newsroom" \(guild id (\d+)\)', out)
    assert guild is not None
    assert f"Export it:   newsdesk export --db {db.resolve()} --guild {guild[1]} --format csv" in out
    assert main(["--env-file", os.devnull, "export", "--db", str(db), "--list-guilds"]) == 0
    assert capsys.readouterr().out.startswith(f"{guild[1]}\t")


def test_reusing_db_starts_fresh_and_other_files_are_left_alone(
        sandbox_run: SandboxRun, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for option in OPTIONS:
        monkeypatch.delenv(option.env, raising=False)
    # The previous run: the module's interactive one (a copy), whose session added comments to the walkthrough's.
    db = tmp_path / "sandbox.db"
    shutil.copyfile(sandbox_run.db, db)
    before = printed_counts(sandbox_run.result.stdout)
    assert main(["--env-file", os.devnull, "sandbox", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"--db {db}: replaced the previous sandbox run's database (every run starts fresh)")
    fresh = printed_counts(out)
    assert fresh == {table: rows(db, f"SELECT COUNT(*) FROM {table}")[0][0] for table in COUNTED_TABLES}
    assert fresh["comments"] < before["comments"] and rows(db, "SELECT COUNT(*) FROM feeds") == [(1,)]
    assert rows(db, "SELECT COUNT(*) FROM comments WHERE content LIKE '%Night buses are great news%'") == [(0,)]
    other = tmp_path / "production.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE comments (x)")
    conn.close()
    assert main(["--env-file", os.devnull, "sandbox", "--db", str(other)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"newsdesk: --db {other} exists and it was not made by `newsdesk sandbox`; the sandbox starts from an "
        "empty database: give a new file name")
    assert rows(other, "SELECT name FROM sqlite_master") == [("comments",)]


def test_db_option_must_be_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--env-file", os.devnull, "sandbox", "--db", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.strip().startswith("newsdesk: --db") and "directory" in err


@pytest.mark.parametrize(("line", "expected"), [
    ("/summarize", ("summarize", {})),
    ("/comments  tree", ("comments tree", {})),
    ("/summarize article length:short bullets:true",
     ("summarize article", {"length": "short", "bullets": "true"})),
    ("/feed add url:http://127.0.0.1:8080/feed.xml channel:#news",
     ("feed add", {"url": "http://127.0.0.1:8080/feed.xml", "channel": "#news"})),
])
def test_parse_slash(line: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_slash(line) == expected


def test_parse_slash_with_known_options_keeps_colons_in_values() -> None:
    assert parse_slash("/mod lock reason:too hot: see rule 3", {"reason"}) == (
        "mod lock", {"reason": "too hot: see rule 3"})
    assert parse_slash("/mod remove message:[4] reason:spam: links", {"message", "reason"}) == (
        "mod remove", {"message": "[4]", "reason": "spam: links"})


def test_parse_slash_needs_a_command() -> None:
    with pytest.raises(ValueError):
        parse_slash("/length:short")
