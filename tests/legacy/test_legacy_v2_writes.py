"""The writes of v2's legacy family (no ``cal-api-version``, or 2024-04-15): booking cancel, mark-no-show
and recurring create (Cal.com's ``BookingsController_2024_04_15``) and schedule create / update /
delete (``SchedulesController_2024_04_15``), all over the services the current versions use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calapi.core.clock import request_now
from tests.conftest import BOTH_DATABASES
from tests.legacy.test_legacy_v2 import (
    FIRST_SLOT,
    NOW,
    assert_deprecated,
    legacy_booking_body,
)
from tests.slots.seed import give_schedule, make_event_type

WEEKLY = {"interval": 1, "occurrences": 3, "frequency": "weekly"}
SERIES = [FIRST_SLOT, "2050-09-12T08:00:00.000Z", "2050-09-19T08:00:00.000Z"]  # Mondays 09:00 in London (BST)
CURRENT_BOOKINGS = {"cal-api-version": "2024-08-13"}


@pytest.fixture
def clock(app):
    """The request clock, frozen at NOW; ``clock(moment)`` moves it."""

    def move(moment: datetime) -> None:
        app.dependency_overrides[request_now] = lambda: moment

    move(NOW)
    return move


@pytest.fixture
async def event_type_id(app, alice, clock) -> int:
    await give_schedule(app, alice.id)
    return await make_event_type(app, alice.id, slug="thirty", length=30)


@pytest.fixture
async def weekly_id(app, alice, event_type_id) -> int:
    return await make_event_type(app, alice.id, slug="weekly", length=30, recurrence=WEEKLY)


def assert_error(response, status: int, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error", body
    if message is not None:
        assert body["error"]["message"] == message, body


async def legacy_book(client, event_type_id: int, start: str = FIRST_SLOT) -> dict:
    made = await client.post("/v2/bookings", json=legacy_booking_body(event_type_id, start))
    assert made.status_code == 201, made.text
    return made.json()["data"]


# ---------------------------------------------------------------- POST /v2/bookings/{uid}/cancel


async def test_legacy_cancel(client, alice, bob, event_type_id):
    """CancelBookingInput_2024_04_15 → 201 ``{bookingId, bookingUid, onlyRemovedAttendee}``; the
    controller's own refusals (a numeric id, an unknown uid, a cancelled booking) word for word."""
    booking = await legacy_book(client, event_type_id)
    other = await legacy_book(client, event_type_id, "2050-09-05T09:00:00.000Z")

    cancelled = await client.post(f"/v2/bookings/{booking['uid']}/cancel", json={"cancellationReason": "Ill"})
    assert cancelled.status_code == 201, cancelled.text
    assert_deprecated(cancelled, "2024-08-13")
    assert cancelled.json() == {
        "status": "success",
        "data": {"bookingId": booking["id"], "bookingUid": booking["uid"], "onlyRemovedAttendee": False},
    }
    info = (await client.get(f"/v2/bookings/{booking['uid']}")).json()["data"]
    assert (info["status"], info["cancellationReason"]) == ("CANCELLED", "Ill")
    assert (await client.get(f"/v2/bookings/{other['uid']}")).json()["data"]["status"] == "ACCEPTED"

    again = await client.post(f"/v2/bookings/{booking['uid']}/cancel", json={})
    assert_error(
        again,
        400,
        (
            f"Can't cancel booking with uid={booking['uid']} because it has been cancelled already. "
            "Please provide uid of a booking that is not cancelled."
        ),
    )
    assert_deprecated(again, "2024-08-13")
    assert_error(
        await client.post(f"/v2/bookings/{booking['id']}/cancel"),
        400,
        "Please provide booking uid instead of booking id.",
    )
    assert_error(
        await client.post("/v2/bookings/no-such-uid/cancel"), 404, "Booking with UID=no-such-uid does not exist."
    )
    assert_error(
        await client.post(f"/v2/bookings/{other['uid']}/cancel", json={"reason": "x"}),
        400,
        "reason property is wrong,property reason should not exist ",
    )
    assert_error(await client.post(f"/v2/bookings/{other['uid']}/cancel", json={"allRemainingBookings": "yes"}), 400)
    assert_error(await client.post(f"/v2/bookings/{other['uid']}/cancel", content=b"[1]"), 400)
    # Anyone holding the uid may cancel, as in Cal.com (the booker's cancel link needs no account): Bob too.
    by_bob = await client.post(f"/v2/bookings/{other['uid']}/cancel", headers=bob.headers)
    assert by_bob.status_code == 201 and by_bob.json()["data"]["bookingUid"] == other["uid"]
    assert (await client.get(f"/v2/bookings/{other['uid']}")).json()["data"]["status"] == "CANCELLED"
    # 2024-09-04 serves no bookings routes; instant meetings are not served on any version.
    assert_error(
        await client.post(f"/v2/bookings/{other['uid']}/cancel", headers={"cal-api-version": "2024-09-04"}), 404
    )
    instant = await client.post("/v2/bookings/instant", json=legacy_booking_body(event_type_id))
    assert_error(instant, 404, "Cannot POST /v2/bookings/instant")


