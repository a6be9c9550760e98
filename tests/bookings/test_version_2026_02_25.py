"""``cal-api-version: 2026-02-25`` on /v2/bookings: the 2024-08-13 body and answers, plus the host
overrides, which count only for a host of the event type and never allow a double booking."""

from __future__ import annotations

from tests.bookings.conftest import ATTENDEE, MONDAY, at, booking_body, make_event_type, v2
from tests.conftest import BOTH_DATABASES

V2026 = "2026-02-25"


async def book26(client, user, event_type_id, start, **overrides):
    headers = v2(user, V2026) if user else {"cal-api-version": V2026}
    return await client.post("/v2/bookings", json=booking_body(event_type_id, start, **overrides), headers=headers)


@BOTH_DATABASES
async def test_the_2024_08_13_body_books_and_reads_the_same(client, alice, event_types, database_url):
    """What Cal.com's booking pages now tell clients to send (it answered "timeZone property is wrong" before)."""
    created = await book26(
        client,
        None,
        event_types.regular,
        at(MONDAY, "10:00"),
        guests=["g@example.com"],
        bookingFieldsResponses={"notes": "hi"},
    )
    assert created.status_code == 201, created.text
    assert "deprecation" not in created.headers
    data = created.json()["data"]
    same = await client.get(f"/v2/bookings/{data['uid']}", headers=v2(alice))
    assert same.json()["data"] == data  # the 2024-08-13 output
    assert (await client.get(f"/v2/bookings/{data['uid']}", headers=v2(alice, V2026))).json()["data"] == data
    listed = await client.get("/v2/bookings", headers=v2(alice, V2026))
    assert [b["uid"] for b in listed.json()["data"]] == [data["uid"]]
    cancelled = await client.post(
        f"/v2/bookings/{data['uid']}/cancel", json={"cancellationReason": "x"}, headers=v2(alice, V2026)
    )
    assert cancelled.status_code == 200 and cancelled.json()["data"]["status"] == "cancelled"
    # The overrides are 2026-02-25 fields: 2024-08-13 still refuses them as unknown.
    old = await client.post(
        "/v2/bookings",
        json=booking_body(event_types.regular, at(MONDAY, "11:00"), skipBookingLimits=True),
        headers=v2(),
    )
    assert old.status_code == 400 and old.json()["error"]["message"].startswith("skipBookingLimits property is wrong")


async def test_allow_conflicts_never_double_books(client, alice, event_types):
    first = await book26(client, alice, event_types.regular, at(MONDAY, "10:00"))
    assert first.status_code == 201
    for caller in (alice, None):  # the host itself, and an anonymous booker
        again = await book26(
            client,
            caller,
            event_types.variable,
            at(MONDAY, "10:00"),
            allowConflicts=True,
            attendee={**ATTENDEE, "email": "other@example.com"},
        )
        assert again.status_code == 409, again.text
        assert again.json()["error"]["details"]["reason"] == "slot_unavailable"
    bad = await book26(client, alice, event_types.regular, at(MONDAY, "12:00"), allowConflicts="yes")
    assert bad.status_code == 400 and bad.json()["error"]["message"].startswith("allowConflicts property is wrong")


async def test_out_of_bounds_and_limits_count_only_for_a_host(client, alice, bob, host_schedule):
    # Bookable only within 10 days of today: 2050 is out of bounds.
    notice = await make_event_type(client, alice, "window", bookingWindow={"type": "calendarDays", "value": 10})
    limited = await make_event_type(client, alice, "limited", bookingLimitsCount={"day": 1})
    start = at(MONDAY, "10:00")

    for caller in (None, bob):  # not a host: ignored, as Cal.com does
        refused = await book26(client, caller, notice, start, allowBookingOutOfBounds=True)
        assert refused.status_code == 400 and refused.json()["error"]["details"]["reason"] == "booking_window"
    allowed = await book26(client, alice, notice, start, allowBookingOutOfBounds=True)
    assert allowed.status_code == 201, allowed.text

    assert (await book26(client, None, limited, at(MONDAY, "11:00"))).status_code == 201
    for caller in (None, bob):
        over = await book26(client, caller, limited, at(MONDAY, "12:00"), skipBookingLimits=True)
        assert over.status_code == 400 and over.json()["error"]["details"]["reason"] == "booking_limit"
    assert (await book26(client, alice, limited, at(MONDAY, "12:00"), skipBookingLimits=True)).status_code == 201
    # Neither override frees a busy time: 10:00 is taken by the out-of-bounds booking.
    taken = await book26(client, alice, limited, start, skipBookingLimits=True, allowBookingOutOfBounds=True)
    assert taken.status_code == 409


async def test_versions_document_lists_2026_02_25_for_bookings_only(client):
    data = (await client.get("/v2/versions")).json()["data"]
    assert "2026-02-25" in data["versions"]
    resources = {r["resource"]: r for r in data["resources"]}
    assert resources["/v2/bookings"]["versions"][-1] == "2026-02-25"
    assert all("2026-02-25" not in r["versions"] for name, r in resources.items() if name != "/v2/bookings")
    # Elsewhere the new value is a version those routes do not serve: 404, as for 2024-09-04.
    assert (await client.get("/v2/schedules", headers={"cal-api-version": V2026})).status_code == 404
