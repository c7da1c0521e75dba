"""A real headless Chromium for web tests: Debian's `chromium` driven by Playwright (`executable_path`), with
the flags this machine needs. Tests skip with the reason when no Chromium is installed (`.ci/run` installs it)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

__all__ = ["chromium_page"]

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run"]


def chromium_path() -> str | None:
    return os.environ.get("NEWSDESK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@asynccontextmanager
async def chromium_page() -> AsyncIterator[object]:
    """A fresh browser (its own temporary profile) and one page; closed on exit."""
    path = chromium_path()
    if path is None:
        reason = "no Chromium installed (apt-get install chromium; .ci/run does it)"
        if os.environ.get("NEWSDESK_REQUIRE_BROWSER"):  # CI: a skipped browser test would hide a failure
            pytest.fail(reason)
        pytest.skip(reason)
    playwright_api = pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=path, args=FLAGS, headless=True)
        try:
            yield await browser.new_page()
        finally:
            await browser.close()
