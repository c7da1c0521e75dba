"""The web dashboard in process, against the emulator's OAuth2 endpoints: login with state and PKCE, access
re-checked per server, CSRF on forms, escaping of hostile feed titles and comments, and its pages."""

from __future__ import annotations

import asyncio
import html
import io
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.comments.export import CSV_COLUMNS
from bot.config import load_settings
from bot.feeds.models import FeedItem
from bot.services import Services
from bot.storage.comments import CommentRecord
from bot.storage.insights import InsightStore, fts_query
from demo.stage import DemoStage
from demo.transcript import Transcript
from emulator import DiscordEmulator, User
from emulator.newsroom import NewsServer, build_news_server
from newsdesk.app import launch_bot, open_services
from newsdesk.cli import main
from newsdesk.dashboard import demo_dashboard, discord_for_dashboard, serve_dashboard
from tests.newsdesk_harness import FeedServer, e2e_database_url
from web.render import web_link

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_TITLE = '<script>alert("feed")</script>Wire'
HOSTILE_COMMENT = '<img src=x onerror=alert("comment")> I disagree'


@dataclass
class Site:
    emu: DiscordEmulator
    server: NewsServer
    services: Services
    url: str
    article_id: int
    other_guild_id: int
    feeds: FeedServer

    async def login(self, client: httpx.AsyncClient, user: User, next_path: str = "/") -> httpx.Response:
        """Click "Log in with Discord", then "Authorize as <user>" on the emulated consent page."""
        start = await client.get(f"{self.url}/login", params={"next": next_path})
        assert start.status_code == 302 and start.headers["location"].startswith(self.emu.base_url)
        back = await self.emu.consent(client, start.headers["location"], user)
        assert back.startswith(f"{self.url}/callback?")
        return await client.get(back)


async def seed(services: Services, server: NewsServer) -> int:
    """A feed with a hostile title, one posted story and a small discussion (a reply, a removed comment)."""
    stores = services.stores
    db = stores.db
    feed = await stores.feeds.get_or_create("https://example.org/feed.xml")
    await db.execute("UPDATE feeds SET title = ? WHERE id = ?", (HOSTILE_TITLE, feed.id))
    sub = await stores.subscriptions.add(feed.id, server.guild.id, server.news.id)
    now = time.time()
    item = FeedItem(guid="g1", url="https://example.org/a", title="Council approves <b>budget</b>", excerpt="",
                    published=None, author=None, image=None, language="en", content_hash="h")
    (outcome,) = await stores.articles.ingest(feed.id, [item])
    article_id = outcome.article.id
    post = await stores.posts.reserve(article_id=article_id, subscription_id=sub.id, guild_id=server.guild.id,
                                        channel_id=server.news.id)
    assert post is not None
    await stores.posts.mark_posted(post.id, message_id=900, thread_id=901, content_hash="h", at=now)
    await stores.threads.register(thread_id=901, guild_id=server.guild.id, parent_channel_id=server.news.id,
                                    article_id=article_id, name="Council approves budget")
    base = dict(guild_id=server.guild.id, thread_id=901, article_id=article_id)
    await stores.comments.record(CommentRecord(message_id=1001, author_id=server.alice.id, author_name="alice",
                                                 content=HOSTILE_COMMENT, created_at=now - 60, **base))
    await stores.comments.record(CommentRecord(message_id=1002, author_id=server.bob.id, author_name="bob",
                                                 content="Same here", created_at=now - 30, parent_id=1001, **base))
    await stores.comments.record(CommentRecord(message_id=1003, author_id=server.bob.id, author_name="bob",
                                                 content="you idiot", created_at=now - 20, **base))
    for user in (server.bob, server.moderator):
        await stores.reactions.add(guild_id=server.guild.id, channel_id=901, message_id=1001, user_id=user.id,
                                   emoji="👍", at=now - 5)
    await stores.comments.record_edit(1002, "Same here.", now - 25)  # was "Same here" before the edit
    await stores.writer.flush()
    await stores.comments.mark_removed(1003, server.moderator.id, "Personal attack", now - 10)
    await services.guild_settings.change(server.guild.id, modlog_channel_id=server.modlog.id)
    await stores.moderation.log(guild_id=server.guild.id, moderator_id=server.moderator.id,
                                        action="remove", target_user_id=server.bob.id, target_message_id=1003,
                                        reason="Personal attack")
    return int(article_id)


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    emu = DiscordEmulator()
    await emu.start()
    try:
        server = build_news_server(emu)
        other = emu.create_guild("Another server", owner=server.moderator)  # the bot is there, no data
        feeds = FeedServer()
        await feeds.start()
        settings = load_settings({
            "DATABASE_PATH": str(tmp_path / "web.db"), "DISCORD_API_BASE": emu.api_base,
            "DISCORD_GATEWAY_URL": emu.gateway_url, "DISCORD_TOKEN": emu.token,
            "DISCORD_CLIENT_ID": str(emu.world.application_id), "DISCORD_CLIENT_SECRET": emu.oauth.client_secret,
            "WEB_SECRET_KEY": "test-secret-key-test-secret-key", "NEWSDESK_ALLOW_PRIVATE_NETWORKS": "true",
            **({"DATABASE_URL": url} if (url := await e2e_database_url()) else {})}, env_file=None)
        async with open_services(settings) as services:
            article_id = await seed(services, server)
            async with discord_for_dashboard(services, settings) as discord, \
                    serve_dashboard(services, settings, 0, discord=discord) as url:
                yield Site(emu, server, services, url, article_id, other.id, feeds)
        await feeds.stop()
    finally:
        await emu.stop()