@BOTH_DATABASES
async def test_legacy_cancel_all_remaining_bookings(client, alice, weekly_id):
    series = (
        await client.post("/v2/bookings/recurring", json=[legacy_booking_body(weekly_id, s) for s in SERIES])
    ).json()["data"]
    first, second, third = (b["uid"] for b in series)
    # Without allRemainingBookings only the one occurrence goes.
    assert (await client.post(f"/v2/bookings/{third}/cancel", json={})).status_code == 201
    statuses = [(await client.get(f"/v2/bookings/{uid}")).json()["data"]["status"] for uid in (first, second, third)]
    assert statuses == ["ACCEPTED", "ACCEPTED", "CANCELLED"]
    # With it, every remaining occurrence of the series, earlier ones included (Cal.com: all from now on).
    remaining = await client.post(
        f"/v2/bookings/{second}/cancel", json={"allRemainingBookings": True, "cancellationReason": "Moving"}
    )
    assert remaining.status_code == 201, remaining.text
    assert remaining.json()["data"] == {
        "bookingId": series[1]["id"],
        "bookingUid": second,
        "onlyRemovedAttendee": False,
    }
    infos = [(await client.get(f"/v2/bookings/{uid}")).json()["data"] for uid in (first, second)]
    assert [(i["status"], i["cancellationReason"]) for i in infos] == [("CANCELLED", "Moving")] * 2


async def test_legacy_cancel_one_seat(app, client, stranger_client, alice, clock):
    await give_schedule(app, alice.id)
    seated = await make_event_type(app, alice.id, slug="class", length=30, seats_per_time_slot=3)
    body = {
        "start": FIRST_SLOT,
        "eventTypeId": seated,
        "attendee": {"name": "Carol", "email": "carol@example.com", "timeZone": "UTC"},
    }
    carol = (await client.post("/v2/bookings", json=body, headers=CURRENT_BOOKINGS)).json()["data"]
    dan_body = {**body, "attendee": {"name": "Dan", "email": "dan@example.com", "timeZone": "UTC"}}
    dan = (await stranger_client.post("/v2/bookings", json=dan_body, headers=CURRENT_BOOKINGS)).json()["data"]
    assert carol["uid"] == dan["uid"]
    removed = await client.post(f"/v2/bookings/{carol['uid']}/cancel", json={"seatReferenceUid": dan["seatUid"]})
    assert removed.status_code == 201, removed.text
    assert removed.json()["data"] == {"bookingId": carol["id"], "bookingUid": carol["uid"], "onlyRemovedAttendee": True}
    info = (await client.get(f"/v2/bookings/{carol['uid']}")).json()["data"]
    assert info["status"] == "ACCEPTED" and [a["email"] for a in info["attendees"]] == ["carol@example.com"]
    assert_error(await client.post(f"/v2/bookings/{carol['uid']}/cancel", json={"seatReferenceUid": "nope"}), 400)


# ---------------------------------------------------------------- POST /v2/bookings/{uid}/mark-no-show


