"""What the command line says when something is off: one line that names the problem and the fix.

In process (`newsdesk.cli.main`), against real files and a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.config import OPTIONS
from bot.permissions import BOT_PERMISSIONS
from newsdesk.cli import main

PAGES = {
    "/page": ("text/html", b"<html><head><title>Home</title></head><body><p>Hello</p></body></html>"),
    "/feed.xml": ("application/rss+xml", (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>http://x/</link>'
        + "".join(f"<item><guid>g{n}</guid><title>Story {n}</title><link>http://x/{n}</link>"
                  f"<pubDate>Tue, 01 Dec 2026 2{n % 4}:26:23 +0100</pubDate></item>" for n in range(60))
        + "</channel></rss>").encode()),
    "/one.xml": ("application/rss+xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                 b"<item><guid>g</guid><title>Only</title><link>http://x/1</link></item></channel></rss>"),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        kind, body = PAGES.get(self.path, ("text/plain", b""))
        self.send_response(200 if self.path in PAGES else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for option in OPTIONS:
        monkeypatch.delenv(option.env, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "n.db"))


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_missing_env_file_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--env-file", "/nonexistent.env", "invite-url", "--client-id", "42424242424242424"]) == 2
    assert one_line(capsys.readouterr().err) == (
        "newsdesk: --env-file /nonexistent.env: no such file (without --env-file, .env is read if present)")
    assert main(["--env-file", str(tmp_path), "invite-url", "--client-id", "42424242424242424"]) == 2
    assert one_line(capsys.readouterr().err) == f"newsdesk: --env-file {tmp_path} is a folder; give the settings file, such as .env"
    # Without the option, a missing .env is fine.
    assert main(["invite-url", "--client-id", "42424242424242424"]) == 0


def test_invite_url_with_a_token_that_is_not_one(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    assert main(["invite-url"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "DISCORD_TOKEN does not look like a bot token" in line and "or set DISCORD_TOKEN" not in line


def test_invite_url_explain_without_an_id_lists_the_permissions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invite-url", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "oauth2" not in out and all(f"  {p.name}: {p.why}" in out for p in BOT_PERMISSIONS)
    assert "--client-id" in out


def test_run_offline_explains_in_one_line(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz12345678")
    monkeypatch.setenv("DISCORD_API_BASE", "https://discord.invalid/api/v10")
    assert main(["run"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("newsdesk: cannot reach Discord: the name discord.invalid does not resolve")
    assert "unexpected error" not in line
    monkeypatch.setenv("DISCORD_API_BASE", "http://127.0.0.1:1/api/v10")  # nothing listens on port 1
    assert main(["run"]) == 2
    assert one_line(capsys.readouterr().err).startswith("newsdesk: cannot reach Discord at 127.0.0.1:1 (")


def test_feed_check_into_a_closed_pipe_ends_quietly(site: str, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head` that has finished reading
    stdout = open(write_end, "w")  # main() points this descriptor at /dev/null
    monkeypatch.setattr("sys.stdout", stdout)
    try:
        assert main(["feed", "check", f"{site}/feed.xml"]) == 141
    finally:
        monkeypatch.undo()
        stdout.close()
    assert capsys.readouterr().err == ""


def test_feed_check_on_an_html_page_says_it_once(site: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feed", "check", f"{site}/page"]) == 1
    line = one_line(capsys.readouterr().err)
    assert line == (f"newsdesk: {site}/page is not a feed: an HTML page, not a feed; if it is a web site, "
                    f"`newsdesk feed discover {site}/page` finds the feeds it offers")


def test_feed_check_without_a_scheme(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feed", "check", "notaurl"]) == 1
    line = one_line(capsys.readouterr().err)
    assert line == ("newsdesk: 'notaurl' is not a full web address: it needs http:// or https:// in front, like "
                    "https://example.com/feed")


def test_feed_check_counts_items_and_prints_utc_times(site: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feed", "check", f"{site}/one.xml"]) == 0
    assert "T — 1 item from" in capsys.readouterr().out
    assert main(["feed", "check", "--json", f"{site}/feed.xml"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["published"] == "2026-12-01T19:26:23.000Z"


def test_summarize_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summarize", str(tmp_path)]) == 2
    assert one_line(capsys.readouterr().err) == (
        f"newsdesk: {tmp_path} is a folder: give one article's file (text or HTML), a URL, or - for standard input")
    assert main(["summarize", str(tmp_path / "none.txt")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_summarize_a_feed_url_keeps_the_extractors_log_lines_out(site: str, capsys: pytest.CaptureFixture[str]) -> None:
    # trafilatura logs "ERROR trafilatura.utils: parsed tree length: 1, ..." for a page it cannot parse.
    code = main(["summarize", f"{site}/one.xml"])
    err = capsys.readouterr().err
    assert "trafilatura" not in err and "ERROR" not in err
    assert one_line(err) == f"newsdesk: {site}/one.xml is a news feed, not an article: summarize one of its stories"
    assert code != 0