async def test_a_moderator_logs_in_and_reads_the_overview_and_a_discussion(site: Site) -> None:
    gid = site.server.guild.id
    async with httpx.AsyncClient() as client:
        landed = await site.login(client, site.server.moderator)
        assert landed.status_code == 302 and landed.headers["location"] == "/"
        cookie = landed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        servers = await client.get(f"{site.url}/")
        assert f'href="/g/{gid}"' in servers.text and "Newsroom" in servers.text
        assert "Another server" in servers.text  # Newsdesk is there, nothing set up yet: the place to start

        overview = await client.get(f"{site.url}/g/{gid}")
        assert overview.status_code == 200
        assert "<svg" in overview.text and "Comments per hour" in overview.text
        assert f"/g/{gid}/articles/{site.article_id}" in overview.text
        assert overview.headers["content-security-policy"].startswith("default-src 'none'")

        page = await client.get(f"{site.url}/g/{gid}/articles/{site.article_id}")
        assert page.status_code == 200
        # bob's reply is nested under alice's comment; the removed one shows its reason, and to a moderator its text
        tree = page.text.split("Discussion (3 comments)", 1)[1]
        nested_bob = f'<ul class="tree"><li><a href="/g/{gid}/members/{site.server.bob.id}"><strong>bob</strong>'
        assert tree.index("alice") < tree.index(nested_bob)
        assert "[removed: Personal attack]" in tree and "you idiot" in tree
        assert "👍 2" in tree  # alice's comment's reactions
        assert "1 earlier version" in tree and "Same here</div>" in tree  # bob's edit, for moderators

        log = await client.get(f"{site.url}/g/{gid}/modlog")
        assert log.status_code == 200 and "Personal attack" in log.text


async def test_feed_titles_and_comments_are_escaped(site: Site) -> None:
    gid = site.server.guild.id
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.moderator)
        overview = (await client.get(f"{site.url}/g/{gid}")).text
        page = (await client.get(f"{site.url}/g/{gid}/articles/{site.article_id}")).text
    assert "<script>" not in overview and html.escape(HOSTILE_TITLE, quote=False) in overview.replace("&#34;", '"')
    assert "<img" not in page and "&lt;img src=x onerror=" in page
    assert "<b>budget</b>" not in page and "&lt;b&gt;budget&lt;/b&gt;" in page


async def test_a_reader_sees_no_server_and_every_guild_url_answers_403(site: Site) -> None:
    gid = site.server.guild.id
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.alice)
        assert "None of your servers" in (await client.get(f"{site.url}/")).text
        for path in (f"/g/{gid}", f"/g/{gid}/modlog", f"/g/{gid}/articles/{site.article_id}",
                     f"/g/{site.other_guild_id}", "/g/123", "/g/not-a-number",
                     f"/g/{gid}/members/{site.server.bob.id}/history.json"):
            answer = await client.get(f"{site.url}{path}")
            assert answer.status_code == 403, path


async def test_an_owner_of_another_server_cannot_read_this_one(site: Site) -> None:
    """The moderator owns "Another server"; its id does not open Newsroom's story, search or export."""
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.moderator)
        answer = await client.get(f"{site.url}/g/{site.other_guild_id}/articles/{site.article_id}")
        assert answer.status_code == 404 and "No such story in this server" in answer.text
        found = await client.get(f"{site.url}/g/{site.other_guild_id}/search", params={"q": "same"})
        assert "0 results" in found.text
        exported = await client.get(f"{site.url}/g/{site.other_guild_id}/export.json")
        assert "Same here" not in exported.text


