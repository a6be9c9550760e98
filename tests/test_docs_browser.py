"""``/v2/docs`` renders in a real browser with every request to another host refused.

A running ``calapi serve`` and Debian's Chromium driven by Playwright: the page must draw its
operations list from what calapi serves alone (no CDN), as on a machine without internet.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.support.browser import CHROMIUM_ARGS
from tests.support.databases import fresh_sqlite
from tests.support.servers import running_server
from tests.support.services import require_chromium

pytestmark = pytest.mark.browser


async def test_v2_docs_renders_the_operations_list_offline(sqlite_template, tmp_path):
    chromium = require_chromium()
    from playwright.async_api import Route, async_playwright

    with running_server(database_url=fresh_sqlite(sqlite_template, tmp_path)) as base:
        served = urlsplit(base).netloc
        refused: list[str] = []

        async def only_the_server(route: Route) -> None:
            if urlsplit(route.request.url).netloc == served:
                await route.continue_()
            else:
                refused.append(route.request.url)
                await route.abort("internetdisconnected")

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            try:
                context = await browser.new_context(viewport={"width": 1280, "height": 900})
                await context.route("**/*", only_the_server)
                page = await context.new_page()
                await page.goto(base + "/v2/docs", wait_until="load")
                await page.wait_for_selector(".opblock", timeout=30_000)
                operations = await page.locator(".opblock").count()
                title = await page.locator(".information-container .title").first.inner_text()
                screenshot = tmp_path / "v2-docs.png"
                await page.screenshot(path=str(screenshot), full_page=False)
            finally:
                await browser.close()

    assert operations > 10, f"only {operations} operations rendered"
    assert title.startswith("calapi")
    assert refused == [], f"the page asked other hosts for {refused}"
    assert screenshot.stat().st_size > 10_000
