"""``POST /v2/bookings`` (2024-08-13) through the HTTP API: output fields by name and type, refusals, events."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from calapi.bookings.models import Attendee, Booking, BookingSeat
from calapi.jobs.models import DomainEvent, Job
from tests.bookings.conftest import ATTENDEE, MONDAY, OCCURRENCES, OMIT, SEATS, at, book, make_event_type
from tests.conftest import BOTH_DATABASES

STR, INT, BOOL, NONE, DICT, LIST = str, int, bool, type(None), dict, list
BOOKING_FIELDS = {
    "id": INT,
    "uid": STR,
    "title": STR,
    "description": (STR, NONE),
    "hosts": LIST,
    "status": STR,
    "cancellationReason": STR,
    "cancelledByEmail": STR,
    "rescheduledByEmail": (STR, NONE),
    "start": STR,
    "end": STR,
    "duration": INT,
    "eventTypeId": INT,
    "eventType": DICT,
    "meetingUrl": (STR, NONE),
    "location": (STR, NONE),
    "absentHost": BOOL,
    "createdAt": STR,
    "updatedAt": (STR, NONE),
    "metadata": DICT,
    "rating": (INT, NONE),
    "icsUid": (STR, NONE),
    "attendees": LIST,
    "bookingFieldsResponses": DICT,
}
SEATED_FIELDS = {
    k: v for k, v in BOOKING_FIELDS.items() if k not in ("bookingFieldsResponses", "metadata", "cancelledByEmail")
}
HOST_FIELDS = {"id": INT, "name": STR, "email": STR, "displayEmail": STR, "username": STR, "timeZone": STR}
ATTENDEE_FIELDS = {
    "name": STR,
    "email": STR,
    "displayEmail": STR,
    "timeZone": STR,
    "language": (STR, NONE),
    "absent": BOOL,
}
SEAT_ATTENDEE_FIELDS = {**ATTENDEE_FIELDS, "seatUid": STR, "bookingFieldsResponses": DICT, "metadata": DICT}


def assert_shape(obj: dict, fields: dict) -> None:
    assert set(obj) == set(fields), sorted(set(obj) ^ set(fields))
    for name, kind in fields.items():
        assert isinstance(obj[name], kind), (name, obj[name])


def assert_error(response, status: int, message: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["message"] == message
    return body


async def rows(app, model, *where):
    async with app.state.sessionmaker() as session:
        return list((await session.scalars(select(model).where(*where))).all())


@BOTH_DATABASES
async def test_regular_booking_has_every_output_field(client, app, alice, event_types):
    response = await book(
        client,
        event_types.regular,
        at(MONDAY, "10:00"),
        guests=["guest@example.com"],
        bookingFieldsResponses={"notes": "Agenda"},
        metadata={"ref": "x1", "n": 3, "ok": True},
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert_shape(data, {**BOOKING_FIELDS, "guests": LIST})
    assert_shape(data["hosts"][0], HOST_FIELDS)
    assert data["hosts"][0]["id"] == alice.id and data["hosts"][0]["username"] == "alice"
    assert data["status"] == "accepted"
    assert (data["start"], data["end"], data["duration"]) == (
        "2050-09-05T10:00:00.000Z",
        "2050-09-05T10:30:00.000Z",
        30,
    )
    assert data["eventType"] == {"id": event_types.regular, "slug": "regular"}
    assert data["location"] == data["meetingUrl"] == "integrations:daily"
    assert data["cancellationReason"] == "" and data["cancelledByEmail"] == ""
    assert data["metadata"] == {"ref": "x1", "n": 3, "ok": True}
    assert data["guests"] == ["guest@example.com"]
    assert data["description"] == "Agenda"
    jane, guest = data["attendees"]
    assert_shape(jane, ATTENDEE_FIELDS)
    assert (jane["email"], jane["timeZone"], jane["language"]) == ("jane@example.com", "Europe/Rome", "it")
    assert guest["email"] == "guest@example.com"
    responses = data["bookingFieldsResponses"]
    assert responses["location"] == {"value": "integrations:daily", "optionValue": ""}
    assert responses["notes"] == "Agenda" and responses["displayEmail"] == "jane@example.com"
    assert responses["displayGuests"] == ["guest@example.com"]
    # Outbox: BOOKING_CREATED with Cal.com's payload, MEETING_STARTED/ENDED deferred to start/end.
    triggers = {e.trigger: e for e in await rows(app, DomainEvent, DomainEvent.subject_uid == data["uid"])}
    assert set(triggers) == {"BOOKING_CREATED", "MEETING_STARTED", "MEETING_ENDED"}
    payload = triggers["BOOKING_CREATED"].payload
    assert payload["uid"] == data["uid"] and payload["bookingId"] == data["id"] and payload["status"] == "ACCEPTED"
    assert payload["organizer"]["email"] == "alice@example.com" and payload["attendees"][0]["firstName"] == "Jane"
    assert payload["startTime"] == data["start"] and payload["length"] == 30 and payload["type"] == "regular"
    jobs = {j.payload["eventId"]: j for j in await rows(app, Job, Job.kind == "events.dispatch")}
    assert jobs[triggers["MEETING_STARTED"].id].run_at.isoformat().startswith("2050-09-05T10:00")
    assert jobs[triggers["MEETING_ENDED"].id].run_at.isoformat().startswith("2050-09-05T10:30")


@BOTH_DATABASES
async def test_recurring_booking_is_a_sorted_series(client, app, event_types):
    response = await book(client, event_types.recurring, at(MONDAY, "11:00"))
    assert response.status_code == 201, response.text
    series = response.json()["data"]
    assert isinstance(series, list) and len(series) == OCCURRENCES
    assert [b["start"] for b in series] == [f"2050-09-{d:02d}T11:00:00.000Z" for d in (5, 12, 19, 26)]
    assert len({b["recurringBookingUid"] for b in series}) == 1
    for item in series:
        assert_shape(item, {**BOOKING_FIELDS, "recurringBookingUid": STR})
        assert "phoneNumber" not in item["attendees"][0]
    two = await book(client, event_types.recurring, at("2050-10-03", "11:00"), recurrenceCount=2)
    assert two.status_code == 201 and len(two.json()["data"]) == 2
    too_many = await book(client, event_types.recurring, at("2050-11-07", "11:00"), recurrenceCount=OCCURRENCES + 1)
    assert_error(too_many, 400, "Provided recurrence count is higher than the event type's recurring event count.")


async def test_recurring_series_fails_whole_when_one_occurrence_is_taken(client, app, event_types):
    assert (await book(client, event_types.regular, at("2050-09-19", "11:00"))).status_code == 201
    response = await book(client, event_types.recurring, at(MONDAY, "11:00"))
    assert_error(response, 409, "User either already has booking at this time or is not available")
    assert len(await rows(app, Booking, Booking.event_type_id == event_types.recurring)) == 0


@BOTH_DATABASES
async def test_seats_join_one_booking_and_hide_attendees_from_strangers(client, app, alice, event_types):
    first = await book(client, event_types.seated, at(MONDAY, "12:00"))
    assert first.status_code == 201, first.text
    data = first.json()["data"]
    assert_shape(data, {**SEATED_FIELDS, "seatUid": STR})
    assert list(data)[-1] == "seatUid"
    assert data["attendees"] == []  # quirk 14: anonymous caller, seatsShowAttendees off
    second = await book(
        client,
        event_types.seated,
        at(MONDAY, "12:00"),
        attendee={**ATTENDEE, "email": "sam@example.com"},
        headers=alice.headers,
    )
    assert second.status_code == 201, second.text
    owner_view = second.json()["data"]
    assert owner_view["uid"] == data["uid"] and owner_view["seatUid"] != data["seatUid"]
    assert [a["email"] for a in owner_view["attendees"]] == ["jane@example.com", "sam@example.com"]
    for attendee in owner_view["attendees"]:
        assert_shape(attendee, SEAT_ATTENDEE_FIELDS)
        assert "email" not in attendee["bookingFieldsResponses"]
    booking_rows = await rows(app, Booking, Booking.event_type_id == event_types.seated)
    assert len(booking_rows) == 1
    assert len(await rows(app, BookingSeat, BookingSeat.booking_id == booking_rows[0].id)) == 2
    for n in range(SEATS - 2):
        ok = await book(
            client, event_types.seated, at(MONDAY, "12:00"), attendee={**ATTENDEE, "email": f"p{n}@example.com"}
        )
        assert ok.status_code == 201
    full = await book(client, event_types.seated, at(MONDAY, "12:00"))
    assert_error(full, 409, "No more seats left at this seated booking.")


@BOTH_DATABASES
async def test_requires_confirmation_makes_a_pending_booking_and_requests_it(client, app, event_types):
    response = await book(client, event_types.confirm, at(MONDAY, "13:00"))
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["status"] == "pending"
    triggers = sorted(e.trigger for e in await rows(app, DomainEvent, DomainEvent.subject_uid == data["uid"]))
    assert triggers == ["BOOKING_REQUESTED"]


async def test_variable_length(client, event_types):
    ok = await book(client, event_types.variable, at(MONDAY, "14:00"), lengthInMinutes=60)
    assert ok.status_code == 201 and ok.json()["data"]["duration"] == 60
    bad = await book(client, event_types.variable, at(MONDAY, "16:00"), lengthInMinutes=45)
    assert_error(
        bad,
        400,
        "Provided 'lengthInMinutes' is not one of the possible lengths for the event type. The possible lengths are: 15, 30, 60",
    )
    fixed = await book(client, event_types.regular, at(MONDAY, "16:00"), lengthInMinutes=30)
    assert fixed.status_code == 400 and "does not have multiple possible lengths" in fixed.json()["error"]["message"]


async def test_slug_and_username_identify_the_event_type(client, alice, event_types):
    ok = await book(client, None, at(MONDAY, "09:00"), eventTypeId=OMIT, eventTypeSlug="regular", username="alice")
    assert ok.status_code == 201, ok.text
    assert_error(
        await book(client, None, at(MONDAY, "09:30"), eventTypeId=OMIT, eventTypeSlug="nope", username="alice"),
        404,
        "Event type with slug nope belonging to user alice not found.",
    )
    assert_error(
        await book(client, None, at(MONDAY, "09:30"), eventTypeId=OMIT, eventTypeSlug="regular", username="ghost"),
        404,
        "User with username ghost not found",
    )
    assert_error(
        await book(client, None, at(MONDAY, "09:30"), eventTypeId=OMIT, eventTypeSlug="regular", teamSlug="t"),
        404,
        "Team with slug t not found",
    )


async def test_no_event_type_is_refused_in_cal_com_words(client, event_types):
    expected = "Either eventTypeId or eventTypeSlug + username or eventTypeSlug + teamSlug must be provided"
    assert_error(await book(client, None, at(MONDAY, "09:30"), eventTypeId=OMIT), 400, expected)
    assert_error(
        await book(client, None, at(MONDAY, "09:30"), eventTypeId=OMIT, eventTypeSlug="regular"), 400, expected
    )
    assert_error(await book(client, None, at(MONDAY, "09:30"), eventTypeId=OMIT, teamSlug="t"), 400, expected)


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"eventTypeId": 999999}, 404, "Event type with id 999999 not found."),
        ({"start": "2001-01-01T10:00:00Z"}, 400, "Attempting to book a meeting in the past."),
        ({"foo": 1}, 400, "foo property is wrong,property foo should not exist "),
        (
            {"attendee": {"name": "Jo", "timeZone": "UTC"}},
            400,
            "attendee email or phone property is wrong,Attendee must have at least one contact method (email or phone number) ",
        ),
        (
            {"metadata": {"k" * 41: "v"}},
            400,
            "metadata must be an object with up to 50 keys, each key name up to 40 characters, and values with a maximum length of 500 characters.",
        ),
        (
            {"metadata": {"nested": {"a": 1}}},
            400,
            "metadata must be an object with up to 50 keys, each key name up to 40 characters, and values with a maximum length of 500 characters.",
        ),
        (
            {"location": {"type": "address"}},
            400,
            "Booking location with type address not valid for event type with id={et}. The event type has following location types: integration, and only these types are allowed for booking location.",
        ),
        (
            {"location": {"type": "integration", "integration": "zoom"}},
            400,
            "Booking location with type integration not valid for event type with id={et}. The event type has following location types: integration, and only these types are allowed for booking location.",
        ),
        (
            {"instant": True},
            400,
            "Instant bookings are only supported for team event types, not individual user event types.",
        ),
    ],
)
async def test_refusals_name_the_problem(client, event_types, overrides, status, message):
    response = await book(client, event_types.regular, at(MONDAY, "10:00"), **overrides)
    assert_error(response, status, message.replace("{et}", str(event_types.regular)))


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"start": "next monday"}, "start property is wrong"),
        ({"start": 1234567890}, "start property is wrong"),
        ({"attendee": {**ATTENDEE, "timeZone": "Mars/Olympus"}}, "attendee.timeZone property is wrong"),
        ({"attendee": {**ATTENDEE, "language": "xx"}}, "attendee.language property is wrong"),
        ({"attendee": {**ATTENDEE, "email": "not-an-email"}}, "attendee.email property is wrong"),
        ({"eventTypeId": "12"}, "eventTypeId property is wrong"),
        ({"lengthInMinutes": 0}, "lengthInMinutes property is wrong"),
    ],
)
async def test_malformed_fields_are_400_with_the_field_named(client, event_types, overrides, fragment):
    response = await book(client, event_types.regular, at(MONDAY, "10:00"), **overrides)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"].startswith(fragment)


async def test_outside_availability_and_notice_say_why(client, alice, event_types):
    saturday = await book(client, event_types.regular, at("2050-09-10", "10:00"))
    body = assert_error(
        saturday,
        400,
        "The event type can't be booked at the \"start\" time provided. It is outside the host's availability.",
    )
    assert body["error"]["details"]["reason"] == "outside_availability"
    far_notice = await make_event_type(client, alice, "notice", minimumBookingNotice=525_600)
    soon = await book(client, far_notice, at("2027-01-04", "10:00"))
    assert soon.status_code == 400 and soon.json()["error"]["details"]["reason"] == "minimum_notice"


async def test_locations_are_stored_as_cal_com_does(client, alice, event_types):
    et = await make_event_type(
        client,
        alice,
        "places",
        locations=[
            {"type": "address", "address": "1 Main St", "public": True},
            {"type": "attendeePhone"},
            {"type": "attendeeDefined"},
        ],
    )
    office = (await book(client, et, at(MONDAY, "09:00"), location={"type": "address"})).json()["data"]
    assert office["location"] == "1 Main St"
    assert office["bookingFieldsResponses"]["location"] == {"value": "inPerson", "optionValue": ""}
    phone = (
        await book(client, et, at(MONDAY, "10:00"), location={"type": "attendeePhone", "phone": "+441234567890"})
    ).json()["data"]
    assert phone["location"] == "+441234567890"
    assert phone["bookingFieldsResponses"]["location"] == {"value": "phone", "optionValue": "+441234567890"}
    legacy = (await book(client, et, at(MONDAY, "11:00"), location="https://meet.example.com/x")).json()["data"]
    assert legacy["bookingFieldsResponses"]["location"] == {
        "value": "link",
        "optionValue": "https://meet.example.com/x",
    }


async def test_required_custom_booking_fields(client, alice, event_types):
    et = await make_event_type(
        client,
        alice,
        "form",
        bookingFields=[
            {
                "type": "number",
                "slug": "size",
                "label": "Team size",
                "required": True,
                "hidden": False,
                "placeholder": "",
            },
            {
                "type": "select",
                "slug": "plan",
                "label": "Plan",
                "required": False,
                "hidden": False,
                "placeholder": "",
                "options": ["free", "pro"],
            },
        ],
    )
    missing = await book(client, et, at(MONDAY, "09:00"))
    assert missing.status_code == 400 and missing.json()["error"]["message"].startswith(
        "Missing required booking field response: size"
    )
    wrong = await book(client, et, at(MONDAY, "09:00"), bookingFieldsResponses={"size": "ten"})
    assert_error(
        wrong,
        400,
        "Invalid type for booking field 'size'. Expected type number (compatible with field type 'number'), but received string.",
    )
    option = await book(client, et, at(MONDAY, "09:00"), bookingFieldsResponses={"size": 3, "plan": "gold"})
    assert_error(option, 400, "Invalid option 'gold' for booking field 'plan'. Allowed options are: free, pro.")
    ok = await book(client, et, at(MONDAY, "09:00"), bookingFieldsResponses={"size": 3, "plan": "pro"})
    assert ok.status_code == 201 and ok.json()["data"]["bookingFieldsResponses"]["size"] == 3


async def test_phone_only_attendee(client, app, event_types):
    response = await book(
        client,
        event_types.regular,
        at(MONDAY, "15:00"),
        attendee={"name": "Pat", "phoneNumber": "+14155550123", "timeZone": "UTC"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["data"]["attendees"][0]["phoneNumber"] == "+14155550123"


async def test_own_reservation_does_not_block_and_is_released(client, app, stranger, event_types):
    hold = await client.post(
        "/v2/slots/reservations",
        json={"eventTypeId": event_types.regular, "slotStart": at(MONDAY, "10:00")},
        headers={"cal-api-version": "2024-09-04"},
    )
    assert hold.status_code == 201, hold.text
    other = await book(stranger, event_types.regular, at(MONDAY, "10:00"))
    assert other.status_code == 409 and other.json()["error"]["details"]["reason"] == "slot_reserved"
    assert "set-cookie" not in hold.headers  # 2024-09-04 sets no cookie: the booker names its hold
    client.cookies.set("uid", hold.json()["data"]["reservationUid"])
    mine = await book(client, event_types.regular, at(MONDAY, "10:00"))
    assert mine.status_code == 201, mine.text
    from calapi.availability.models import SlotReservation

    assert await rows(app, SlotReservation) == []
    assert len(await rows(app, Attendee)) == 1