async def test_logging_in_is_guarded_by_state_pkce_and_csrf(site: Site) -> None:
    async with httpx.AsyncClient() as client:
        # A callback the browser did not start (no state in its session) is refused.
        forged = await client.get(f"{site.url}/callback", params={"code": "x", "state": "y"})
        assert forged.status_code == 400 and "not started here" in forged.text
        # Pages need a login; a forged session cookie is a logged-out session.
        client.cookies.set("newsdesk_session", "eyJ1c2VyX2lkIjoxfQ.forged.signature")
        gate = await client.get(f"{site.url}/g/{site.server.guild.id}")
        assert gate.status_code == 302 and gate.headers["location"].startswith("/login")
        client.cookies.clear()

        await site.login(client, site.server.moderator)
        refused = await client.post(f"{site.url}/logout", data={"csrf": "wrong"})
        assert refused.status_code == 403
        assert (await client.get(f"{site.url}/g/{site.server.guild.id}")).status_code == 200
        token = re.search(r'name="csrf" value="([^"]+)"', (await client.get(f"{site.url}/")).text)
        assert token
        out = await client.post(f"{site.url}/logout", data={"csrf": token[1]})
        assert out.status_code == 302
        assert (await client.get(f"{site.url}/g/{site.server.guild.id}")).status_code == 302


async def test_a_login_returns_to_the_page_that_asked_for_it_but_never_off_site(site: Site) -> None:
    gid = site.server.guild.id
    async with httpx.AsyncClient() as client:
        landed = await site.login(client, site.server.moderator, next_path=f"/g/{gid}/modlog")
        assert landed.headers["location"] == f"/g/{gid}/modlog"
    async with httpx.AsyncClient() as client:
        landed = await site.login(client, site.server.moderator, next_path="//evil.example/")
        assert landed.headers["location"] == "/"


async def test_the_emulated_token_endpoint_checks_pkce_and_uses_codes_once(site: Site) -> None:
    emu = site.emu
    async with httpx.AsyncClient() as client:
        start = await client.get(f"{site.url}/login")
        back = await emu.consent(client, start.headers["location"], site.server.bob)
        code = httpx.URL(back).params["code"]
        redirect = f"{site.url}/callback"
        auth = (str(emu.world.application_id), emu.oauth.client_secret)
        wrong = await client.post(f"{emu.api_base}/oauth2/token", auth=auth, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "code_verifier": "nope"})
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        again = await client.post(f"{emu.api_base}/oauth2/token", auth=auth, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "code_verifier": "nope"})
        assert again.status_code == 400  # the code was spent by the first try
        bad_client = await client.post(f"{emu.api_base}/oauth2/token", auth=("1", "x"), data={})
        assert bad_client.status_code == 401


async def test_logins_are_rate_limited_per_address(site: Site) -> None:
    async with httpx.AsyncClient() as client:
        codes = [(await client.get(f"{site.url}/login")).status_code for _ in range(21)]
    assert codes[:20] == [302] * 20 and codes[20] == 429


