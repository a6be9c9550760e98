"""The payment page in Debian's Chromium, with every request to another host refused: it shows the
amount, the state and what is needed to pay, from what calapi serves alone, and follows the
payment to "paid"."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.bookings.conftest import MONDAY
from tests.payments.conftest import at, book, pay, send_stripe_webhooks_to, v2, wait_until
from tests.support.services import require_chromium
from tests.test_docs_browser import CHROMIUM_ARGS

pytestmark = pytest.mark.browser

WEBHOOK = "/api/integrations/stripepayment/webhook"


async def test_the_payment_page_shows_what_to_pay_and_then_that_it_is_paid(
    client, paid_event, localstripe, served, stripe_client
):
    chromium = require_chromium()
    from playwright.async_api import Route, async_playwright

    await send_stripe_webhooks_to(localstripe, served + WEBHOOK)
    booking = (await book(client, paid_event, at(MONDAY, "10:00"))).json()["data"]
    url = served + booking["payment"]["paymentUrl"]
    refused: list[str] = []

    async def only_calapi(route: Route) -> None:
        if urlsplit(route.request.url).netloc == urlsplit(served).netloc:
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            context = await browser.new_context()
            await context.route("**/*", only_calapi)
            page = await context.new_page()
            await page.goto(url, wait_until="load")
            assert await page.locator(".amount").inner_text() == "25.00 EUR"
            assert await page.locator("#status").inner_text() == "pending"
            assert booking["payment"]["paymentIntentId"] in await page.locator("main").inner_text()

            await pay(stripe_client, booking["payment"]["paymentIntentId"])

            async def accepted() -> bool:
                data = (await client.get(f"/v2/bookings/{booking['uid']}", headers=v2())).json()["data"]
                return data["status"] == "accepted"

            await wait_until(accepted)
            await page.reload(wait_until="load")
            assert await page.locator("#status").inner_text() == "succeeded"
            assert "This booking is paid." in await page.locator("main").inner_text()
        finally:
            await browser.close()
    assert refused == []
