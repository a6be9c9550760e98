"""``/v2/event-types`` (2024-06-14) through the HTTP API: every field round-trips, Cal.com's errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from calapi.calendars.models import CalendarCredential, ExternalCalendar
from calapi.event_types.models import EventType
from tests.conftest import BOTH_DATABASES

VERSION = "2024-06-14"
DEFAULT_FIELDS = [
    {"isDefault": True, "type": "name", "slug": "name", "required": True, "disableOnPrefill": False},
    {"isDefault": True, "type": "email", "slug": "email", "required": True, "hidden": False, "disableOnPrefill": False},
    {"isDefault": True, "type": "radioInput", "slug": "location", "required": False, "hidden": False},
    {"isDefault": True, "type": "text", "slug": "title", "required": True, "hidden": True},
    {"isDefault": True, "type": "textarea", "slug": "notes", "required": False, "hidden": False},
    {"isDefault": True, "type": "multiemail", "slug": "guests", "required": False, "hidden": False},
    {"isDefault": True, "type": "textarea", "slug": "rescheduleReason", "required": False, "hidden": False},
]


def headers(user=None, version: str = VERSION) -> dict[str, str]:
    return {**(user.headers if user else {}), "cal-api-version": version}


def assert_error(response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    assert body["error"]["message"] == message


async def create(client, user, **fields):
    body = {"lengthInMinutes": 30, "title": "Intro call", "slug": "intro", **fields}
    response = await client.post("/v2/event-types", json=body, headers=headers(user))
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def make_schedule(client, user) -> int:
    response = await client.post(
        "/v2/schedules",
        json={"name": "S", "timeZone": "Europe/Rome", "isDefault": True},
        headers=headers(user, "2024-06-11"),
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


async def test_minimal_create_answers_cal_com_defaults(client, alice):
    data = await create(client, alice)
    assert data == {
        "id": data["id"],
        "ownerId": alice.id,
        "lengthInMinutes": 30,
        "title": "Intro call",
        "slug": "intro",
        "description": "",
        "locations": [{"type": "integration", "integration": "cal-video"}],
        "bookingFields": DEFAULT_FIELDS,
        "recurrence": None,
        "disableGuests": False,
        "slotInterval": None,
        "minimumBookingNotice": 120,
        "beforeEventBuffer": 0,
        "afterEventBuffer": 0,
        "metadata": {},
        "price": 0,
        "currency": "usd",
        "lockTimeZoneToggleOnBookingPage": False,
        "forwardParamsSuccessRedirect": True,
        "successRedirectUrl": None,
        "isInstantEvent": False,
        "users": [
            {
                "id": alice.id,
                "name": "Alice",
                "username": "alice",
                "avatarUrl": None,
                "brandColor": "#292929",
                "darkBrandColor": "#fafafa",
                "weekStart": "Sunday",
                "metadata": {},
            }
        ],
        "scheduleId": None,
        "onlyShowFirstAvailableSlot": False,
        "offsetStart": 0,
        "bookingWindow": {"disabled": True},
        "confirmationPolicy": {"disabled": True},
        "requiresBookerEmailVerification": False,
        "hideCalendarNotes": False,
        "seats": {"disabled": True},
        "useDestinationCalendarEmail": False,
        "hideCalendarEventDetails": False,
        "hideOrganizerEmail": False,
        "calVideoSettings": None,
        "hidden": False,
        "bookingRequiresAuthentication": False,
    }


async def connected_calendar(app, user) -> dict:
    """A writable calendar of the user's connections (``destinationCalendar`` must name one)."""
    async with app.state.sessionmaker() as session:
        credential = CalendarCredential(
            user_id=user.id, type="caldav_calendar", url="http://calendar.invalid/", username="u", secret="-"
        )
        session.add(credential)
        await session.flush()
        session.add(ExternalCalendar(credential_id=credential.id, external_id="http://calendar.invalid/work/"))
        await session.commit()
    return {"integration": "caldav_calendar", "externalId": "http://calendar.invalid/work/"}