@BOTH_DATABASES
async def test_legacy_mark_no_show(client, alice, bob, admin, event_type_id, clock):
    booking = await legacy_book(client, event_type_id)
    uid = booking["uid"]
    carol = {"attendees": [{"email": "carol@example.com", "noShow": True}]}
    early = await client.post(f"/v2/bookings/{uid}/mark-no-show", json=carol, headers=alice.headers)
    assert_error(early, 400)  # before the start (Cal.com's 403 there escaped as a 500)
    assert "after their scheduled start time" in early.json()["error"]["message"]

    clock(datetime(2050, 9, 5, 9, tzinfo=UTC))
    marked = await client.post(f"/v2/bookings/{uid}/mark-no-show", json=carol, headers=alice.headers)
    assert marked.status_code == 201, marked.text
    assert_deprecated(marked, "2024-08-13")
    assert marked.json() == {
        "status": "success",
        "data": {
            "attendees": [{"email": "carol@example.com", "noShow": True}],
            "noShowHost": False,
            "message": "carol@example.com marked as no-show",
        },
    }
    current = (await client.get(f"/v2/bookings/{uid}", headers={**alice.headers, **CURRENT_BOOKINGS})).json()["data"]
    assert [a["absent"] for a in current["attendees"]] == [True] and current["absentHost"] is False

    unmarked = await client.post(
        f"/v2/bookings/{uid}/mark-no-show",
        json={"attendees": [{"email": "carol@example.com", "noShow": False}]},
        headers=alice.headers,
    )
    assert unmarked.json()["data"]["message"] == "carol@example.com unmarked as no-show"
    host = await client.post(f"/v2/bookings/{uid}/mark-no-show", json={"noShowHost": True}, headers=alice.headers)
    assert host.status_code == 201, host.text
    assert host.json()["data"] == {"attendees": [], "noShowHost": True, "message": "No-show status updated"}
    current = (await client.get(f"/v2/bookings/{uid}", headers={**alice.headers, **CURRENT_BOOKINGS})).json()["data"]
    assert [a["absent"] for a in current["attendees"]] == [False] and current["absentHost"] is True

    # Only the organizer (or an admin): anyone else gets 404, and nothing changes.
    assert_error(await client.post(f"/v2/bookings/{uid}/mark-no-show", json=carol, headers=bob.headers), 404)
    assert (await client.post(f"/v2/bookings/{uid}/mark-no-show", json=carol, headers=admin.headers)).status_code == 201
    assert_error(await client.post(f"/v2/bookings/{uid}/mark-no-show", json=carol), 401)
    assert_error(await client.post("/v2/bookings/no-such-uid/mark-no-show", json=carol, headers=alice.headers), 404)
    bad_email = {"attendees": [{"email": "not-an-email", "noShow": True}]}
    assert_error(await client.post(f"/v2/bookings/{uid}/mark-no-show", json=bad_email, headers=alice.headers), 400)
    not_bool = {"attendees": [{"email": "carol@example.com", "noShow": "yes"}]}
    assert_error(await client.post(f"/v2/bookings/{uid}/mark-no-show", json=not_bool, headers=alice.headers), 400)
    stranger = {"attendees": [{"email": "zed@example.com", "noShow": True}]}
    assert_error(await client.post(f"/v2/bookings/{uid}/mark-no-show", json=stranger, headers=alice.headers), 400)


# ---------------------------------------------------------------- POST /v2/bookings/recurring


async def test_legacy_recurring_create(client, alice, weekly_id):
    """An array of create bodies, one per occurrence → 201 with every booking of the series."""
    made = await client.post("/v2/bookings/recurring", json=[legacy_booking_body(weekly_id, start) for start in SERIES])
    assert made.status_code == 201, made.text
    assert_deprecated(made, "2024-08-13")
    bookings = made.json()["data"]
    assert [b["startTime"] for b in bookings] == SERIES
    assert {b["eventTypeId"] for b in bookings} == {weekly_id} and {b["status"] for b in bookings} == {"ACCEPTED"}
    assert [[a["email"] for a in b["attendees"]] for b in bookings] == [["carol@example.com"]] * 3
    infos = [(await client.get(f"/v2/bookings/{b['uid']}")).json()["data"] for b in bookings]
    assert len({i["recurringEventId"] for i in infos}) == 1 and infos[0]["recurringEventId"] is not None
    listed = (await client.get("/v2/bookings", headers=alice.headers)).json()["data"]
    assert listed["totalCount"] == 3 and listed["recurringInfo"][0]["count"] == 3

    # Two occurrences asked for, two booked.
    two = await client.post(
        "/v2/bookings/recurring",
        json=[legacy_booking_body(weekly_id, s) for s in ("2050-09-06T08:00:00.000Z", "2050-09-13T08:00:00.000Z")],
    )
    assert two.status_code == 201, two.text
    assert [b["startTime"] for b in two.json()["data"]] == ["2050-09-06T08:00:00.000Z", "2050-09-13T08:00:00.000Z"]


