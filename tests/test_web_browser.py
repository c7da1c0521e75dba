"""The dashboard in a real headless Chromium: log in through the emulated Discord consent page, read the
overview and its chart, open a discussion, search a comment; no script runs on any page."""

from __future__ import annotations

from typing import Any

from tests.browser_support import chromium_page
from tests.test_web_dashboard import HOSTILE_COMMENT, Site, site

__all__ = ["site"]


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
