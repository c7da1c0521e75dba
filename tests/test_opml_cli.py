"""`newsdesk feed import|export` in process (newsdesk.cli.main): an OPML file's feeds are followed in a guild
(served on 127.0.0.1), exported again and imported into a fresh database from the export alone (its channels);
a hostile file changes nothing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.feeds.opml import parse_opml
from newsdesk import cli
from tests.loopback import serve

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title><link>http://x.example/</link>
<item><title>{name} first story</title><link>http://x.example/{name}/1</link><guid>{name}-1</guid></item>
</channel></rss>"""


@pytest.fixture
def feed_base() -> Iterator[str]:
    """Two feeds on 127.0.0.1, served from their own loop (main() runs asyncio.run itself)."""
    loop = asyncio.new_event_loop()
    started: list[str] = []
    stop = asyncio.Event()
    ready = threading.Event()

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=RSS.format(name=request.match_info["name"]), content_type="application/rss+xml")

    async def run() -> None:
        async with serve(lambda app: app.router.add_get("/{name}.xml", handler)) as base:
            started.append(base)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield started[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def subscriptions(db: Path) -> list[tuple[int, int, str]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("SELECT s.guild_id, s.channel_id, f.url FROM subscriptions s "
                                   "JOIN feeds f ON f.id = s.feed_id"))


def test_import_export_round_trip(feed_base: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    opml = tmp_path / "reader.opml"
    opml.write_text(f"""<opml version="1.0"><body><outline text="Folder">
      <outline text="City" xmlUrl="{feed_base}/city.xml"/><outline text="Science" xmlUrl="{feed_base}/science.xml"/>
      <outline text="Gone" xmlUrl="{feed_base.replace('http://127.0.0.1', 'http://127.0.0.1:1')}"/>
    </outline></body></opml>""")
    db = tmp_path / "news.db"
    assert cli.main(["feed", "import", str(opml), "--guild", "7", "--channel", "70", "--db", str(db)]) == 0
    out = capsys.readouterr()
    assert "followed 2 feeds; 0 already followed; 1 problem" in out.out
    assert "not followed: Gone:" in out.err
    assert subscriptions(db) == [(7, 70, f"{feed_base}/city.xml"), (7, 70, f"{feed_base}/science.xml")]
    # Again: nothing new to follow.
    assert cli.main(["feed", "import", str(opml), "--guild", "7", "--channel", "70", "--db", str(db)]) in (0, 1)
    assert "2 already followed" in capsys.readouterr().out

    exported = tmp_path / "export.opml"
    assert cli.main(["feed", "export", str(exported), "--guild", "7", "--db", str(db)]) == 0
    assert "wrote 2 feeds" in capsys.readouterr().err
    assert {(f.url, f.channel_id) for f in parse_opml(exported.read_bytes()).feeds} == {
        (f"{feed_base}/city.xml", 70), (f"{feed_base}/science.xml", 70)}
    # The export alone says where each feed goes.
    fresh = tmp_path / "fresh.db"
    assert cli.main(["feed", "import", str(exported), "--guild", "7", "--db", str(fresh)]) == 0
    assert subscriptions(fresh) == subscriptions(db)


def test_hostile_or_channelless_files_change_nothing(feed_base: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "news.db"
    hostile = tmp_path / "hostile.opml"
    hostile.write_text('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                       f'<opml><body><outline text="&x;" xmlUrl="{feed_base}/city.xml"/></body></opml>')
    assert cli.main(["feed", "import", str(hostile), "--guild", "7", "--channel", "70", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "declares a DTD or entities" in err and "Nothing was imported" in err
    plain = tmp_path / "plain.opml"
    plain.write_text(f'<opml><body><outline text="City" xmlUrl="{feed_base}/city.xml"/></body></opml>')
    assert cli.main(["feed", "import", str(plain), "--guild", "7", "--db", str(db)]) == 2
    assert "names no channel" in capsys.readouterr().err
    assert not db.exists() or subscriptions(db) == []