@BOTH_DATABASES
async def test_legacy_recurring_create_refusals(client, alice, event_type_id, weekly_id):
    # Starts that are not the event type's recurrence: refused, and nothing is kept.
    skewed = [
        legacy_booking_body(weekly_id, s) for s in (FIRST_SLOT, "2050-09-13T08:00:00.000Z", "2050-09-19T08:00:00.000Z")
    ]
    refused = await client.post("/v2/bookings/recurring", json=skewed)
    assert_error(
        refused,
        400,
        (
            "The bookings' start times do not follow the event type's recurrence: expected "
            "2050-09-05T08:00:00.000Z, 2050-09-12T08:00:00.000Z, 2050-09-19T08:00:00.000Z."
        ),
    )
    assert_deprecated(refused, "2024-08-13")
    assert (await client.get("/v2/bookings", headers=alice.headers)).json()["data"]["totalCount"] == 0
    not_recurring = await client.post("/v2/bookings/recurring", json=[legacy_booking_body(event_type_id)])
    assert_error(
        not_recurring,
        400,
        f"Event type with ID={event_type_id} is not a recurring event type: book it with POST /v2/bookings.",
    )
    assert (await client.get("/v2/bookings", headers=alice.headers)).json()["data"]["totalCount"] == 0
    too_many = [legacy_booking_body(weekly_id, f"2050-{m:02d}-05T08:00:00.000Z") for m in (9, 10, 11, 12)]
    assert_error(await client.post("/v2/bookings/recurring", json=too_many), 400)
    for body in ({"start": FIRST_SLOT}, [], [1], "x"):
        assert_error(await client.post("/v2/bookings/recurring", json=body), 400)
    missing_event_type = legacy_booking_body(weekly_id)
    del missing_event_type["eventTypeId"]
    assert_error(await client.post("/v2/bookings/recurring", json=[missing_event_type]), 400)
    bad_later = [
        legacy_booking_body(weekly_id, SERIES[0]),
        {**legacy_booking_body(weekly_id, SERIES[1]), "start": "monday"},
    ]
    assert_error(await client.post("/v2/bookings/recurring", json=bad_later), 400)
    assert (await client.get("/v2/bookings", headers=alice.headers)).json()["data"]["totalCount"] == 0


# ---------------------------------------------------------------- /v2/schedules writes


async def test_legacy_schedule_create(app, client, alice, clock):
    first = await give_schedule(app, alice.id)
    body = {
        "name": "Evenings",
        "timeZone": "Europe/Rome",
        "isDefault": False,
        # Cal.com reads the time as written, whatever the offset: 18:00 and 21:30.
        "availabilities": [
            {"days": [1, 3], "startTime": "2050-09-01T18:00:00.000+02:00", "endTime": "2050-09-01T21:30:00.000Z"}
        ],
    }
    made = await client.post("/v2/schedules", json=body, headers=alice.headers)
    assert made.status_code == 201, made.text
    assert_deprecated(made, "2024-06-11")
    schedule = made.json()["data"]
    assert (schedule["name"], schedule["timeZone"], schedule["isDefault"], schedule["isLastSchedule"]) == (
        "Evenings",
        "Europe/Rome",
        False,
        False,
    )
    assert schedule["workingHours"] == [{"days": [1, 3], "startTime": 1080, "endTime": 1290}]
    assert schedule["availability"][1] == [{"start": "2050-09-01T18:00:00.000Z", "end": "2050-09-01T21:30:00.000Z"}]
    assert (await client.get(f"/v2/schedules/{schedule['id']}", headers=alice.headers)).json()["data"] == schedule

    # No availabilities (or none listed): Monday–Friday 09:00–17:00; isDefault moves the default.
    plain = await client.post(
        "/v2/schedules",
        json={"name": "Plain", "timeZone": "UTC", "isDefault": True, "availabilities": []},
        headers=alice.headers,
    )
    assert plain.status_code == 201, plain.text
    assert plain.json()["data"]["workingHours"] == [{"days": [1, 2, 3, 4, 5], "startTime": 540, "endTime": 1020}]
    assert (
        (await client.get("/v2/schedules/default", headers=alice.headers)).json()["data"]["id"]
        == plain.json()["data"]["id"]
        != first
    )

    for bad in (
        {"name": "x", "timeZone": "UTC"},  # isDefault is required
        {"name": "x", "timeZone": "Mars/Olympus", "isDefault": False},
        {"name": "x", "timeZone": "UTC", "isDefault": "no"},
        {
            "name": "x",
            "timeZone": "UTC",
            "isDefault": False,
            "availabilities": [{"days": [9], "startTime": "2050-09-01T09:00:00Z", "endTime": "2050-09-01T10:00:00Z"}],
        },
        {
            "name": "x",
            "timeZone": "UTC",
            "isDefault": False,
            "availabilities": [{"days": [1], "startTime": "nine", "endTime": "2050-09-01T10:00:00Z"}],
        },
        {
            "name": "x",
            "timeZone": "UTC",
            "isDefault": False,
            "availabilities": [{"days": [1], "startTime": "2050-09-01T11:00:00Z", "endTime": "2050-09-01T10:00:00Z"}],
        },
    ):
        response = await client.post("/v2/schedules", json=bad, headers=alice.headers)
        assert_error(response, 400)
        assert_deprecated(response, "2024-06-11")
    assert_error(await client.post("/v2/schedules", json=body), 401)
    assert len((await client.get("/v2/schedules", headers=alice.headers)).json()["data"]) == 3