def test_newsdesk_web_without_oauth_settings_says_what_to_set(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    env = tmp_path / "empty.env"
    env.write_text("")
    assert main(["--env-file", str(env), "web", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsdesk: the dashboard needs DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET")
    assert err.count("\n") == 1


async def test_moderators_search_comments_with_filters_and_hostile_queries(site: Site) -> None:
    gid = site.server.guild.id
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.moderator)
        found = await client.get(f"{site.url}/g/{gid}/search", params={"q": "disag"})  # a prefix
        assert found.status_code == 200 and "1 result" in found.text
        assert "<mark>disagree</mark>" in found.text and "<img" not in found.text
        by_bob = await client.get(f"{site.url}/g/{gid}/search", params={"q": "same", "author": "BOB"})
        assert "1 result" in by_bob.text and "<mark>Same</mark> here." in by_bob.text
        nobody = await client.get(f"{site.url}/g/{gid}/search", params={"q": "same", "author": "alice"})
        assert "0 results" in nobody.text
        for hostile in ('"unbalanced', "content:x OR", "NEAR(a b", "*", "a AND (b"):
            answer = await client.get(f"{site.url}/g/{gid}/search", params={"q": hostile})
            assert answer.status_code == 200, hostile  # FTS5 syntax is never interpreted
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.alice)
        assert (await client.get(f"{site.url}/g/{gid}/search", params={"q": "same"})).status_code == 403


async def test_the_search_index_follows_edits_and_deletions(site: Site) -> None:
    services = site.services
    store = InsightStore(services.stores.db)

    async def found(text: str) -> list[int]:
        return [hit.message_id for hit in await store.search(site.server.guild.id, text)]

    assert await found("same") == [1002]
    await services.stores.comments.record_edit(1002, "Completely different words now", time.time())
    await services.stores.writer.flush()
    assert await found("different") == [1002] and await found("same") == []
    await services.stores.db.execute("DELETE FROM comments WHERE message_id = 1002")  # as forget-me does
    assert await found("different") == []


async def test_sandbox_web_serves_the_dashboard_where_the_demo_moderator_logs_in_with_one_click(
        tmp_path: Path) -> None:
    """`newsdesk sandbox --web` (its linger step, on a started stage without the walkthrough)."""
    out = io.StringIO()
    seen: dict[str, str] = {}

    async def visit() -> None:  # stands in for "until Ctrl-C": a person using the printed address
        url = re.search(r"Dashboard: (\S+)/", out.getvalue())
        assert url, out.getvalue()
        async with httpx.AsyncClient() as client:
            start = await client.get(f"{url[1]}/login")
            consent = await client.get(start.headers["location"])
            mod = re.search(r'href="([^"]+)"[^>]*>Authorize as mod<', consent.text)
            assert mod, consent.text
            back = await client.get(stage.emu.base_url + html.unescape(mod[1]))
            await client.get(back.headers["location"])
            seen["servers"] = (await client.get(f"{url[1]}/")).text

    settings = load_settings({"DATABASE_PATH": str(tmp_path / "s.db")}, env_file=None)
    async with DemoStage(settings, tmp_path / "s.db", launch_bot) as stage:
        assert stage.services is not None  # as the walkthrough's /feed add leaves it:
        feed = await stage.services.stores.feeds.get_or_create(stage.feed.feed_url)
        await stage.services.stores.subscriptions.add(feed.id, stage.guild.id, stage.news.id)
        await demo_dashboard(wait=visit)(stage, Transcript(stage, out))
        guild_id = stage.guild.id
    assert f'href="/g/{guild_id}">Demo Newsroom</a>' in seen["servers"] and "Log out" in seen["servers"]
    assert "Log in with Discord, then click" in out.getvalue()


async def test_activity_charts_and_exports(site: Site) -> None:
    gid = site.server.guild.id
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.moderator)
        page = await client.get(f"{site.url}/g/{gid}/activity")
        assert page.status_code == 200
        assert page.text.count("<svg") == 5
        # The most discussed story links to its discussion; its title is escaped inside the SVG too.
        assert f'<a href="/g/{gid}/articles/{site.article_id}"><text' in page.text
        assert "Council approves &lt;b&gt;budget" in page.text and "<b>budget" not in page.text
        assert ">alice</text>" in page.text and ">bob</text>" in page.text  # commenters
        assert ">remove</text>" in page.text  # the legend of moderation actions
        exported = await client.get(f"{site.url}/g/{gid}/export.json")
        assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
        assert '"you idiot"' in exported.text
        one = await client.get(f"{site.url}/g/{gid}/export.csv", params={"article": site.article_id})
        assert one.status_code == 200 and one.text.splitlines()[0].split(",")[0] == CSV_COLUMNS[0]
        assert (await client.get(f"{site.url}/g/{gid}/export.xml")).status_code == 404
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.alice)
        assert (await client.get(f"{site.url}/g/{gid}/export.json")).status_code == 403