def full_body(schedule_id: int, destination: dict) -> dict:
    return {
        "lengthInMinutes": 45,
        "lengthInMinutesOptions": [15, 45, 60],
        "title": "Deep dive",
        "slug": "deep-dive",
        "description": "Bring questions",
        "locations": [
            {"type": "address", "address": "1 Main St", "public": True},
            {"type": "link", "link": "https://meet.example.com/x", "public": False},
            {"type": "integration", "integration": "zoom"},
            {"type": "phone", "phone": "+441234567890", "public": True},
            {"type": "attendeeAddress"},
            {"type": "attendeePhone"},
            {"type": "attendeeDefined"},
        ],
        "bookingFields": [
            {"type": "name", "label": "Your name", "placeholder": "Jane", "disableOnPrefill": True},
            {"type": "email", "label": "Your e-mail", "placeholder": "jane@example.com", "required": True},
            {"slug": "notes", "required": True, "label": "Agenda"},
            {
                "type": "select",
                "slug": "team-size",
                "label": "Team size",
                "required": True,
                "hidden": False,
                "placeholder": "",
                "options": ["1-10", "11+"],
            },
            {"type": "boolean", "slug": "nda", "label": "NDA?", "required": False, "hidden": True},
            {
                "type": "phone",
                "slug": "mobile",
                "label": "Mobile",
                "required": False,
                "hidden": False,
                "placeholder": "+44",
            },
        ],
        "disableGuests": True,
        "slotInterval": 15,
        "minimumBookingNotice": 60,
        "beforeEventBuffer": 5,
        "afterEventBuffer": 10,
        "scheduleId": schedule_id,
        "bookingLimitsCount": {"day": 2, "week": 5},
        "onlyShowFirstAvailableSlot": True,
        "bookingLimitsDuration": {"day": 120, "month": 600},
        "bookingWindow": {"type": "businessDays", "value": 10, "rolling": True},
        "offsetStart": 5,
        "bookerLayouts": {"defaultLayout": "week", "enabledLayouts": ["month", "week"]},
        "confirmationPolicy": {
            "type": "time",
            "noticeThreshold": {"unit": "hours", "count": 6},
            "blockUnconfirmedBookingsInBooker": True,
        },
        "recurrence": {"interval": 2, "occurrences": 4, "frequency": "weekly"},
        "requiresBookerEmailVerification": True,
        "hideCalendarNotes": True,
        "lockTimeZoneToggleOnBookingPage": True,
        "color": {"lightThemeHex": "#123456", "darkThemeHex": "#abcdef"},
        "seats": {"seatsPerTimeSlot": 8, "showAttendeeInfo": True, "showAvailabilityCount": False},
        "customName": "{Event type title} with {Scheduler}",
        "destinationCalendar": destination,
        "useDestinationCalendarEmail": True,
        "hideCalendarEventDetails": True,
        "successRedirectUrl": "https://example.com/thanks",
        "hideOrganizerEmail": True,
        "calVideoSettings": {"disableRecordingForGuests": True, "redirectUrlOnExit": "https://example.com/bye"},
        "hidden": True,
        "bookingRequiresAuthentication": True,
        "metadata": {"crm": "abc", "tier": 2},
    }


@BOTH_DATABASES
async def test_every_field_round_trips_and_slot_fields_land_in_columns(app, client, alice):
    schedule_id = await make_schedule(client, alice)
    body = full_body(schedule_id, await connected_calendar(app, alice))
    created = await create(client, alice, **body)
    got = (await client.get(f"/v2/event-types/{created['id']}", headers=headers(alice))).json()["data"]
    assert got == created
    for field in (
        "lengthInMinutes",
        "lengthInMinutesOptions",
        "title",
        "slug",
        "description",
        "locations",
        "disableGuests",
        "slotInterval",
        "minimumBookingNotice",
        "beforeEventBuffer",
        "afterEventBuffer",
        "scheduleId",
        "bookingLimitsCount",
        "onlyShowFirstAvailableSlot",
        "bookingLimitsDuration",
        "bookingWindow",
        "offsetStart",
        "bookerLayouts",
        "confirmationPolicy",
        "recurrence",
        "requiresBookerEmailVerification",
        "hideCalendarNotes",
        "lockTimeZoneToggleOnBookingPage",
        "color",
        "seats",
        "customName",
        "destinationCalendar",
        "useDestinationCalendarEmail",
        "hideCalendarEventDetails",
        "successRedirectUrl",
        "hideOrganizerEmail",
        "calVideoSettings",
        "hidden",
        "bookingRequiresAuthentication",
        "metadata",
    ):
        assert got[field] == body[field], field
    fields = {f["slug"]: f for f in got["bookingFields"]}
    assert [f["slug"] for f in got["bookingFields"]] == [
        "name",
        "email",
        "location",
        "title",
        "notes",
        "guests",
        "rescheduleReason",
        "team-size",
        "nda",
        "mobile",
    ]
    assert fields["name"] == {
        "isDefault": True,
        "type": "name",
        "slug": "name",
        "required": True,
        "disableOnPrefill": True,
        "label": "Your name",
        "placeholder": "Jane",
    }
    assert fields["notes"]["required"] is True and fields["notes"]["label"] == "Agenda"
    assert fields["team-size"] == {"isDefault": False, **body["bookingFields"][3]}
    assert fields["nda"] == {"isDefault": False, **body["bookingFields"][4]}
    assert got["users"][0]["id"] == alice.id

    async with app.state.sessionmaker() as session:
        row = await session.scalar(select(EventType).where(EventType.id == created["id"]))
    assert (row.length_in_minutes, row.length_in_minutes_options, row.slot_interval) == (45, [15, 45, 60], 15)
    assert (row.minimum_booking_notice, row.before_event_buffer, row.after_event_buffer, row.offset_start) == (
        60,
        5,
        10,
        5,
    )
    assert row.only_show_first_available_slot is True
    assert row.seats_per_time_slot == 8
    assert row.requires_confirmation is True
    assert row.schedule_id == schedule_id
    assert row.booking_window == {"type": "businessDays", "value": 10, "rolling": True}
    assert row.booking_limits_count == {"day": 2, "week": 5}
    assert row.booking_limits_duration == {"day": 120, "month": 600}
    assert row.hidden is True


