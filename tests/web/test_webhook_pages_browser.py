"""``/settings/developer/webhooks`` in Debian's Chromium, against a real ``calapi serve`` set up as
``make run`` does (signed in through the sign-in form), with a real receiver: a template that would not render is refused with its
reason and nothing is saved; the preview follows what is typed; the webhook is created, a booking
made through the API shows in the delivery log, is redelivered, and the receiver gets the same
``webhook-id`` twice; ping shows the answer. Each page is screenshotted (``test-artifacts/``) and
scanned with axe-core at desktop and phone sizes, every request to another host refused.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.bookings.conftest import MONDAY, at
from tests.support.browser import PHONE, check_page, launched_browser, offline_context
from tests.web.conftest import Served, browser_sign_in, make_web_user
from tests.webhooks.receiver import running_receiver, verify_cal

pytestmark = pytest.mark.browser

SECRET = "browser-test-secret"
PAGE = "/settings/developer/webhooks"
GOOD_TEMPLATE = '{"guest": "{{attendees.0.name}}", "event": "{{triggerEvent}}", "uid": "{{uid}}"}'


async def an_event_type(http: httpx.AsyncClient, headers: dict[str, str]) -> int:
    schedule = await http.post(
        "/v2/schedules",
        json={
            "name": "Working hours",
            "timeZone": "UTC",
            "isDefault": True,
            "availability": [{"days": ["Monday"], "startTime": "09:00", "endTime": "17:00"}],
        },
        headers={**headers, "cal-api-version": "2024-06-11"},
    )
    assert schedule.status_code == 201, schedule.text
    event_type = await http.post(
        "/v2/event-types",
        json={"lengthInMinutes": 30, "title": "Intro", "slug": "intro", "minimumBookingNotice": 0},
        headers={**headers, "cal-api-version": "2024-06-14"},
    )
    assert event_type.status_code == 201, event_type.text
    return int(event_type.json()["data"]["id"])


async def tab_reaches(page: Any, ids: set[str], *, presses: int = 80) -> set[str]:
    """Press Tab from the top of the page; the ids of ``ids`` that took the focus."""
    await page.locator("body").focus()
    reached: set[str] = set()
    for _ in range(presses):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement && document.activeElement.id")
        if focused in ids:
            reached.add(focused)
    return reached


async def test_webhooks_created_previewed_delivered_redelivered_and_pinged_in_a_browser(
    served: Served, shots: Any
) -> None:
    base = served.base
    alice = await make_web_user(served.database_url, "alice")
    api = {"Authorization": f"Bearer {alice.key}"}

    with running_receiver() as receiver:
        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as http,
            launched_browser() as browser,
            offline_context(browser, base) as context,
        ):
            event_type = await an_event_type(http, api)
            page = await context.new_page()
            await browser_sign_in(page, alice.email)

            await page.get_by_role("link", name="Webhooks").click()
            await page.wait_for_url(base + PAGE)
            assert "You have no webhooks yet." in await page.locator("main").inner_text()
            await check_page(page, shots, "01-webhooks-empty")

            await page.get_by_role("link", name="New webhook").click()
            await page.wait_for_url(base + PAGE + "/new")
            assert await page.locator('input[name="triggers"]').count() == 28
            await check_page(page, shots, "02-new-webhook")

            # Every control of the form is reachable with the keyboard alone.
            controls = {
                "subscriber_url",
                "trigger-BOOKING_CREATED",
                "trigger-CALENDAR_ENTRY_REJECTED",
                "secret",
                "active",
                "payload_template",
                "preview_trigger",
            }
            assert await tab_reaches(page, controls, presses=60) == controls

            # A template that would not render: the reason next to the field, nothing saved.
            await page.get_by_label("Subscriber URL").fill(receiver.url + "/hooks")
            await page.get_by_label("Secret", exact=True).fill(SECRET)
            await page.get_by_label("Payload template").fill('{"length": {{length}}}')
            await page.get_by_role("button", name="Create webhook").click()
            reason = page.locator("#payload_template-error")
            assert "not valid JSON" in await reason.inner_text()
            assert "must be inside a string" in await reason.inner_text()
            assert await page.get_by_label("Payload template").get_attribute("aria-invalid") == "true"
            await check_page(page, shots, "03-template-refused")
            listed = await http.get("/v2/webhooks", headers=api)
            assert listed.json()["data"] == []

            # The preview follows the template as it is typed (the script), and on the button (no script).
            await page.get_by_label("Secret", exact=True).fill(SECRET)
            await page.get_by_label("Payload template").fill(GOOD_TEMPLATE)
            preview = page.locator("#preview-output pre")
            await preview.filter(has_text="Jordan Guest").wait_for(timeout=10_000)
            await page.get_by_label("Preview with a sample of").select_option("BOOKING_CANCELLED")
            await page.get_by_role("button", name="Update preview").click()
            assert '"event": "BOOKING_CANCELLED"' in await page.locator("#preview-output pre").inner_text()
            await check_page(page, shots, "04-preview")

            await page.get_by_label("Secret", exact=True).fill(SECRET)
            await page.get_by_role("button", name="Create webhook").click()
            await page.wait_for_url(base + PAGE + "?done=created")
            assert receiver.url + "/hooks" in await page.locator("main").inner_text()
            await check_page(page, shots, "05-webhooks")
            [hook] = (await http.get("/v2/webhooks", headers=api)).json()["data"]
            assert hook["payloadTemplate"] == GOOD_TEMPLATE and hook["secret"] == SECRET

            # A booking made through the API is delivered, and shows in the log.
            booked = await http.post(
                "/v2/bookings",
                json={
                    "start": at(MONDAY, "10:00"),
                    "eventTypeId": event_type,
                    "attendee": {"name": "Jane Booker", "email": "jane@example.com", "timeZone": "Europe/Rome"},
                },
                headers={"cal-api-version": "2024-08-13"},
            )
            assert booked.status_code == 201, booked.text
            [first] = await receiver.wait_for(1)
            assert first.json()["guest"] == "Jane Booker" and verify_cal(SECRET, first)

            await page.get_by_role("link", name="Delivery log").click()
            row = page.locator("tbody tr", has_text="BOOKING_CREATED")
            for _ in range(50):  # the attempt is recorded a moment after the receiver got it
                if "succeeded" in await row.inner_text():
                    break
                await page.wait_for_timeout(200)
                await page.reload()
            assert "succeeded" in await row.inner_text()
            await check_page(page, shots, "06-delivery-log")
            await page.get_by_label("Answer code").fill("500")
            await page.get_by_role("button", name="Filter").click()
            assert "No delivery matches." in await page.locator("main").inner_text()
            await page.get_by_label("Answer code").fill("200")
            await page.get_by_label("Trigger", exact=True).select_option("BOOKING_CREATED")
            await page.get_by_role("button", name="Filter").click()
            await page.locator("tbody tr").get_by_role("link", name=re.compile("Details")).click()
            main = page.locator("main")
            assert first.webhook_id in await main.inner_text()
            assert "Jane Booker" in await main.inner_text()  # the body sent
            assert "Attempt 1: answered 200" in await main.inner_text()
            await check_page(page, shots, "07-delivery")

            # Redeliver: the receiver gets the same webhook-id again.
            await page.get_by_role("button", name="Redeliver").click()
            assert "queued again" in await page.locator(".notice").inner_text()
            second = (await receiver.wait_for(2))[1]
            assert second.webhook_id == first.webhook_id and second.body == first.body
            for _ in range(50):
                if "Attempt 2: answered 200" in await main.inner_text():
                    break
                await page.wait_for_timeout(200)
                await page.reload()
            assert "Attempt 2: answered 200" in await main.inner_text()
            await check_page(page, shots, "08-redelivered")

            # Edit, then ping: the answer is shown.
            await page.goto(PAGE)
            await page.get_by_role("link", name=re.compile("^Edit the webhook")).click()
            await check_page(page, shots, "09-edit")
            await page.get_by_role("button", name="Ping now").click()
            assert "The subscriber answered 200" in await page.locator(".notice").inner_text()
            assert receiver.requests[-1].json()["event"] == "PING"
            await check_page(page, shots, "10-ping")

            # Delete asks first (the confirmation is checked like every page; deleting is tested over HTTP).
            await page.goto(f"{PAGE}/{hook['id']}")
            await page.get_by_role("link", name="Delete this webhook…").click()
            assert await page.get_by_role("button", name="Delete webhook").count() == 1
            await check_page(page, shots, "11-delete-confirm")

            # A new secret, shown once.
            await page.goto(f"{PAGE}/{hook['id']}")
            await page.get_by_role("button", name="Rotate secret").click()
            assert await page.locator("#new-secret-value").input_value() not in ("", SECRET)
            await check_page(page, shots, "12-new-secret")

            # The same pages on a phone-sized screen: readable, nothing wider than the screen.
            delivery_url = await page.evaluate("location.href")
            assert delivery_url
            pages = {
                "webhooks": PAGE,
                "new-webhook": PAGE + "/new",
                "edit": f"{PAGE}/{hook['id']}",
                "delivery-log": PAGE + "/deliveries",
                "delete-confirm": f"{PAGE}/{hook['id']}/delete",
            }
            log_page = await context.new_page()
            await log_page.goto(PAGE + "/deliveries")
            details = await log_page.locator("tbody tr a").first.get_attribute("href")
            assert details
            pages["delivery"] = details
            cookies = await context.cookies()
            assert not context.refused
        async with launched_browser() as browser, offline_context(browser, base, viewport=PHONE) as phone:
            await phone.add_cookies(cookies)
            small = await phone.new_page()
            for name, path in pages.items():
                await small.goto(path)
                assert await small.locator("h1").count() == 1
                await check_page(small, shots, f"phone-{name}")
                wide = await small.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert wide <= 0, f"{name} is {wide}px wider than a phone's screen"
            assert not phone.refused