def csrf_of(page: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token, page[:500]
    return token[1]


async def test_an_admin_follows_a_feed_after_a_preview_then_pauses_edits_and_removes_it(site: Site) -> None:
    gid, emu = site.server.guild.id, site.emu
    site.feeds.add("s1", "Council approves night buses")
    site.feeds.add("s2", "Weather: sunny")
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.editor)  # the owner: Manage Server
        page = await client.get(f"{site.url}/g/{gid}/feeds")
        assert page.status_code == 200 and f'<option value="{site.server.news.id}">#news</option>' in page.text
        assert "#stories (forum)" in page.text
        csrf = csrf_of(page.text)
        form = {"csrf": csrf, "url": site.feeds.feed_url, "channel_id": str(site.server.news.id), "mode": "thread",
                "include": "council"}
        preview = await client.post(f"{site.url}/g/{gid}/feeds/preview", data=form)
        assert preview.status_code == 200 and "Council approves night buses" in preview.text
        assert "Weather: sunny" not in preview.text  # filtered out by include
        assert await site.services.feed_subscriptions.for_guild(gid) != []  # only the seeded one so far
        before = len(await site.services.feed_subscriptions.for_guild(gid))
        added = await client.post(f"{site.url}/g/{gid}/feeds/add", data=form)
        assert added.status_code == 303
        listed = await client.get(f"{site.url}/g/{gid}/feeds")
        assert "Following Loopback News: 2 current items were marked as already seen" in listed.text
        subs = await site.services.feed_subscriptions.for_guild(gid)
        assert len(subs) == before + 1
        new = next(sub for sub, feed in subs if feed is not None and feed.url == site.feeds.feed_url)
        assert new.include_filter == "council" and new.created_by == site.server.editor.id
        echo = await emu.wait_for_message(site.server.modlog, lambda m: "followed" in m.content)
        assert "Loopback News" in echo.content and f"<#{site.server.news.id}>" in echo.content

        change = {"csrf": csrf, "subscription": str(new.id)}
        assert (await client.post(f"{site.url}/g/{gid}/feeds/change", data={**change, "action": "pause"})
                ).status_code == 303
        assert (await site.services.feed_subscriptions.get(new.id)).paused  # type: ignore[union-attr]
        await client.post(f"{site.url}/g/{gid}/feeds/change", data={**change, "action": "resume"})
        assert not (await site.services.feed_subscriptions.get(new.id)).paused  # type: ignore[union-attr]
        await client.post(f"{site.url}/g/{gid}/feeds/change",
                          data={**change, "action": "edit", "exclude": "weather", "summary": "on"})
        edited = await site.services.feed_subscriptions.get(new.id)
        assert edited is not None and edited.exclude_filter == "weather" and edited.include_filter is None
        assert edited.summary
        # Filter rules and caps: a backtracking regex is refused with its reason, and nothing changes.
        refused = await client.post(f"{site.url}/g/{gid}/feeds/change", follow_redirects=True, data={
            **change, "action": "edit", "exclude": "weather", "rules": "title: /(a+)+$/", "daily_cap": "5"})
        assert "Not saved:" in refused.text and "backtracks" in refused.text
        assert (await site.services.feed_subscriptions.get(new.id)).daily_cap is None  # type: ignore[union-attr]
        await client.post(f"{site.url}/g/{gid}/feeds/change", data={
            **change, "action": "edit", "rules": "title: council; -author: sponsor", "match": "any",
            "daily_cap": "5", "min_gap_minutes": "30"})
        ruled = await site.services.feed_subscriptions.get(new.id)
        assert ruled is not None and (ruled.filter_rules, ruled.filter_match) == ("title: council; -author: sponsor",
                                                                                  "any")
        assert (ruled.daily_cap, ruled.min_gap_minutes, ruled.exclude_filter) == (5, 30, None)
        listed = await client.get(f"{site.url}/g/{gid}/feeds")
        assert "rules (any): title: council; -author: sponsor" in listed.text
        assert "at most 5 a day" in listed.text and "at least 30 min apart" in listed.text
        await client.post(f"{site.url}/g/{gid}/feeds/change", data={**change, "action": "remove"})
        assert await site.services.feed_subscriptions.get(new.id) is None
        kinds = [a.action for a in await site.services.moderation.history(gid, limit=10)]
        assert kinds[:6] == ["feed_remove", "feed_edit", "feed_edit", "feed_resume", "feed_pause", "feed_add"]


async def test_feed_forms_are_checked(site: Site) -> None:
    gid = site.server.guild.id
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.editor)
        csrf = csrf_of((await client.get(f"{site.url}/g/{gid}/feeds")).text)
        base = {"url": site.feeds.feed_url, "channel_id": str(site.server.news.id), "mode": "thread"}
        assert (await client.post(f"{site.url}/g/{gid}/feeds/add", data=base)).status_code == 403  # no CSRF
        forum = await client.post(f"{site.url}/g/{gid}/feeds/preview",
                                  data={**base, "csrf": csrf, "channel_id": str(site.server.forum.id)})
        assert forum.status_code == 400 and "A forum channel takes forum posts" in forum.text
        elsewhere = await client.post(f"{site.url}/g/{gid}/feeds/preview",
                                      data={**base, "csrf": csrf, "channel_id": "123"})
        assert "Pick one of this server" in elsewhere.text
        broken = await client.post(f"{site.url}/g/{gid}/feeds/preview",
                                   data={**base, "csrf": csrf, "url": f"{site.feeds.base}/nothing-here"})
        assert broken.status_code == 400 and "404" in broken.text
        (sub, _), *_ = await site.services.feed_subscriptions.for_guild(gid)
        foreign = await client.post(f"{site.url}/g/{site.other_guild_id}/feeds/change",
                                    data={"csrf": csrf, "subscription": str(sub.id), "action": "remove"})
        assert foreign.status_code == 403  # not a server Newsdesk has data for, and not this one's feed
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.moderator)  # Manage Messages only: no feeds
        assert (await client.get(f"{site.url}/g/{gid}/feeds")).status_code == 403