async def test_other_window_and_policy_shapes(client, alice):
    data = await create(
        client,
        alice,
        bookingWindow={"type": "range", "value": ["2030-01-01", "2030-03-31"]},
        confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": False},
    )
    assert data["bookingWindow"] == {"type": "range", "value": ["2030-01-01", "2030-03-31"]}
    assert data["confirmationPolicy"] == {"type": "always", "blockUnconfirmedBookingsInBooker": False}
    data = await create(client, alice, slug="cal-days", bookingWindow={"type": "calendarDays", "value": 30})
    assert data["bookingWindow"] == {"type": "calendarDays", "value": 30, "rolling": False}


async def test_update_changes_only_what_is_sent_and_disables(app, client, alice):
    destination = await connected_calendar(app, alice)
    created = await create(client, alice, **full_body(await make_schedule(client, alice), destination))
    eid = created["id"]
    response = await client.patch(
        f"/v2/event-types/{eid}",
        json={
            "title": "Renamed",
            "seats": {"disabled": True},
            "confirmationPolicy": {"disabled": True},
            "bookingWindow": {"disabled": True},
            "recurrence": {"disabled": True},
            "bookingLimitsCount": {"disabled": True},
            "lengthInMinutes": 60,
        },
        headers=headers(alice),
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["title"] == "Renamed" and data["lengthInMinutes"] == 60
    for field in ("seats", "confirmationPolicy", "bookingWindow", "recurrence", "bookingLimitsCount"):
        assert data[field] == {"disabled": True}, field
    unchanged = {
        k: v
        for k, v in created.items()
        if k
        not in (
            "title",
            "seats",
            "confirmationPolicy",
            "bookingWindow",
            "recurrence",
            "bookingLimitsCount",
            "lengthInMinutes",
        )
    }
    assert {k: data[k] for k in unchanged} == unchanged
    assert (await client.get(f"/v2/event-types/{eid}", headers=headers(alice))).json()["data"] == data

    response = await client.patch(f"/v2/event-types/{eid}", json={}, headers=headers(alice))
    assert response.json()["data"] == data


async def test_update_slot_fields_land_in_columns(app, client, alice):
    created = await create(
        client, alice, seats={"seatsPerTimeSlot": 3, "showAttendeeInfo": False, "showAvailabilityCount": True}
    )
    response = await client.patch(
        f"/v2/event-types/{created['id']}",
        json={
            "seats": {"disabled": True},
            "confirmationPolicy": {"type": "always", "blockUnconfirmedBookingsInBooker": True},
            "minimumBookingNotice": 0,
        },
        headers=headers(alice),
    )
    assert response.status_code == 200
    async with app.state.sessionmaker() as session:
        row = await session.get(EventType, created["id"])
    assert row.seats_per_time_slot is None
    assert row.requires_confirmation is True
    assert row.minimum_booking_notice == 0


@BOTH_DATABASES
async def test_slug_must_be_unique_per_owner(client, alice, bob):
    first = await create(client, alice)
    assert_error(
        await client.post(
            "/v2/event-types", json={"lengthInMinutes": 15, "title": "x", "slug": "intro"}, headers=headers(alice)
        ),
        400,
        "BadRequestException",
        "User already has an event type with this slug.",
    )
    await create(client, bob)  # another user may use the same slug
    second = await create(client, alice, slug="other")
    assert_error(
        await client.patch(f"/v2/event-types/{second['id']}", json={"slug": "intro"}, headers=headers(alice)),
        400,
        "BadRequestException",
        "User already has an event type with this slug.",
    )
    response = await client.patch(f"/v2/event-types/{first['id']}", json={"slug": "intro"}, headers=headers(alice))
    assert response.status_code == 200


@BOTH_DATABASES
async def test_another_users_event_type(client, alice, bob):
    created = await create(client, alice)
    eid = created["id"]
    message = f"Event type with id {eid} not found"
    assert_error(await client.get(f"/v2/event-types/{eid}", headers=headers(bob)), 404, "NotFoundException", message)
    assert_error(
        await client.patch(f"/v2/event-types/{eid}", json={"title": "x"}, headers=headers(bob)),
        404,
        "NotFoundException",
        message,
    )
    assert_error(
        await client.delete(f"/v2/event-types/{eid}", headers=headers(bob)),
        403,
        "ForbiddenException",
        f"User with ID={bob.id} does not own event type with ID={eid}",
    )
    assert_error(
        await client.get("/v2/event-types/9999", headers=headers(alice)),
        404,
        "NotFoundException",
        "Event type with id 9999 not found",
    )
    assert (await client.get(f"/v2/event-types/{eid}", headers=headers(alice))).json()["data"]["title"] == "Intro call"


async def test_schedule_must_be_the_callers(client, alice, bob):
    bobs = await make_schedule(client, bob)
    for schedule_id in (bobs, 4242):
        assert_error(
            await client.post(
                "/v2/event-types",
                json={"lengthInMinutes": 15, "title": "x", "slug": "x", "scheduleId": schedule_id},
                headers=headers(alice),
            ),
            404,
            "NotFoundException",
            f"User with ID={alice.id} does not own schedule with ID={schedule_id}",
        )
    created = await create(client, alice)
    assert_error(
        await client.patch(f"/v2/event-types/{created['id']}", json={"scheduleId": bobs}, headers=headers(alice)),
        404,
        "NotFoundException",
        f"User with ID={alice.id} does not own schedule with ID={bobs}",
    )


async def test_deleting_a_schedule_unlinks_event_types(client, alice):
    schedule_id = await make_schedule(client, alice)
    created = await create(client, alice, scheduleId=schedule_id)
    await client.delete(f"/v2/schedules/{schedule_id}", headers=headers(alice, "2024-06-11"))
    assert (await client.get(f"/v2/event-types/{created['id']}", headers=headers(alice))).json()["data"][
        "scheduleId"
    ] is None


@BOTH_DATABASES
async def test_delete(client, alice):
    created = await create(client, alice)
    response = await client.delete(f"/v2/event-types/{created['id']}", headers=headers(alice))
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "data": {"id": created["id"], "lengthInMinutes": 30, "slug": "intro", "title": "Intro call"},
    }
    assert_error(
        await client.delete(f"/v2/event-types/{created['id']}", headers=headers(alice)),
        404,
        "NotFoundException",
        f"Event type with ID={created['id']} does not exist.",
    )
    assert (await client.get(f"/v2/event-types/{created['id']}", headers=headers(alice))).status_code == 404