@BOTH_DATABASES
async def test_legacy_schedule_update(app, client, alice, bob, clock):
    default = await give_schedule(app, alice.id)
    other = await give_schedule(app, alice.id, make_default=False)
    await make_event_type(app, alice.id, slug="uses-it", length=30, schedule_id=other)
    week = [[] for _ in range(7)]
    week[1] = week[3] = [{"start": "2050-09-01T10:00:00.000Z", "end": "2050-09-01T12:00:00.000Z"}]
    week[5] = [{"start": "2050-09-01T13:00:00.000Z", "end": "2050-09-01T23:59:59.999Z"}]
    body = {
        "name": "Late",
        "timeZone": "America/New_York",
        "isDefault": True,
        "schedule": week,
        "dateOverrides": [{"start": "2050-09-10T14:00:00.000Z", "end": "2050-09-10T15:00:00.000Z"}],
    }
    updated = await client.patch(f"/v2/schedules/{other}", json=body, headers=alice.headers)
    assert updated.status_code == 200, updated.text
    assert_deprecated(updated, "2024-06-11")
    data = updated.json()["data"]
    assert list(data) == ["schedule", "availability", "timeZone", "isDefault", "prevDefaultId", "currentDefaultId"]
    assert (data["isDefault"], data["prevDefaultId"], data["currentDefaultId"], data["timeZone"]) == (
        True,
        default,
        other,
        "America/New_York",
    )
    row = data["schedule"]
    assert (row["id"], row["userId"], row["name"], row["timeZone"]) == (other, alice.id, "Late", "America/New_York")
    assert [e["eventName"] for e in row["eventType"]] == [None] and len(row["eventType"]) == 1
    # Ranges with the same times on several days are one row, as Cal.com stores them; 23:59:59.999 is 23:59.
    assert [(r["days"], r["startTime"], r["endTime"], r["date"]) for r in row["availability"]] == [
        ([1, 3], "1970-01-01T10:00:00.000Z", "1970-01-01T12:00:00.000Z", None),
        ([5], "1970-01-01T13:00:00.000Z", "1970-01-01T23:59:00.000Z", None),
        ([], "1970-01-01T14:00:00.000Z", "1970-01-01T15:00:00.000Z", "2050-09-10T00:00:00.000Z"),
    ]
    assert data["availability"][5] == [{"start": "2050-09-01T13:00:00.000Z", "end": "2050-09-01T23:59:59.999Z"}]
    read = (await client.get(f"/v2/schedules/{other}", headers=alice.headers)).json()["data"]
    assert read["isDefault"] is True and read["dateOverrides"] == [
        {"ranges": [{"start": "2050-09-10T14:00:00.000Z", "end": "2050-09-10T15:00:00.000Z"}]}
    ]

    # Only what is sent changes (Cal.com dropped the overrides when `dateOverrides` was left out; calapi keeps them).
    renamed = (await client.patch(f"/v2/schedules/{other}", json={"name": "Later"}, headers=alice.headers)).json()[
        "data"
    ]
    assert renamed["schedule"]["name"] == "Later" and len(renamed["schedule"]["availability"]) == 3
    assert (renamed["prevDefaultId"], renamed["currentDefaultId"]) == (other, other)

    assert_error(
        await client.patch(f"/v2/schedules/{other}", json={"name": "Mine"}, headers=bob.headers),
        403,
        f"User with ID={bob.id} does not own schedule with ID={other}",
    )
    assert_error(
        await client.patch("/v2/schedules/999999", json={"name": "x"}, headers=alice.headers),
        404,
        "Schedule with ID=999999 does not exist.",
    )
    for bad in (
        {"schedule": "x"},
        {"schedule": [[{"start": "ten", "end": "2050-09-01T12:00:00Z"}]]},
        {"name": ""},
        {"timeZone": "Nowhere"},
        {"isDefault": "yes"},
    ):
        assert_error(await client.patch(f"/v2/schedules/{other}", json=bad, headers=alice.headers), 400)
    assert_error(await client.patch(f"/v2/schedules/{other}", json={"name": "x"}), 401)
    assert (await client.get(f"/v2/schedules/{other}", headers=alice.headers)).json()["data"]["name"] == "Later"


