"""payloadTemplate: Cal.com's variables and content-type rule, with values escaped so the body stays valid."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from tests.bookings.conftest import ATTENDEE, MONDAY, at, book
from tests.webhooks.conftest import SECRET, settle, subscribe
from tests.webhooks.receiver import verify_cal, verify_standard

TRICKY = 'Zoë "the boss" O\'Brien\nline two \\ tab\t<&> 日本'


async def test_a_json_template_stays_valid_json_whatever_the_values(
    app, client, alice, event_types, receiver, job_loop
):
    template = '{"text": "{{triggerEvent}} by {{attendees.0.name}}", "who": "{{organizer.timezone}}", "title": "{{title}}", "missing": "{{nope.nothing}}"}'
    await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"], payloadTemplate=template)
    await book(client, event_types.regular, at(MONDAY, "10:00"), attendee={**ATTENDEE, "name": TRICKY})
    await settle(app)
    [request] = await receiver.wait_for(1)
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.body)
    assert body["text"] == f"BOOKING_CREATED by {TRICKY}"
    assert body["who"] == "Europe/London"  # Cal.com's UI writes organizer.timezone for timeZone
    assert body["missing"] == ""
    assert verify_cal(SECRET, request) and verify_standard(SECRET, request)  # the rendered bytes are signed


async def test_a_non_json_template_is_form_encoded_with_values_escaped(
    app, client, alice, event_types, receiver, job_loop
):
    await subscribe(
        client,
        alice,
        receiver.url,
        ["BOOKING_CREATED"],
        payloadTemplate="event={{triggerEvent}}&name={{attendees.0.name}}",
    )
    await book(client, event_types.regular, at(MONDAY, "10:00"), attendee={**ATTENDEE, "name": "A&B=C"})
    await settle(app)
    [request] = await receiver.wait_for(1)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode()) == {"event": ["BOOKING_CREATED"], "name": ["A&B=C"]}


async def test_a_template_that_is_not_valid_json_is_refused_at_save(client, alice):
    for template in ('{"n": {{length}}}', '{"a": "b",}', "[1, 2"):
        response = await client.post(
            "/v2/webhooks",
            json={"subscriberUrl": "http://127.0.0.1:9/", "active": True, "triggers": [], "payloadTemplate": template},
            headers=alice.headers,
        )
        assert response.status_code == 400, template
        assert response.json()["error"]["message"].startswith("payloadTemplate is not valid JSON: ")
    hint = await client.post(
        "/v2/webhooks",
        json={
            "subscriberUrl": "http://127.0.0.1:9/",
            "active": True,
            "triggers": [],
            "payloadTemplate": '{"n": {{length}}}',
        },
        headers=alice.headers,
    )
    assert '"{{length}}"' in hint.json()["error"]["message"]