@BOTH_DATABASES
async def test_list(client, alice, bob):
    intro = await create(client, alice)
    secret = await create(client, alice, slug="secret", hidden=True)
    fielded = await create(
        client,
        alice,
        slug="fields",
        bookingFields=[
            {"type": "text", "slug": "ref", "label": "Ref", "required": False, "hidden": True, "placeholder": ""}
        ],
    )
    await create(client, bob, slug="bobs")

    async def listed(user=None, **params):
        response = await client.get("/v2/event-types", params=params, headers=headers(user))
        assert response.status_code == 200, response.text
        return response.json()["data"]

    assert [e["id"] for e in await listed(alice)] == [intro["id"], secret["id"], fielded["id"]]
    assert [e["id"] for e in await listed(alice, sortCreatedAt="desc")] == [fielded["id"], secret["id"], intro["id"]]
    assert await listed() == []  # anonymous, no query
    assert [e["id"] for e in await listed(username="alice")] == [
        intro["id"],
        fielded["id"],
    ]  # hidden only for the owner
    assert [e["id"] for e in await listed(bob, username="alice")] == [intro["id"], fielded["id"]]
    assert [e["id"] for e in await listed(alice, username="alice")] == [intro["id"], secret["id"], fielded["id"]]
    assert [e["id"] for e in await listed(username="alice", eventSlug="intro")] == [intro["id"]]
    assert await listed(username="alice", eventSlug="secret") == []
    assert [e["id"] for e in await listed(alice, username="alice", eventSlug="secret")] == [secret["id"]]
    assert await listed(username="nobody") == []
    # Hidden booking fields are stripped in the list only.
    item = (await listed(username="alice", eventSlug="fields"))[0]
    assert all(not f.get("hidden") for f in item["bookingFields"])
    assert "ref" not in [f["slug"] for f in item["bookingFields"]] and "title" not in [
        f["slug"] for f in item["bookingFields"]
    ]
    assert item["users"][0]["username"] == "alice"
    got = (await client.get(f"/v2/event-types/{fielded['id']}", headers=headers(alice))).json()["data"]
    assert "ref" in [f["slug"] for f in got["bookingFields"]]