async def test_legacy_schedule_delete(app, client, alice, bob, clock):
    await give_schedule(app, alice.id)
    spare = await give_schedule(app, alice.id, make_default=False)
    assert_error(
        await client.delete(f"/v2/schedules/{spare}", headers=bob.headers),
        403,
        f"User with ID={bob.id} does not own schedule with ID={spare}",
    )
    assert_error(
        await client.delete("/v2/schedules/999999", headers=alice.headers),
        400,
        "Schedule with ID=999999 does not exist.",
    )
    assert_error(await client.delete("/v2/schedules/abc", headers=alice.headers), 400)
    deleted = await client.delete(f"/v2/schedules/{spare}", headers=alice.headers)
    assert deleted.status_code == 200 and deleted.json() == {"status": "success"}
    assert_deprecated(deleted, "2024-06-11")
    assert_error(await client.get(f"/v2/schedules/{spare}", headers=alice.headers), 404)
    assert len((await client.get("/v2/schedules", headers=alice.headers)).json()["data"]) == 1


# ---------------------------------------------------------------- POST /v2/bookings with rescheduleUid


async def test_legacy_create_with_reschedule_uid_moves_the_booking(client, alice, event_type_id):
    """CreateBookingInput_2024_04_15's ``rescheduleUid``: Cal.com's old create reschedules that booking
    (bookings.controller.e2e-spec.ts) — one booking moves, none is added."""
    booking = await legacy_book(client, event_type_id)
    body = {
        **legacy_booking_body(event_type_id, "2050-09-05T10:00:00.000Z"),
        "rescheduleUid": booking["uid"],
        "rescheduledBy": "carol@example.com",
    }
    moved = await client.post("/v2/bookings", json=body)
    assert moved.status_code == 201, moved.text
    assert_deprecated(moved, "2024-08-13")
    new = moved.json()["data"]
    assert (new["startTime"], new["fromReschedule"], new["status"]) == (
        "2050-09-05T10:00:00.000Z",
        booking["uid"],
        "ACCEPTED",
    )
    assert new["uid"] != booking["uid"] and [a["email"] for a in new["attendees"]] == ["carol@example.com"]
    assert (await client.get(f"/v2/bookings/{booking['uid']}")).json()["data"]["status"] == "CANCELLED"
    listed = (await client.get("/v2/bookings", headers=alice.headers)).json()["data"]
    assert [b["uid"] for b in listed["bookings"]] == [new["uid"]]

    again = await client.post("/v2/bookings", json={**body, "start": "2050-09-05T11:00:00.000Z"})
    assert_error(again, 400)  # the old booking is cancelled now: the reschedule service refuses it
    assert_error(await client.post("/v2/bookings", json={**body, "rescheduleUid": "no-such-uid"}), 404)
    assert_error(
        await client.post("/v2/bookings", json={**body, "rescheduleUid": new["uid"], "rescheduledBy": "not-an-email"}),
        400,
    )
    assert [b["uid"] for b in (await client.get("/v2/bookings", headers=alice.headers)).json()["data"]["bookings"]] == [
        new["uid"]
    ]
