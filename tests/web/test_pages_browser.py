"""The settings pages in Debian's Chromium, against a real ``calapi serve``, set up as ``make run`` does.

The first run's sign-in link (printed by ``calapi bootstrap``) sets the admin's password; then sign
out, sign in again, create an API key that works against ``GET /v2/me`` and revoke it. Every page
is screenshotted (``test-artifacts/``) and scanned with axe-core, at desktop and phone sizes, with
every request to another host refused.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.browser import PHONE, artifact_folder, check_page, launched_browser, offline_context
from tests.support.databases import fresh_sqlite
from tests.support.servers import free_port, run_cli, running_server

pytestmark = pytest.mark.browser

ADMIN = "admin@localhost.localdomain"
PASSWORD = "a long enough password"


def first_run(database_url: str, base: str) -> tuple[str, str]:
    """``make run``'s first two steps; the API key and the sign-in link the bootstrap printed."""
    assert run_cli("migrate", database_url=database_url).returncode == 0
    printed = run_cli("bootstrap", "--base-url", base, database_url=database_url)
    assert printed.returncode == 0, printed.stderr
    key = re.search(r"cal_[0-9a-f]{32}", printed.stdout)
    link = re.search(re.escape(base) + r"/sign-in/link/[A-Za-z0-9_-]+", printed.stdout)
    assert key and link, printed.stdout
    return key.group(0), link.group(0)


async def test_first_run_link_password_sign_out_in_and_a_key_made_used_and_revoked(sqlite_template, tmp_path, request):
    database_url = fresh_sqlite(sqlite_template, tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    _, link = first_run(database_url, base)
    shots = artifact_folder(request.node.name)

    with running_server(port=port, database_url=database_url) as served:
        assert served == base
        async with launched_browser() as browser, offline_context(browser, base) as context:
            page = await context.new_page()

            # A visitor: what this server is, where to sign in and read the docs, its version.
            await page.goto("/")
            assert await page.get_by_role("link", name="Sign in").first.is_visible()
            assert await page.locator('a[href="/v2/docs"]').count() >= 1
            assert await page.locator('a[href="/v1/docs"]').count() == 1
            assert "Server version" in await page.locator("main").inner_text()
            await check_page(page, shots, "01-home")

            # The first run's link: choose a password, which signs in.
            await page.goto(link)
            await check_page(page, shots, "02-set-password")
            await page.get_by_label("New password", exact=True).fill("short")
            await page.get_by_label("New password, again").fill("short")
            await page.get_by_role("button", name="Set password and sign in").click()
            error = page.locator("#password-error")
            assert "at least 10 characters" in await error.inner_text()
            assert await page.get_by_label("New password", exact=True).get_attribute("aria-invalid") == "true"
            await check_page(page, shots, "03-set-password-error")
            await page.get_by_label("New password", exact=True).fill(PASSWORD)
            await page.get_by_label("New password, again").fill(PASSWORD)
            await page.get_by_role("button", name="Set password and sign in").click()
            await page.wait_for_url(base + "/settings/security")
            assert ADMIN in await page.locator("footer").inner_text()
            await check_page(page, shots, "04-security")

            # The link worked once.
            await page.goto(link)
            assert "no longer works" in await page.locator("h1").inner_text()

            # Sign out, then in again (a wrong password first: the reason shows next to the field).
            await page.goto("/settings/security")
            await page.get_by_role("button", name="Sign out").click()
            await page.wait_for_url(base + "/sign-in?done=signed-out")
            await check_page(page, shots, "05-signed-out")
            await page.goto("/settings/security")
            await page.wait_for_url(re.compile(r".*/sign-in\?next=/settings/security$"))
            await page.get_by_label("Email address").fill(ADMIN)
            await page.get_by_label("Password").fill("not the password")
            await page.get_by_role("button", name="Sign in").last.click()
            assert "do not match" in await page.locator("#password-error").inner_text()
            await check_page(page, shots, "06-sign-in-error")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").last.click()
            await page.wait_for_url(base + "/settings/security")

            # A key with a note and no expiry: shown once, it works on the API.
            await page.get_by_label("Note").fill("browser test key")
            await page.get_by_label("Never").check()
            await page.get_by_role("button", name="Create key").click()
            new_key = await page.locator("#new-key-value").input_value()
            assert re.fullmatch(r"cal_[0-9a-f]{32}", new_key)
            assert await page.get_by_role("button", name="Copy").is_visible()  # the script ran
            await check_page(page, shots, "07-new-key")
            row = page.locator("tr", has_text="browser test key")
            assert f"…{new_key[-4:]}" in await row.inner_text()
            async with httpx.AsyncClient(base_url=base, timeout=10) as api:
                me = await api.get("/v2/me", headers={"Authorization": f"Bearer {new_key}"})
                assert me.status_code == 200 and me.json()["data"]["email"] == ADMIN
            # The signed-in browser's cookie is no API credential.
            assert (await page.request.get(base + "/v2/me")).status == 401
            assert (await page.request.get(base + "/v1/me")).status == 401

            # Revoke, after a confirmation step.
            await row.get_by_role("link", name=re.compile("Revoke")).click()
            assert "Revoke this API key?" in await page.locator("h1").inner_text()
            await check_page(page, shots, "08-revoke-confirm")
            await page.get_by_role("button", name="Revoke key").click()
            await page.wait_for_url(base + "/settings/security?done=revoked")
            assert await page.locator("tr", has_text="browser test key").count() == 0
            async with httpx.AsyncClient(base_url=base, timeout=10) as api:
                me = await api.get("/v2/me", headers={"Authorization": f"Bearer {new_key}"})
                assert me.status_code == 401

            await page.goto("/forgot-password")
            await check_page(page, shots, "09-forgot-password")
            assert context.refused == []

        # The same pages on a phone-sized screen.
        async with launched_browser() as browser, offline_context(browser, base, viewport=PHONE) as context:
            page = await context.new_page()
            for path, name in (("/", "10-phone-home"), ("/sign-in", "11-phone-sign-in")):
                await page.goto(path)
                await check_page(page, shots, name)
            await page.get_by_label("Email address").fill(ADMIN)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").last.click()
            await page.wait_for_url(base + "/settings/security")
            await check_page(page, shots, "12-phone-security")
            # Nothing wider than the screen: the page does not scroll sideways.
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], width
            assert context.refused == []