async def test_versions_and_auth(client, alice):
    created = await create(client, alice)
    for version in ("2024-08-13", "2024-09-04"):
        assert_error(
            await client.get(f"/v2/event-types/{created['id']}", headers=headers(alice, version)),
            404,
            "NotFoundException",
            f"Cannot GET /v2/event-types/{created['id']}",
        )
    assert (await client.get(f"/v2/event-types/{created['id']}", headers=headers(None))).status_code == 401
    assert (await client.post("/v2/event-types", json={}, headers=headers(None))).status_code == 401
    bad = await client.get(
        "/v2/event-types", headers={"Authorization": "Bearer cal_" + "0" * 32, "cal-api-version": VERSION}
    )
    assert bad.status_code == 401


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"lengthInMinutes": 0}, "lengthInMinutes - Input should be greater than or equal to 1"),
        ({"lengthInMinutesOptions": [15, 60]}, "lengthInMinutesOptions [15, 60] must contain lengthInMinutes (30)"),
        ({"lengthInMinutesOptions": []}, "lengthInMinutesOptions - List should have at least 1 item"),
        ({"slotInterval": 0}, "slotInterval - Input should be greater than or equal to 1"),
        ({"minimumBookingNotice": -1}, "minimumBookingNotice - Input should be greater than or equal to 0"),
        ({"beforeEventBuffer": -5}, "beforeEventBuffer - Input should be greater than or equal to 0"),
        ({"offsetStart": -1}, "offsetStart - Input should be greater than or equal to 0"),
        ({"bookingLimitsDuration": {"day": 20}}, "day is in minutes and must be a multiple of 15, got 20"),
        ({"bookingLimitsCount": {"day": 5, "week": 2}}, "the day limit (5) must not be more than the week limit (2)"),
        ({"bookingLimitsCount": {}}, "give at least one of day, week, month, year"),
        ({"bookingWindow": {"type": "weeks", "value": 2}}, "bookingWindow"),
        (
            {"bookingWindow": {"type": "range", "value": ["2030-02-01", "2030-01-01"]}},
            "the range starts 2030-02-01 after it ends 2030-01-01",
        ),
        ({"bookingWindow": {"type": "range", "value": ["2030-02-30", "2030-03-01"]}}, "bookingWindow"),
        (
            {"seats": {"seatsPerTimeSlot": 1001, "showAttendeeInfo": True, "showAvailabilityCount": True}},
            "less than or equal to 1000",
        ),
        ({"seats": {"seatsPerTimeSlot": 5}}, "showAttendeeInfo - is required"),
        (
            {"confirmationPolicy": {"type": "time", "blockUnconfirmedBookingsInBooker": True}},
            "noticeThreshold ({unit, count}) is required",
        ),
        ({"recurrence": {"interval": 1, "occurrences": 3, "frequency": "daily"}}, "frequency"),
        ({"locations": [{"type": "carrier-pigeon"}]}, "Input tag 'carrier-pigeon' found using 'type' does not match"),
        ({"locations": [{"type": "address", "public": True}]}, "locations.0.address.address - is required"),
        ({"locations": [{"type": "link", "link": "not a url", "public": True}]}, "must be an http(s) URL"),
        ({"locations": [{"type": "integration", "integration": "myspace"}]}, "locations.0.integration.integration"),
        ({"locations": [{"type": "phone", "phone": "+44123"}]}, "locations.0.phone.public - is required"),
        (
            {"bookingFields": [{"type": "email", "required": False}]},
            "checkIsEmailUserAccessible - Email booking field must be required and visible",
        ),
        (
            {"bookingFields": [{"type": "email", "hidden": True}]},
            "checkIsEmailUserAccessible - Email booking field must be required and visible",
        ),
        (
            {
                "bookingFields": [
                    {"type": "select", "slug": "s", "label": "S", "required": True, "hidden": False, "placeholder": ""}
                ]
            },
            "needs 'options'",
        ),
        (
            {"bookingFields": [{"type": "text", "slug": "s", "label": "S", "required": True, "hidden": False}]},
            "needs 'placeholder'",
        ),
        (
            {"bookingFields": [{"type": "hologram", "slug": "s", "label": "S", "required": True, "hidden": False}]},
            "bookingFields.0.custom.type",
        ),
        (
            {
                "bookingFields": [
                    {
                        "type": "text",
                        "slug": "email",
                        "label": "E",
                        "required": True,
                        "hidden": False,
                        "placeholder": "",
                    }
                ]
            },
            "slug 'email' is a system field's",
        ),
        (
            {
                "bookingFields": [
                    {"type": "text", "slug": "a", "label": "A", "required": True, "hidden": False, "placeholder": ""},
                    {"type": "url", "slug": "a", "label": "B", "required": True, "hidden": False, "placeholder": ""},
                ]
            },
            "bookingFields[1]: slug 'a' is used by another booking field",
        ),
        (
            {"bookerLayouts": {"defaultLayout": "column", "enabledLayouts": ["month"]}},
            "defaultLayout 'column' must be one of enabledLayouts",
        ),
        ({"color": {"lightThemeHex": "red", "darkThemeHex": "#000"}}, "must be a hex colour"),
        ({"successRedirectUrl": "javascript:alert(1)"}, "must be an http(s) URL"),
        ({"slug": "has space"}, "slug - String should match pattern"),
        ({"title": ""}, "title - String should have at least 1 character"),
        ({"metadata": {"nested": {"a": 1}}}, "must be a string, number or boolean"),
    ],
)
async def test_bad_input_is_a_400_with_a_reason(client, alice, fields, fragment):
    body = {"lengthInMinutes": 30, "title": "x", "slug": "x", **fields}
    response = await client.post("/v2/event-types", json=body, headers=headers(alice))
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "error"
    assert fragment in response.json()["error"]["message"]
    assert (await client.get("/v2/event-types", headers=headers(alice))).json()["data"] == []


