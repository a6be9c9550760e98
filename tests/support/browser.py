"""Browser tests: Debian's Chromium driven by Playwright, screenshots kept, axe-core scans.

``launched_browser()`` starts Chromium headless with nothing fetched on its own account;
``offline_context()`` opens a phone- or desktop-sized context that refuses every request to
another host (the pages must need none). ``check_page()`` saves a full-page screenshot under
``test-artifacts/<test>/`` (``CALAPI_TEST_ARTIFACTS`` moves it; CI keeps the folder) and runs
axe-core over the page: a serious or critical violation fails the test.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support.servers import REPO_ROOT
from tests.support.services import require_chromium

# Headless in a container, and nothing the browser would fetch on its own account.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
ARTIFACTS = Path(os.environ.get("CALAPI_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts"))
BLOCKING_IMPACTS = ("serious", "critical")


@asynccontextmanager
async def launched_browser() -> AsyncIterator[Any]:
    chromium = require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def offline_context(browser: Any, base_url: str, *, viewport: dict[str, int] = DESKTOP) -> AsyncIterator[Any]:
    """A browser context for one server: any request to another host is refused and recorded in
    ``context.refused`` (a test asserts it stays empty)."""
    served = urlsplit(base_url).netloc
    context = await browser.new_context(viewport=viewport, base_url=base_url)
    refused: list[str] = []

    async def only_the_server(route: Any) -> None:
        if urlsplit(route.request.url).netloc == served:
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    await context.route("**/*", only_the_server)
    context.refused = refused
    try:
        yield context
    finally:
        await context.close()


def artifact_folder(test_name: str) -> Path:
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)[:120]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def check_page(page: Any, folder: Path, name: str) -> list[dict[str, Any]]:
    """Screenshot the page into ``folder`` and scan it with axe-core; fails on a serious or
    critical violation (the full report is saved beside the screenshot). Returns the violations
    of lesser impact."""
    from axe_playwright_python.async_playwright import Axe

    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    results = await Axe().run(page)
    violations = results.response["violations"]
    (folder / f"{name}.axe.json").write_text(json.dumps(violations, indent=2))
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {page.url}:\n" + "\n".join(
        f"{v['impact']}: {v['id']} — {v['help']} ({[n['target'] for n in v['nodes']]})" for v in blocking
    )
    return [v for v in violations if v not in blocking]
