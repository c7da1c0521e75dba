"""The dashboard in a real headless Chromium: log in through the emulated Discord consent page, read the
overview and its chart, open a discussion, search a comment; no script runs on any page."""

from __future__ import annotations

from typing import Any

from cogs.support.rest import DiscordRest
from newsdesk.dashboard import serve_dashboard
from tests.browser_support import chromium_page
from tests.comments_support import eventually
from tests.newsdesk_harness import Newsroom, newsroom
from tests.test_web_dashboard import HOSTILE_COMMENT, Site, site

__all__ = ["newsroom", "site"]


async def test_a_moderator_uses_the_dashboard_in_a_browser(site: Site) -> None:
    gid = site.server.guild.id
    async with chromium_page() as page_:
        page: Any = page_
        page.set_default_timeout(10_000)
        dialogs: list[str] = []
        page.on("dialog", lambda d: dialogs.append(d.message))  # an alert() would mean injected script ran
        await page.goto(f"{site.url}/")
        await page.click("#login")
        await page.click(f'a[data-user="{site.server.moderator.id}"]')  # "Authorize as moderator"
        await page.wait_for_url(f"{site.url}/")
        await page.click(f'a[href="/g/{gid}"]')
        chart = page.locator("svg.chart").first
        box = await chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 30  # the chart is drawn
        assert await page.locator("rect.bar").count() == 48
        await page.click("text=Council approves <b>budget</b>")
        assert await page.locator("ul.tree li").count() == 3
        assert HOSTILE_COMMENT in await page.inner_text("main")  # shown as text, not as an <img>
        assert await page.locator("main img").count() == 0
        await page.goto(f"{site.url}/g/{gid}/search")
        await page.fill("input[name=q]", "same")
        await page.click("form[role=search] button")
        await page.wait_for_url("**/search?q=same*")
        assert await page.inner_text("mark") == "Same"
        assert dialogs == []


async def test_an_admin_follows_a_feed_and_approves_a_comment_in_the_browser_with_the_real_bot(
        newsroom: Newsroom) -> None:
    """The dashboard inside a running bot (as WEB_PORT does): a feed followed from the browser posts its next
    story in the emulated #news, and a flagged comment approved in the browser is logged as approved."""
    room = newsroom
    room.feeds.add("old", "Yesterday's news")
    overrides = {"DISCORD_CLIENT_ID": str(room.emu.world.application_id),
                 "DISCORD_CLIENT_SECRET": room.emu.oauth.client_secret, "WEB_SECRET_KEY": "browser-test-key-123"}
    bot = await room.start(**overrides)
    assert room.services is not None
    await room.svc.guild_settings.change(room.guild.id, modlog_channel_id=room.modlog.id)
    await room.svc.moderation.add_filter(guild_id=room.guild.id, pattern="cheap", is_regex=False,
                                              action="flag", moderator_id=room.moderator.id)
    settings = room.settings(**overrides)
    async with serve_dashboard(room.services, settings, 0, discord=DiscordRest(bot)) as url, \
            chromium_page() as page_:
        page: Any = page_
        page.set_default_timeout(10_000)
        await page.goto(f"{url}/login?next=/g/{room.guild.id}/feeds")
        await page.click(f'a[data-user="{room.admin.id}"]')  # the editor owns the server
        await page.wait_for_url(f"{url}/g/{room.guild.id}/feeds")
        await page.fill("input[name=url]", room.feeds.feed_url)
        await page.select_option("select[name=channel_id]", str(room.news.id))
        await page.click("text=Preview")
        assert "Yesterday's news" in await page.inner_text("main")
        await page.click("#follow")
        await page.wait_for_selector(".flash")
        assert "Following Loopback News" in await page.inner_text(".flash")

        room.feeds.add("new", "Council approves night buses")
        posted, _ = await room.publish_pass()
        assert posted == 1
        post = room.emu.bot_messages(room.news)[-1]
        assert post.embeds[0]["title"] == "Council approves night buses"
        # The feed's delivery history says why each item was, or was not, posted.
        await page.goto(f"{url}/g/{room.guild.id}/feeds")
        await page.click("text=Loopback News")
        history = await page.inner_text("main")
        assert "Yesterday's news" in history and "not posted: already there when followed" in history
        assert await page.locator(f'a[href$="/{room.news.id}/{post.id}"]').count() == 1  # "the post"
        thread = await room.emu.wait_for(lambda: next(iter(room.emu.threads(room.news)), None), 10, what="thread")
        flagged = room.emu.send(room.alice, thread, "cheap flights to the council meeting")

        async def in_queue() -> bool:
            services = room.services
            assert services is not None
            return any(c.message_id == flagged.id for c in await services.moderation.queue(room.guild.id))

        await eventually(room, in_queue, what="the flagged comment in the queue")
        await page.goto(f"{url}/g/{room.guild.id}/queue")
        assert "cheap flights" in await page.inner_text("main")
        await page.click("button[value=approve]")
        await page.wait_for_selector(".flash")
        assert "Approved" in await page.inner_text(".flash")
        assert "approved a comment" in await page.inner_text("main")
    echo = await room.emu.wait_for_message(room.modlog, lambda m: "approved" in m.content)
    assert f"<@{room.admin.id}>" in echo.content
