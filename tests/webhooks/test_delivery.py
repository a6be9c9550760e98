"""Every lifecycle transition reaches each matching subscription exactly once, signed twice, through
a real HTTP receiver; the wire format is Cal.com's."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from calapi import __version__
from calapi.core.clock import request_now
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, v2
from tests.webhooks.conftest import SECRET, deliveries, settle, subscribe
from tests.webhooks.receiver import verify_cal, verify_standard

BOOKING_TRIGGERS = [
    "BOOKING_CREATED",
    "BOOKING_REQUESTED",
    "BOOKING_CANCELLED",
    "BOOKING_RESCHEDULED",
    "BOOKING_REJECTED",
    "BOOKING_NO_SHOW_UPDATED",
]


async def test_each_transition_gives_one_signed_delivery_per_matching_subscription(
    app, client, alice, bob, event_types, receiver, job_loop
):
    clock_now = {"now": datetime(2050, 9, 1, tzinfo=UTC)}
    app.dependency_overrides[request_now] = lambda: clock_now["now"]
    await subscribe(client, alice, receiver.url + "/user", BOOKING_TRIGGERS)
    await subscribe(client, alice, receiver.url + "/regular", BOOKING_TRIGGERS, event_type_id=event_types.regular)
    await subscribe(client, alice, receiver.url + "/confirm", BOOKING_TRIGGERS, event_type_id=event_types.confirm)
    # Bob's subscription must never see Alice's bookings.
    await subscribe(client, bob, receiver.url + "/bob", BOOKING_TRIGGERS)
    seen = 0

    async def step(call, trigger: str, paths: list[str]) -> dict:
        nonlocal seen
        response = await call()
        assert response.status_code in (200, 201), response.text
        await settle(app)
        new = (await receiver.wait_for(seen + len(paths)))[seen:]
        seen += len(new)
        assert sorted(r.path for r in new) == sorted(paths), trigger
        for request in new:
            assert request.json()["triggerEvent"] == trigger
        return response.json()["data"]

    accepted = await step(
        lambda: book(client, event_types.regular, at(MONDAY, "10:00")), "BOOKING_CREATED", ["/user", "/regular"]
    )
    pending = await step(
        lambda: book(client, event_types.confirm, at(MONDAY, "11:00")), "BOOKING_REQUESTED", ["/user", "/confirm"]
    )
    await step(
        lambda: client.post(f"/v2/bookings/{pending['uid']}/confirm", headers=v2(alice)),
        "BOOKING_CREATED",
        ["/user", "/confirm"],
    )
    to_decline = await step(
        lambda: book(client, event_types.confirm, at(MONDAY, "12:00")), "BOOKING_REQUESTED", ["/user", "/confirm"]
    )
    await step(
        lambda: client.post(f"/v2/bookings/{to_decline['uid']}/decline", json={"reason": "No"}, headers=v2(alice)),
        "BOOKING_REJECTED",
        ["/user", "/confirm"],
    )
    moved = await step(
        lambda: client.post(
            f"/v2/bookings/{accepted['uid']}/reschedule", json={"start": at(MONDAY, "13:00")}, headers=v2()
        ),
        "BOOKING_RESCHEDULED",
        ["/user", "/regular"],
    )
    await step(
        lambda: client.post(f"/v2/bookings/{moved['uid']}/cancel", json={"cancellationReason": "Off"}, headers=v2()),
        "BOOKING_CANCELLED",
        ["/user", "/regular"],
    )
    clock_now["now"] = datetime(2050, 9, 5, 12, tzinfo=UTC)
    await step(
        lambda: client.post(
            f"/v2/bookings/{pending['uid']}/mark-absent",
            json={"attendees": [{"email": ATTENDEE["email"], "absent": True}]},
            headers=v2(alice),
        ),
        "BOOKING_NO_SHOW_UPDATED",
        ["/user", "/confirm"],
    )

    assert receiver.by_path("/bob") == []
    assert seen == 16
    ids = set()
    for request in receiver.requests:
        assert verify_cal(SECRET, request), request.path
        assert verify_standard(SECRET, request), request.path
        assert request.headers["content-type"] == "application/json"
        assert request.headers["x-cal-webhook-version"] == "2021-10-20"
        assert request.headers["user-agent"] == f"calapi/{__version__}"
        assert request.headers["webhook-id"].startswith("msg_")
        ids.add(request.webhook_id)
    assert len(ids) == 16  # one id per event and subscriber
    logged = await deliveries(app)
    assert all(d.status == "succeeded" and d.attempts == 1 for d in logged), [
        (d.trigger, d.status, d.attempts, d.note) for d in logged
    ]


async def test_the_body_is_cal_coms_envelope(app, client, alice, event_types, receiver, job_loop):
    await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    await settle(app)
    [request] = await receiver.wait_for(1)
    body = request.json()
    assert list(body) == ["triggerEvent", "createdAt", "payload"]
    assert body["createdAt"].endswith("Z") and len(body["createdAt"]) == 24
    payload = body["payload"]
    assert payload["uid"] == booking["uid"] and payload["bookingId"] == booking["id"]
    assert payload["eventTypeId"] == event_types.regular and payload["type"] == "regular"
    assert payload["status"] == "ACCEPTED" and payload["length"] == 30
    assert payload["organizer"]["email"] == alice.email
    assert payload["attendees"][0]["email"] == ATTENDEE["email"]
    assert request.body == json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()  # compact JSON


async def test_no_secret_sends_cal_coms_placeholder_and_no_standard_signature(
    app, client, alice, event_types, receiver, job_loop
):
    response = await client.post(
        "/v2/webhooks",
        json={"subscriberUrl": receiver.url, "active": True, "triggers": ["BOOKING_CREATED"]},
        headers=alice.headers,
    )
    assert response.status_code == 201 and response.json()["data"]["secret"] is None
    await book(client, event_types.regular, at(MONDAY, "10:00"))
    await settle(app)
    [request] = await receiver.wait_for(1)
    assert request.headers["x-cal-signature-256"] == "no-secret-provided"
    assert "webhook-signature" not in request.headers and request.headers["webhook-id"]


async def test_an_inactive_subscription_gets_nothing(app, client, alice, event_types, receiver, job_loop):
    await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"], active=False)
    await book(client, event_types.regular, at(MONDAY, "10:00"))
    await settle(app)
    assert await receiver.wait_for(1, timeout=0.5) == [] and await deliveries(app) == []
