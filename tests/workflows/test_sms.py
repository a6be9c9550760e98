"""SMS steps against a local server speaking Twilio's Messages API: the form body, basic auth, its
JSON answer (the sid kept as the provider id), a retry with the same idempotency key, a refused
number failed without retries, "not sent" when nothing is configured, and ``phoneRequired``
making the attendee's phone number required when booking."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, make_event_type
from tests.conftest import BOTH_DATABASES
from tests.webhooks.conftest import settle
from tests.workflows.conftest import SMS_FROM, create_workflow, messages_of


def texts(**fields: Any) -> list[dict[str, Any]]:
    return [
        {
            "stepNumber": 1,
            "action": "sms_attendee",
            "recipient": "attendee",
            "template": "custom",
            "sender": "Alice",
            "phoneRequired": True,
            "message": {"subject": "", "text": "Hi {ATTENDEE_FIRST_NAME}: {EVENT_DATE_ddd D MMM, HH:mm} <{LOCATION}>"},
        },
        {
            "stepNumber": 2,
            "action": "sms_number",
            "recipient": "phone_number",
            "template": "custom",
            "sender": "Alice",
            "phone": "+1 (555) 000-1111",
            "message": {"subject": "", "text": "Booked: {ATTENDEE_NAME} {ATTENDEE_EMAIL}"},
        },
        *([fields] if fields else []),
    ]


async def test_text_messages_go_through_the_messages_api(app, client, alice, event_types, twilio, job_loop):
    await create_workflow(client, alice, trigger={"type": "newEvent"}, steps=texts())
    attendee = {**ATTENDEE, "phoneNumber": "+39 333 123 4567"}
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"), attendee=attendee)).json()["data"]
    received = await twilio.wait_for(2)
    await settle(app)
    by_to = {r.form["To"]: r for r in received}
    assert sorted(by_to) == ["+15550001111", "+393331234567"]
    for request in received:
        assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
        assert request.auth == (twilio.account_sid, twilio.auth_token)
        assert request.form["From"] == SMS_FROM
        assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert by_to["+393331234567"].form["Body"] == "Hi Jane: Mon 5 Sep, 12:00 <Cal Video>"  # in Rome, unescaped
    assert by_to["+15550001111"].form["Body"] == "Booked: Jane Booker jane@example.com"
    logged = {m.recipient: m for m in await messages_of(app, booking_uid=booking["uid"], channel="sms")}
    for number, request in by_to.items():
        entry = logged[number]
        assert (entry.status, entry.attempts) == ("sent", 1)
        assert entry.provider_id is not None and entry.provider_id.startswith("SM")
        assert request.headers["i-twilio-idempotency-token"] == entry.id


async def test_a_retry_carries_the_same_idempotency_key(app, client, alice, event_types, twilio, job_loop):
    await create_workflow(client, alice, trigger={"type": "newEvent"}, steps=texts()[1:])
    twilio.fail_next = 2
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    [accepted] = await twilio.wait_for(1)
    await settle(app)
    assert len(twilio.requests) == 3
    assert {r.headers["i-twilio-idempotency-token"] for r in twilio.requests} == {
        accepted.headers["i-twilio-idempotency-token"]
    }
    [entry] = await messages_of(app, booking_uid=booking["uid"], channel="sms")
    assert (entry.status, entry.attempts, entry.note) == ("sent", 3, None)


async def test_a_refused_number_fails_at_once_and_a_missing_one_is_logged(
    app, client, alice, event_types, twilio, job_loop
):
    bad = {
        "stepNumber": 3,
        "action": "sms_number",
        "recipient": "phone_number",
        "template": "reminder",
        "sender": "Alice",
        "phone": "+1555000111",
        "message": {"subject": "", "text": ""},
    }
    optional_phone = {**texts()[0], "phoneRequired": False}
    await create_workflow(client, alice, trigger={"type": "newEvent"}, steps=[optional_phone, bad])
    twilio_refuses = "+1555000111"
    twilio.unreachable.add(twilio_refuses)
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]  # Jane gave no number
    await settle(app)
    entries = {m.recipient: m for m in await messages_of(app, booking_uid=booking["uid"], channel="sms")}
    assert (entries["jane@example.com"].status, entries["jane@example.com"].note) == (
        "not_sent",
        "not sent: the attendee gave no phone number",
    )
    # The provider refuses the number (400, code 21211): failed at once, not tried again.
    refused = entries[twilio_refuses]
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert refused.note is not None and refused.note.startswith("SMS provider answered 400: 21211 ")
    assert [r.form["To"] for r in twilio.requests] == [twilio_refuses]


@pytest.mark.parametrize("settings_overrides", [{"notification_retry_schedule": "0"}])
async def test_without_a_provider_texts_are_recorded_as_not_sent(app, client, alice, event_types, job_loop):
    await create_workflow(client, alice, trigger={"type": "newEvent"}, steps=texts()[1:])
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    await settle(app)
    [entry] = await messages_of(app, booking_uid=booking["uid"], channel="sms")
    assert entry.status == "not_sent" and entry.note is not None and "CALAPI_SMS_ACCOUNT_SID" in entry.note


@BOTH_DATABASES
async def test_phone_required_makes_the_attendee_phone_number_required(app, client, alice, event_types, twilio):
    other = await make_event_type(client, alice, "no-texts")
    await create_workflow(
        client,
        alice,
        trigger={"type": "beforeEvent", "offset": {"value": 1, "unit": "hour"}},
        activation={"isActiveOnAllEventTypes": False, "activeOnEventTypeIds": [event_types.regular]},
        steps=texts()[:1],
    )
    refused = await book(client, event_types.regular, at(MONDAY, "10:00"))  # Jane gave no number
    assert refused.status_code == 400, refused.text
    error = refused.json()
    assert error["status"] == "error" and error["error"]["message"].startswith("Missing attendee phone number")
    assert "attendee.phoneNumber" in error["error"]["message"]
    # With a number it books; an event type the workflow is not active on needs none.
    attendee = {**ATTENDEE, "phoneNumber": "+39 333 123 4567"}
    assert (await book(client, event_types.regular, at(MONDAY, "10:00"), attendee=attendee)).status_code == 201
    assert (await book(client, other, at(MONDAY, "11:00"))).status_code == 201
    # v1 answers in its own envelope.
    v1 = await client.post(
        "/v1/bookings",
        params={"apiKey": alice.key},
        json={
            "eventTypeId": event_types.regular,
            "start": at(MONDAY, "12:00"),
            "responses": {
                "name": "Jane Booker",
                "email": "jane@example.com",
                "location": {"value": "", "optionValue": ""},
            },
            "timeZone": "Europe/Rome",
            "language": "en",
            "metadata": {},
        },
    )
    assert v1.status_code == 400, v1.text
    assert v1.json()["message"].startswith("Missing attendee phone number")
    # Once the step no longer requires it, the same booking goes through.
    [workflow] = (await client.get("/v2/workflows", headers=alice.headers)).json()["data"]
    step = {**texts()[0], "phoneRequired": False}
    changed = await client.patch(f"/v2/workflows/{workflow['id']}", json={"steps": [step]}, headers=alice.headers)
    assert changed.status_code == 200, changed.text
    assert (await book(client, event_types.regular, at(MONDAY, "13:00"))).status_code == 201