async def flagged_comment(site: Site, author: User, text: str) -> int:
    """A comment in a real (emulated) article thread that a filter flagged for review."""
    emu, server, stores = site.emu, site.server, site.services.stores
    thread = emu.create_thread(server.editor, server.news, "Council approves budget")
    message = emu.send(author, thread, text)
    await stores.threads.register(thread_id=thread.id, guild_id=server.guild.id, parent_channel_id=server.news.id,
                                  article_id=site.article_id, name=thread.name)
    await stores.comments.record(CommentRecord(
        message_id=message.id, guild_id=server.guild.id, thread_id=thread.id, article_id=site.article_id,
        author_id=author.id, author_name=author.username, content=text, created_at=time.time()))
    await stores.writer.flush()
    await stores.comments.set_status(message.id, "flagged")
    await stores.writer.flush()
    return message.id


async def test_moderators_approve_and_remove_flagged_comments_and_see_them_decided(site: Site) -> None:
    gid, emu = site.server.guild.id, site.emu
    keep = await flagged_comment(site, site.server.alice, "The budget is fine, actually")
    drop = await flagged_comment(site, site.server.bob, "buy cheap pills here")
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.moderator)
        queue = await client.get(f"{site.url}/g/{gid}/queue")
        assert "The budget is fine, actually" in queue.text and "buy cheap pills here" in queue.text
        csrf = csrf_of(queue.text)
        await client.post(f"{site.url}/g/{gid}/queue", data={"csrf": csrf, "message": str(keep), "action": "approve"})
        removed = await client.post(f"{site.url}/g/{gid}/queue", data={
            "csrf": csrf, "message": str(drop), "action": "remove", "reason": "spam"})
        assert removed.status_code == 303
        after = await client.get(f"{site.url}/g/{gid}/queue")
        assert "The review queue is empty." in after.text
        decided = after.text.split("Recently decided", 1)[1]
        assert "approved a comment" in decided and "removed a comment" in decided and "(spam)" in decided
        again = await client.post(f"{site.url}/g/{gid}/queue",
                                  data={"csrf": csrf, "message": str(keep), "action": "approve"})
        assert again.status_code == 303
        assert "no longer waiting for review" in (await client.get(f"{site.url}/g/{gid}/queue")).text
        foreign = await client.post(f"{site.url}/g/{gid}/queue", data={"csrf": csrf, "message": "1", "action": "remove"})
        assert foreign.status_code == 404
    assert emu.world.message_index[drop].deleted and not emu.world.message_index[keep].deleted
    comment = await site.services.comments.get(drop)
    assert comment is not None and comment.status == "removed" and comment.removed_reason == "spam"
    echo = await emu.wait_for_message(site.server.modlog, lambda m: "removed" in m.content and "spam" in m.content)
    assert f"<@{site.server.moderator.id}>" in echo.content
    await emu.wait_for_message(site.server.modlog, lambda m: "approved" in m.content)


async def test_a_held_reported_comment_shows_its_reports_and_is_reposted_when_approved(site: Site) -> None:
    gid, emu, server = site.server.guild.id, site.emu, site.server
    review = site.services.review
    held = await flagged_comment(site, server.alice, "a comment some readers dislike")
    await site.services.stores.comments.set_status(held, "visible")
    carol = emu.create_user("carol")
    emu.add_member(server.guild, carol)
    await review.report(guild_id=gid, message_id=held, reporter_id=server.bob.id, reason="Off topic",
                        details="not about the budget")
    outcome = await review.report(guild_id=gid, message_id=held, reporter_id=carol.id, reason="Spam", details=None)
    assert not outcome.hide  # the default threshold is 3
    await site.services.guild_settings.change(gid, report_threshold=2)
    outcome = await review.report(guild_id=gid, message_id=held, reporter_id=carol.id, reason="Spam", details=None)
    assert outcome.hide and outcome.count == 2  # the same member reporting again counts once
    emu.world.delete_message(server.editor, emu.world.message_index[held], check=False)  # as the bot does
    await review.held(guild_id=gid, message_id=held, kind="reports")
    async with httpx.AsyncClient() as client:
        await site.login(client, server.moderator)
        queue = await client.get(f"{site.url}/g/{gid}/queue")
        assert "held: reported by members; reported by 2 members (Off topic: not about the budget; Spam)" in queue.text
        waiting = queue.text.split("<h1>Review queue</h1>", 1)[1].split("Recently decided", 1)[0]
        assert "carol" not in waiting and str(server.bob.id) not in waiting and "bob" not in waiting  # reporters unseen
        csrf = csrf_of(queue.text)
        await client.post(f"{site.url}/g/{gid}/queue", data={"csrf": csrf, "message": str(held), "action": "approve"})
        assert "The review queue is empty." in (await client.get(f"{site.url}/g/{gid}/queue")).text
    thread = emu.world.channel(emu.world.message_index[held].channel_id)
    reposts = [m for m in emu.messages(thread) if m.content.startswith("**alice** wrote (held for review, approved")]
    assert len(reposts) == 1 and "> a comment some readers dislike" in reposts[0].content
    comment = await site.services.comments.get(held)
    assert comment is not None and comment.status == "visible"


