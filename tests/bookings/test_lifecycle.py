"""Reading and changing bookings through the API: get, cancel, reschedule, confirm/decline, mark absent, location."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from calapi.core.clock import request_now
from tests.bookings.conftest import ATTENDEE, MONDAY, OCCURRENCES, at, book, make_event_type, v2

TUESDAY = "2050-09-06"


async def booked(client: httpx.AsyncClient, event_type_id: int, start: str, **overrides: Any) -> Any:
    response = await book(client, event_type_id, start, **overrides)
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def post(client: httpx.AsyncClient, uid: str, action: str, body: Any = None, user: Any = None) -> httpx.Response:
    return await client.post(f"/v2/bookings/{uid}/{action}", json=body, headers=v2(user))


async def get(client: httpx.AsyncClient, uid: str, user: Any = None) -> httpx.Response:
    return await client.get(f"/v2/bookings/{uid}", headers=v2(user))


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    return body["error"]["message"]


# ---------------------------------------------------------------- get


async def test_get_by_uid_needs_no_auth_and_a_series_uid_answers_the_array(client, alice, event_types):
    single = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    response = await get(client, single["uid"])
    assert response.status_code == 200
    assert response.json()["data"] == single

    series = await booked(client, event_types.recurring, at(MONDAY, "11:00"))
    series_uid = series[0]["recurringBookingUid"]
    listed = (await get(client, series_uid)).json()["data"]
    assert [b["uid"] for b in listed] == [b["uid"] for b in sorted(series, key=lambda b: b["start"])]
    assert len(listed) == OCCURRENCES
    one = (await get(client, series[1]["uid"])).json()["data"]
    assert one["uid"] == series[1]["uid"] and one["recurringBookingUid"] == series_uid

    assert error(await get(client, "nope"), 404) == "Booking with uid=nope was not found in the database"
    # The route serves 2024-08-13 only.
    assert (await client.get(f"/v2/bookings/{single['uid']}", headers=v2(version="2024-09-04"))).status_code == 404


# ---------------------------------------------------------------- cancel


async def test_cancel_records_reason_and_who_and_refuses_twice(client, alice, event_types):
    mine = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    response = await post(client, mine["uid"], "cancel", {"cancellationReason": "Ill"}, user=alice)
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["status"], data["cancellationReason"], data["cancelledByEmail"]) == ("cancelled", "Ill", alice.email)
    assert error(await post(client, mine["uid"], "cancel", {}), 400) == (
        f"Can't cancel booking with uid={mine['uid']} because it has been cancelled already. "
        "Please provide uid of a booking that is not cancelled."
    )
    assert error(await post(client, "nope", "cancel", {}), 404) == "Booking with uid=nope not found"
    assert (
        error(await post(client, mine["uid"], "cancel", {"foo": 1}), 400)
        == "foo property is wrong,property foo should not exist "
    )

    anonymous = await booked(client, event_types.regular, at(MONDAY, "11:00"))
    data = (await post(client, anonymous["uid"], "cancel")).json()["data"]  # no body, no auth
    assert (data["status"], data["cancelledByEmail"], data["cancellationReason"]) == ("cancelled", "", "")
    # The time is free again.
    assert (await book(client, event_types.regular, at(MONDAY, "11:00"))).status_code == 201


async def test_cancel_recurring_series_and_subsequent(client, alice, event_types):
    series = await booked(client, event_types.recurring, at(MONDAY, "10:00"))
    series_uid = series[0]["recurringBookingUid"]
    assert error(await post(client, series_uid, "cancel", {"cancelSubsequentBookings": True}), 400) == (
        "Cannot cancel subsequent bookings for recurring event - you have to provide uid of one of the individual "
        "bookings of a recurring booking."
    )
    response = await post(
        client, series[1]["uid"], "cancel", {"cancelSubsequentBookings": True, "cancellationReason": "Moving"}
    )
    assert response.status_code == 200
    statuses = [b["status"] for b in response.json()["data"]]
    assert statuses == ["accepted"] + ["cancelled"] * (OCCURRENCES - 1)

    everything = (await post(client, series_uid, "cancel", {})).json()["data"]
    assert [b["status"] for b in everything] == ["cancelled"] * OCCURRENCES
    assert error(await post(client, series_uid, "cancel", {}), 400).startswith(
        f"Can't cancel booking with uid={series_uid}"
    )

    single = await booked(client, event_types.regular, at(MONDAY, "15:00"))
    assert error(await post(client, single["uid"], "cancel", {"cancelSubsequentBookings": True}), 400) == (
        f"Booking with bookingUid={single['uid']} is not part of a recurring booking."
    )


async def test_cancel_one_seat(client, alice, event_types):
    first = (await book(client, event_types.seated, at(MONDAY, "12:00"))).json()["data"]
    second = (
        await book(
            client,
            event_types.seated,
            at(MONDAY, "12:00"),
            attendee={**ATTENDEE, "email": "sam@example.com", "name": "Sam"},
        )
    ).json()["data"]
    assert first["uid"] == second["uid"]
    other = (await book(client, event_types.seated, at(MONDAY, "14:00"))).json()["data"]

    assert error(await post(client, first["uid"], "cancel", {"seatUid": "missing"}), 400) == (
        "Invalid seatUid: this seat does not exist or has already been cancelled."
    )
    assert error(await post(client, first["uid"], "cancel", {"seatUid": other["seatUid"]}), 400) == (
        "Invalid seatUid: this seat does not belong to this booking."
    )
    response = await post(client, first["uid"], "cancel", {"seatUid": first["seatUid"]})
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "accepted"
    seen_by_host = (await get(client, first["uid"], user=alice)).json()["data"]
    assert [a["email"] for a in seen_by_host["attendees"]] == ["sam@example.com"]
    assert error(await post(client, first["uid"], "cancel", {"seatUid": first["seatUid"]}), 400) == (
        "Invalid seatUid: this seat does not exist or has already been cancelled."
    )
    # The last seat going cancels the meeting.
    last = (await post(client, first["uid"], "cancel", {"seatUid": second["seatUid"]})).json()["data"]
    assert last["status"] == "cancelled"


# ---------------------------------------------------------------- reschedule


async def test_reschedule_makes_a_linked_booking_and_frees_its_own_time(client, alice, event_types):
    old = await booked(client, event_types.regular, at(MONDAY, "10:00"), bookingFieldsResponses={"notes": "Agenda"})
    # 10:15 overlaps the booking itself: its own time is free for its move.
    response = await post(
        client,
        old["uid"],
        "reschedule",
        {"start": at(MONDAY, "10:15"), "rescheduledBy": "jane@example.com", "reschedulingReason": "Clash"},
    )
    assert response.status_code == 201, response.text
    new = response.json()["data"]
    assert new["uid"] != old["uid"]
    assert (new["start"], new["end"], new["status"]) == (at(MONDAY, "10:15"), at(MONDAY, "10:45"), "accepted")
    assert new["rescheduledFromUid"] == old["uid"]
    assert new["rescheduledByEmail"] == "jane@example.com"
    assert new["reschedulingReason"] == "Clash"
    assert new["attendees"] == old["attendees"]
    assert new["bookingFieldsResponses"]["notes"] == "Agenda"

    old_now = (await get(client, old["uid"])).json()["data"]
    assert (old_now["status"], old_now["rescheduledToUid"]) == ("cancelled", new["uid"])
    assert error(await post(client, old["uid"], "reschedule", {"start": at(MONDAY, "13:00")}), 400) == (
        f"Can't reschedule booking with uid={old['uid']} because it has been cancelled and rescheduled already to "
        f"booking with uid={new['uid']}. You probably want to reschedule {new['uid']} instead by passing it within the request URL."
    )

    other = await booked(client, event_types.regular, at(MONDAY, "14:00"))
    busy = await post(client, new["uid"], "reschedule", {"start": at(MONDAY, "14:00")})
    assert error(busy, 409) == "User either already has booking at this time or is not available"
    assert busy.json()["error"]["details"]["reason"] == "slot_unavailable"
    assert error(await post(client, new["uid"], "reschedule", {"start": at(MONDAY, "18:00")}), 400).startswith(
        'The event type can\'t be booked at the "start" time provided.'
    )
    assert error(await post(client, "nope", "reschedule", {"start": at(MONDAY, "13:00")}), 404) == (
        "Booking with uid=nope was not found in the database"
    )
    assert (await post(client, other["uid"], "cancel", {})).status_code == 200
    assert error(await post(client, other["uid"], "reschedule", {"start": at(MONDAY, "13:00")}), 400) == (
        f"Can't reschedule booking with uid={other['uid']} because it has been cancelled. Please provide uid of a "
        "booking that is not cancelled."
    )
    assert error(await post(client, new["uid"], "reschedule", {"start": at(MONDAY, "13:00"), "bad": 1}), 400) == (
        "bad property is wrong,property bad should not exist "
    )


async def test_reschedule_one_seat(client, alice, event_types):
    first = (await book(client, event_types.seated, at(MONDAY, "12:00"))).json()["data"]
    (await book(client, event_types.seated, at(MONDAY, "12:00"), attendee={**ATTENDEE, "email": "sam@example.com"}))
    # Without seatUid a seated booking is refused whole: its seats would stay on the cancelled meeting.
    whole = await post(client, first["uid"], "reschedule", {"start": at(TUESDAY, "12:00")})
    assert error(whole, 400).startswith(
        f"Booking with uid={first['uid']} is a seated booking: reschedule one seat at a time"
    )
    assert (await get(client, first["uid"], user=alice)).json()["data"]["status"] == "accepted"
    response = await post(
        client, first["uid"], "reschedule", {"start": at(TUESDAY, "12:00"), "seatUid": first["seatUid"]}
    )
    assert response.status_code == 201, response.text
    moved = response.json()["data"]
    assert moved["uid"] != first["uid"] and moved["start"] == at(TUESDAY, "12:00")
    assert list(moved)[-1] == "seatUid" and moved["seatUid"] == first["seatUid"]
    left = (await get(client, first["uid"], user=alice)).json()["data"]
    assert (left["status"], [a["email"] for a in left["attendees"]]) == ("accepted", ["sam@example.com"])


# ---------------------------------------------------------------- confirm / decline


async def test_confirm_and_decline_pending_bookings(client, alice, bob, event_types):
    pending = await booked(client, event_types.confirm, at(MONDAY, "10:00"))
    assert pending["status"] == "pending"
    missing = f"Booking with uid={pending['uid']} was not found in the database"
    assert error(await post(client, pending["uid"], "confirm", user=bob), 404) == missing
    assert (await post(client, pending["uid"], "confirm")).status_code == 401
    confirmed = await post(client, pending["uid"], "confirm", user=alice)
    assert confirmed.status_code == 200
    assert confirmed.json()["data"]["status"] == "accepted"
    assert error(await post(client, pending["uid"], "confirm", user=alice), 400).startswith(
        f"Booking with uid={pending['uid']} is not pending confirmation (its status is accepted)"
    )

    other = await booked(client, event_types.confirm, at(MONDAY, "11:00"))
    declined = await post(client, other["uid"], "decline", {"reason": "Away"}, user=alice)
    assert declined.status_code == 200
    assert declined.json()["data"]["status"] == "rejected"
    assert error(await post(client, other["uid"], "decline", {}, user=alice), 400).startswith(
        f"Booking with uid={other['uid']} is not pending confirmation (its status is rejected)"
    )
    assert (
        error(await post(client, "nope", "decline", {}, user=alice), 404)
        == "Booking with uid=nope was not found in the database"
    )


async def test_confirm_refuses_a_double_booking_and_series_are_decided_whole(client, alice, event_types):
    open_confirm = await make_event_type(
        client, alice, "open-confirm", confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": False}
    )
    first = await booked(client, open_confirm, at(MONDAY, "10:00"))
    overlapping = await booked(
        client, open_confirm, at(MONDAY, "10:15"), attendee={**ATTENDEE, "email": "sam@example.com"}
    )
    assert (await post(client, first["uid"], "confirm", user=alice)).status_code == 200
    refused = await post(client, overlapping["uid"], "confirm", user=alice)
    assert error(refused, 409).startswith(
        f"Can't confirm booking with uid={overlapping['uid']}: its host already has an accepted booking"
    )
    assert (await get(client, overlapping["uid"])).json()["data"]["status"] == "pending"
    # An accepted regular booking blocks too; declining the pending one still works.
    assert (await post(client, overlapping["uid"], "decline", {}, user=alice)).status_code == 200

    series_type = await make_event_type(
        client,
        alice,
        "confirm-series",
        confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": False},
        recurrence={"interval": 1, "occurrences": 3, "frequency": "weekly"},
    )
    series = await booked(client, series_type, at(MONDAY, "14:00"))
    assert {b["status"] for b in series} == {"pending"}
    confirmed = (await post(client, series[0]["uid"], "confirm", user=alice)).json()["data"]
    series_now = (await get(client, series[0]["recurringBookingUid"])).json()["data"]
    assert confirmed["status"] == "accepted" and {b["status"] for b in series_now} == {"accepted"}


# ---------------------------------------------------------------- mark absent


@pytest.fixture
def clock(app):
    class Clock:
        now = datetime(2050, 9, 1, tzinfo=UTC)

        def __call__(self) -> datetime:
            return self.now

    frozen = Clock()
    app.dependency_overrides[request_now] = frozen
    return frozen


async def test_mark_absent_only_after_start(client, alice, bob, event_types, clock):
    meeting = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    body = {"host": True, "attendees": [{"email": "jane@example.com", "absent": True}]}
    assert error(await post(client, meeting["uid"], "mark-absent", body, user=alice), 400) == (
        "Bookings can only be marked as absent after their scheduled start time. Current time in UTC+0: "
        "2050-09-01T00:00:00.000Z, Booking start time in UTC+0: 2050-09-05T10:00:00.000Z"
    )
    clock.now = datetime(2050, 9, 5, 10, 5, tzinfo=UTC)
    assert (
        error(await post(client, meeting["uid"], "mark-absent", body, user=bob), 404)
        == f"Booking with uid={meeting['uid']} not found."
    )
    response = await post(client, meeting["uid"], "mark-absent", body, user=alice)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["absentHost"] is True and data["attendees"][0]["absent"] is True
    assert (
        error(
            await post(
                client,
                meeting["uid"],
                "mark-absent",
                {"attendees": [{"email": "who@example.com", "absent": True}]},
                user=alice,
            ),
            400,
        )
        == f"Booking with uid={meeting['uid']} has no attendee with email who@example.com."
    )
    assert error(await post(client, "nope", "mark-absent", body, user=alice), 404) == "Booking with uid=nope not found."


# ---------------------------------------------------------------- location


async def test_location_update(client, alice, bob, event_types):
    meeting = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    uid = meeting["uid"]

    async def patch(body: Any, user: Any = alice) -> httpx.Response:
        return await client.patch(f"/v2/bookings/{uid}/location", json=body, headers=v2(user))

    response = await patch({"location": {"type": "address", "address": "1 Main St"}})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["location"] == data["meetingUrl"] == "1 Main St"
    assert data["bookingFieldsResponses"]["location"] == {"value": "inPerson", "optionValue": ""}
    data = (await patch({"location": {"type": "attendeePhone", "phone": "+44 20 7946 0958"}})).json()["data"]
    assert data["location"] == "+44 20 7946 0958"
    assert data["bookingFieldsResponses"]["location"] == {"value": "phone", "optionValue": "+44 20 7946 0958"}
    assert (await patch({})).json()["data"]["location"] == "+44 20 7946 0958"  # nothing asked, nothing changed

    assert error(await patch({"location": {"type": "integration", "integration": "zoom"}}), 400) == (
        "UpdateBookingInputLocationValidator_2024_08_13 - Unsupported booking location type 'integration'. "
        "Valid types are address, link, phone, attendeePhone, attendeeAddress, and attendeeDefined."
    )
    assert error(await patch({"location": {"type": "link", "link": "not a url"}}), 400).startswith(
        "location.link - must be a URL"
    )
    assert error(await patch({"location": {"type": "phone", "phone": "12"}}), 400).startswith(
        "location.phone - must be a valid phone"
    )
    assert (
        error(await patch({"location": {"type": "address", "address": "x"}}, user=bob), 404)
        == f"Booking with uid={uid} not found"
    )
    assert (await patch({"location": {"type": "address", "address": "x"}}, user=None)).status_code == 401