async def test_bad_update_is_a_400(client, alice):
    created = await create(client, alice, lengthInMinutesOptions=[30, 60])
    eid = created["id"]
    for body, fragment in (
        ({"lengthInMinutes": 45}, "lengthInMinutesOptions [30, 60] must contain lengthInMinutes (45)"),
        ({"lengthInMinutesOptions": [15]}, "must contain lengthInMinutes (30)"),
        ({"bookingFields": [{"type": "email", "required": False}]}, "checkIsEmailUserAccessible"),
        (
            {"seats": {"seatsPerTimeSlot": 0, "showAttendeeInfo": True, "showAvailabilityCount": True}},
            "greater than or equal to 1",
        ),
    ):
        response = await client.patch(f"/v2/event-types/{eid}", json=body, headers=headers(alice))
        assert response.status_code == 400, response.text
        assert fragment in response.json()["error"]["message"]
    assert (await client.get(f"/v2/event-types/{eid}", headers=headers(alice))).json()["data"] == created
    assert (await client.patch("/v2/event-types/abc", json={}, headers=headers(alice))).status_code == 400
    assert (
        await client.get("/v2/event-types", params={"sortCreatedAt": "sideways"}, headers=headers(alice))
    ).status_code == 400


@BOTH_DATABASES
async def test_listing_does_not_query_per_event_type(app, client, alice):
    from tests.schedules.test_schedules_v2 import count_statements

    await create(client, alice)
    one, _ = await count_statements(
        app, lambda: client.get("/v2/event-types", params={"username": "alice"}, headers=headers())
    )
    for index in range(4):
        await create(client, alice, slug=f"e{index}")
    five, response = await count_statements(
        app, lambda: client.get("/v2/event-types", params={"username": "alice"}, headers=headers())
    )
    assert len(response.json()["data"]) == 5
    assert five == one
