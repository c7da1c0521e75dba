"""Screenshots of the web dashboard for the README, made from the sandbox: the demo walkthrough fills the
database, then a headless Chromium logs in as the demo moderator and photographs the main pages.

    python docs/screenshots.py [--out docs/screenshots]      # needs Debian's chromium and playwright
"""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from demo.stage import DemoStage  # noqa: E402
from demo.transcript import Transcript  # noqa: E402
from demo.walkthrough import run_walkthrough  # noqa: E402
from newsdesk.app import launch_bot  # noqa: E402
from newsdesk.dashboard import demo_dashboard  # noqa: E402
from tests.browser_support import FLAGS, chromium_path  # noqa: E402


async def shoot(out_dir: Path) -> list[Path]:
    from playwright.async_api import async_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    log = io.StringIO()
    workdir = Path(tempfile.mkdtemp(prefix="newsdesk-shots-"))
    settings = load_settings({"DATABASE_PATH": str(workdir / "demo.db")}, env_file=None)

    async def capture() -> None:
        url = re.search(r"Dashboard: (\S+)/", log.getvalue())
        assert url, log.getvalue()
        base, gid = url[1], stage.guild.id
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            await page.goto(f"{base}/")
            await page.click("#login")
            await page.click(f'a[data-user="{stage.people.moderator.id}"]')
            await page.wait_for_url(f"{base}/")
            pages = {"overview": f"/g/{gid}", "activity": f"/g/{gid}/activity", "queue": f"/g/{gid}/queue",
                     "search": f"/g/{gid}/search?q=night"}
            await page.goto(f"{base}/g/{gid}")
            link = await page.locator("a[href*='/articles/']").first.get_attribute("href")
            if link:
                pages["discussion"] = link
            for name, path in pages.items():
                await page.goto(f"{base}{path}")
                target = out_dir / f"{name}.png"
                await page.screenshot(path=str(target), full_page=True)
                shots.append(target)
            await browser.close()

    async with DemoStage(settings, workdir / "demo.db", launch_bot) as stage:
        transcript = Transcript(stage, io.StringIO())
        await run_walkthrough(stage, transcript)
        await demo_dashboard(wait=capture)(stage, Transcript(stage, log))
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    for path in asyncio.run(shoot(Path(parser.parse_args().out))):
        print(path)


if __name__ == "__main__":
    main()