async def test_filters_mutes_and_a_members_history(site: Site) -> None:
    gid = site.server.guild.id
    await site.services.moderation.mute(guild_id=gid, user_id=site.server.bob.id, moderator_id=site.server.moderator.id,
                                        seconds=3600, reason="cooling off")
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.moderator)
        csrf = csrf_of((await client.get(f"{site.url}/g/{gid}/filters")).text)
        await client.post(f"{site.url}/g/{gid}/filters", data={"csrf": csrf, "op": "add", "pattern": "idiot"})
        await client.post(f"{site.url}/g/{gid}/filters", data={
            "csrf": csrf, "op": "add", "pattern": "(unclosed", "regex": "on"})  # not a regex: refused
        page = await client.get(f"{site.url}/g/{gid}/filters")
        assert "<code>idiot</code>" in page.text and "Not added" in page.text
        assert [f.pattern for f in await site.services.moderation.filters(gid)] == ["idiot"]
        await client.post(f"{site.url}/g/{gid}/filters", data={"csrf": csrf, "op": "remove", "pattern": "idiot"})
        assert await site.services.moderation.filters(gid) == []

        member = await client.get(f"{site.url}/g/{gid}/members/{site.server.bob.id}")
        assert "Muted until" in member.text and "cooling off" in member.text
        assert "Same here." in member.text and "[removed: Personal attack]" in member.text
        mutes = await client.get(f"{site.url}/g/{gid}/mutes")
        assert f"/members/{site.server.bob.id}" in mutes.text
        await client.post(f"{site.url}/g/{gid}/mutes", data={"csrf": csrf, "user": str(site.server.bob.id)})
        assert "Nobody is muted." in (await client.get(f"{site.url}/g/{gid}/mutes")).text
        assert (await client.get(f"{site.url}/g/{gid}/members/nope")).status_code == 404


async def test_settings_change_through_the_same_rules_as_slash_settings(site: Site) -> None:
    gid = site.server.guild.id
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.editor)
        page = await client.get(f"{site.url}/g/{gid}/settings")
        assert page.status_code == 200
        csrf = csrf_of(page.text)
        form = {"csrf": csrf, "news_channel_id": str(site.server.forum.id), "default_mode": "forum",
                "auto_summary": "on", "modlog_channel_id": str(site.server.modlog.id), "auto_close_days": "3",
                "digest_channel_id": str(site.server.admin_channel.id), "digest_time": "07:30"}
        assert (await client.post(f"{site.url}/g/{gid}/settings", data=form)).status_code == 303
        saved = await site.services.guild_settings.get(gid)
        assert (saved.news_channel_id, saved.default_mode, saved.auto_summary, saved.auto_close_days,
                saved.digest_time) == (site.server.forum.id, "forum", True, 3, "07:30")
        assert "Saved." in (await client.get(f"{site.url}/g/{gid}/settings")).text
        echo = await site.emu.wait_for_message(site.server.modlog, lambda m: "changed the settings" in m.content)
        assert "default channel" in echo.content and "digest time" in echo.content
        await client.post(f"{site.url}/g/{gid}/settings", data={**form, "digest_time": "25:99"})
        assert "Not saved:" in (await client.get(f"{site.url}/g/{gid}/settings")).text
        assert (await site.services.guild_settings.get(gid)).digest_time == "07:30"
        await client.post(f"{site.url}/g/{gid}/settings", data={**form, "premod_first": "2", "report_threshold": "4",
                                                                "auto_hold_rejected": "3", "auto_hold_hours": "12"})
        review = await site.services.guild_settings.get(gid)
        assert (review.premod_first, review.report_threshold, review.auto_hold_rejected, review.auto_hold_hours) == (
            2, 4, 3, 12)
        await client.post(f"{site.url}/g/{gid}/settings", data={**form, "report_threshold": "many"})
        assert "Not saved: reports that hold a comment must be a whole number" in (
            await client.get(f"{site.url}/g/{gid}/settings")).text
        await client.post(f"{site.url}/g/{gid}/settings", data={**form, "auto_close_days": "", "digest_time": "",
                                                                "premod_first": "0"})
        cleared = await site.services.guild_settings.get(gid)
        assert cleared.auto_close_days is None and cleared.digest_time is None and cleared.premod_first is None
        # The time zone and format of story templates, checked as /settings set checks them.
        await client.post(f"{site.url}/g/{gid}/settings", data={**form, "time_zone": "Europe/Paris",
                                                                "time_format": "%H:%M"})
        times = await site.services.guild_settings.get(gid)
        assert (times.time_zone, times.time_format) == ("Europe/Paris", "%H:%M")
        await client.post(f"{site.url}/g/{gid}/settings", data={**form, "time_zone": "Moon/Base"})
        assert "is not a time zone" in (await client.get(f"{site.url}/g/{gid}/settings")).text
        assert (await site.services.guild_settings.get(gid)).time_zone == "Europe/Paris"
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.moderator)  # Manage Messages only
        assert (await client.get(f"{site.url}/g/{gid}/settings")).status_code == 403


async def test_a_long_discussion_comes_in_pages_of_a_hundred_conversations(site: Site) -> None:
    gid, stores = site.server.guild.id, site.services.stores
    base = dict(guild_id=gid, thread_id=901, article_id=site.article_id, author_id=site.server.alice.id,
                author_name="alice")
    for n in range(250):
        await stores.comments.record(CommentRecord(message_id=5000 + n, content=f"take number {n}",
                                                   created_at=time.time() - 5 + n / 1000, **base))
    await stores.writer.flush()
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.moderator)
        first = await client.get(f"{site.url}/g/{gid}/articles/{site.article_id}")
        assert "Discussion (253 comments)" in first.text and "Page 1 of 3" in first.text
        assert first.text.count('<li><a href="/g/') <= 100 + 2  # 100 conversations (+ bob's reply)
        last = await client.get(f"{site.url}/g/{gid}/articles/{site.article_id}", params={"page": "99"})
        assert "Page 3 of 3" in last.text and "take number 249" in last.text
        assert "take number 249" not in first.text
    assert web_link("javascript:alert(1)") is None and web_link("https://example.org/a") == "https://example.org/a"
    assert fts_query("th") == '"th"' and fts_query("disag") == '"disag"*' and fts_query('a "b') == '"a" "b"'


async def test_newsdesk_web_runs_as_its_own_process_and_stops_on_sigterm(tmp_path: Path) -> None:
    emu = DiscordEmulator()
    await emu.start()
    try:
        build_news_server(emu)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(tmp_path / "w.db"),
               "DISCORD_TOKEN": emu.token, "DISCORD_API_BASE": emu.api_base,
               "DISCORD_CLIENT_ID": str(emu.world.application_id), "DISCORD_CLIENT_SECRET": emu.oauth.client_secret,
               "WEB_SECRET_KEY": "smoke-test-key-smoke-test"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "newsdesk", "--env-file", os.devnull, "web", "--port", "0", env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert line.startswith("Dashboard: http://127.0.0.1:"), line
        async with httpx.AsyncClient() as client:
            page = await client.get(line.split(" ", 1)[1].strip())
            assert page.status_code == 200 and "Log in with Discord" in page.text
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0 and b"Traceback" not in err, err.decode()
        assert emu.oauth.client_secret.encode() not in err
    finally:
        await emu.stop()


async def test_moderators_leave_notes_on_a_members_page(site: Site) -> None:
    gid, bob = site.server.guild.id, site.server.bob.id
    async with httpx.AsyncClient() as client:
        await site.login(client, site.server.moderator)
        page = await client.get(f"{site.url}/g/{gid}/members/{bob}")
        csrf = csrf_of(page.text)
        await client.post(f"{site.url}/g/{gid}/members/{bob}/notes", data={"csrf": csrf, "text": "<b>warned</b> once"})
        await client.post(f"{site.url}/g/{gid}/members/{bob}/notes", data={"csrf": csrf, "text": "   "})
        page = await client.get(f"{site.url}/g/{gid}/members/{bob}")
        assert "&lt;b&gt;warned&lt;/b&gt; once" in page.text and "Not added: A note needs some text." in page.text
        assert (await client.post(f"{site.url}/g/{gid}/members/{bob}/notes", data={"text": "x"})).status_code == 403
        # The history downloads as JSON: ids as strings, times ISO 8601 UTC, the note included.
        assert f"/members/{bob}/history.json" in page.text
        download = await client.get(f"{site.url}/g/{gid}/members/{bob}/history.json")
        assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
        exported = download.json()
        assert exported["user_id"] == str(bob) and exported["notes"][0]["text"] == "<b>warned</b> once"
        assert exported["notes"][0]["author_id"] == str(site.server.moderator.id)
        assert exported["notes"][0]["created_at"].endswith("Z") and exported["comments"]
    notes = await site.services.moderation.notes(gid, bob)
    assert [(n.text, n.author_id) for n in notes] == [("<b>warned</b> once", site.server.moderator.id)]
