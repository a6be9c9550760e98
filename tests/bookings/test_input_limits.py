"""Input limits on booking bodies, the same in every API version that creates bookings: notes,
answers (keys and bytes), guests (count, and each an email address), the attendee's name.
Each refusal is a 400 in the version's envelope naming the setting; nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from calapi.bookings.models import Booking
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, v2
from tests.conftest import BOTH_DATABASES
from tests.support.refusals import v2_refusal
from tests.v1.conftest import V1, v1_error

HUGE_NOTES = "n" * 900_000
MANY_KEYS = {f"field{n}": "x" for n in range(30_000)}


def v1_refusal(response, *words: str) -> str:
    message = v1_error(response, 400)["message"]
    for word in words:
        assert word in message, message
    return message


def legacy_body(event_type_id: int, start: str, **responses) -> dict:
    return {
        "start": start,
        "eventTypeId": event_type_id,
        "timeZone": "Europe/London",
        "language": "en",
        "metadata": {},
        "responses": {"name": "Carol", "email": "carol@example.com", **responses},
    }


async def bookings_stored(app) -> int:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(func.count(Booking.id)))


# ---------------------------------------------------------------- v2 (2024-08-13)


async def test_v2_notes_over_the_limit_are_refused_naming_the_setting(app, client, event_types):
    start = at(MONDAY, "10:00")
    message = v2_refusal(
        await book(client, event_types.regular, start, bookingFieldsResponses={"notes": HUGE_NOTES}),
        "bookingFieldsResponses.notes",
        "900000",
        "10000",
        "CALAPI_BOOKING_MAX_TEXT_LENGTH",
    )
    assert len(message) < 300  # the text is not echoed back
    assert await bookings_stored(app) == 0
    made = await book(client, event_types.regular, start, bookingFieldsResponses={"notes": "n" * 10_000})
    assert made.status_code == 201, made.text
    assert made.json()["data"]["bookingFieldsResponses"]["notes"] == "n" * 10_000


async def test_v2_booking_field_responses_with_too_many_keys_are_refused(app, client, event_types):
    v2_refusal(
        await book(client, event_types.regular, at(MONDAY, "10:00"), bookingFieldsResponses=MANY_KEYS),
        "bookingFieldsResponses has 30000 keys",
        "at most 200",
        "CALAPI_BOOKING_MAX_RESPONSE_KEYS",
    )
    assert await bookings_stored(app) == 0


async def test_v2_booking_field_responses_over_the_byte_limit_are_refused(client, event_types):
    # Under the key and per-answer limits, over the total: 20 answers of 9,000 characters.
    answers = {f"field{n}": "a" * 9_000 for n in range(20)}
    v2_refusal(
        await book(client, event_types.regular, at(MONDAY, "10:00"), bookingFieldsResponses=answers),
        "bookingFieldsResponses is",
        "bytes as JSON",
        "at most 65536",
        "CALAPI_BOOKING_MAX_RESPONSES_BYTES",
    )


async def test_v2_guests_must_be_email_addresses(app, client, event_types):
    start = at(MONDAY, "10:00")
    for guest in ("not-an-email", "a@b", "two words@example.com", "x" * 400 + "@example.com"):
        v2_refusal(
            await book(client, event_types.regular, start, guests=["ok@example.com", guest]),
            "guests[1] must be an email address",
        )
    assert await bookings_stored(app) == 0
    made = await book(client, event_types.regular, start, guests=["ok@example.com", "other@example.org"])
    assert made.status_code == 201, made.text
    assert made.json()["data"]["guests"] == ["ok@example.com", "other@example.org"]


async def test_v2_too_many_guests_are_refused(app, client, event_types):
    start = at(MONDAY, "10:00")
    guests = [f"guest{n}@example.com" for n in range(31)]
    v2_refusal(
        await book(client, event_types.regular, start, guests=guests),
        "lists 31 guests",
        "at most 30",
        "CALAPI_BOOKING_MAX_GUESTS",
    )
    assert await bookings_stored(app) == 0
    made = await book(client, event_types.regular, start, guests=guests[:30])
    assert made.status_code == 201, made.text
    assert len(made.json()["data"]["attendees"]) == 31  # the booker and 30 guests


async def test_v2_attendee_name_over_the_limit_is_refused(client, event_types):
    v2_refusal(
        await book(client, event_types.regular, at(MONDAY, "10:00"), attendee={**ATTENDEE, "name": "N" * 256}),
        "attendee name is 256 characters long",
        "at most 255",
        "CALAPI_BOOKING_MAX_NAME_LENGTH",
    )


async def test_v2_location_text_over_the_column_width_is_refused(client, event_types):
    v2_refusal(
        await book(client, event_types.regular, at(MONDAY, "10:00"), location="Room " + "x" * 3000),
        "location is 3005 characters long",
        "at most 2048",
    )


@pytest.mark.parametrize("settings_overrides", [{"booking_max_guests": 2, "booking_max_text_length": 50}])
async def test_the_limits_are_settings(client, event_types):
    start = at(MONDAY, "10:00")
    v2_refusal(
        await book(client, event_types.regular, start, guests=["a@example.com", "b@example.com", "c@example.com"]),
        "at most 2",
        "CALAPI_BOOKING_MAX_GUESTS",
    )
    v2_refusal(await book(client, event_types.regular, start, bookingFieldsResponses={"notes": "n" * 51}), "at most 50")
    made = await book(
        client,
        event_types.regular,
        start,
        guests=["a@example.com", "b@example.com"],
        bookingFieldsResponses={"notes": "n" * 50},
    )
    assert made.status_code == 201, made.text


# ---------------------------------------------------------------- legacy v2 (no cal-api-version)


async def test_legacy_create_applies_the_same_limits(app, client, event_types):
    start = at(MONDAY, "10:00")
    v2_refusal(
        await client.post("/v2/bookings", json=legacy_body(event_types.regular, start, notes=HUGE_NOTES)),
        "responses.notes",
        "CALAPI_BOOKING_MAX_TEXT_LENGTH",
    )
    v2_refusal(
        await client.post("/v2/bookings", json=legacy_body(event_types.regular, start, **MANY_KEYS)),
        "responses has 30000 keys",
        "CALAPI_BOOKING_MAX_RESPONSE_KEYS",
    )
    v2_refusal(
        await client.post("/v2/bookings", json=legacy_body(event_types.regular, start, guests=["nope"])),
        "guests[0] must be an email address",
    )
    v2_refusal(
        await client.post(
            "/v2/bookings",
            json=legacy_body(event_types.regular, start, guests=[f"g{n}@example.com" for n in range(31)]),
        ),
        "CALAPI_BOOKING_MAX_GUESTS",
    )
    assert await bookings_stored(app) == 0
    made = await client.post(
        "/v2/bookings", json=legacy_body(event_types.regular, start, notes="fine", guests=["g@example.com"])
    )
    assert made.status_code == 201, made.text


async def test_legacy_recurring_create_applies_the_same_limits(app, client, event_types):
    series = [at(day, "10:00") for day in ("2050-09-05", "2050-09-12", "2050-09-19", "2050-09-26")]
    bodies = [legacy_body(event_types.recurring, start, notes="n" * 20_000) for start in series]
    v2_refusal(
        await client.post("/v2/bookings/recurring", json=bodies),
        "responses.notes is 20000",
        "CALAPI_BOOKING_MAX_TEXT_LENGTH",
    )
    assert await bookings_stored(app) == 0


# ---------------------------------------------------------------- v1


def v1_body(event_type_id: int, start: str, **responses) -> dict:
    return {
        "eventTypeId": event_type_id,
        "start": start,
        "timeZone": "Europe/Rome",
        "language": "it",
        "metadata": {},
        "responses": {"name": "Jane Booker", "email": "jane@example.com", **responses},
    }


async def test_v1_create_applies_the_same_limits_in_v1s_envelope(app, client, alice, event_types):
    api = V1(client)
    start = at(MONDAY, "10:00")
    v1_refusal(
        await api.post(alice, "/bookings", json=v1_body(event_types.regular, start, notes=HUGE_NOTES)),
        "responses.notes",
        "CALAPI_BOOKING_MAX_TEXT_LENGTH",
    )
    v1_refusal(
        await api.post(alice, "/bookings", json=v1_body(event_types.regular, start, **MANY_KEYS)),
        "CALAPI_BOOKING_MAX_RESPONSE_KEYS",
    )
    v1_refusal(
        await api.post(alice, "/bookings", json=v1_body(event_types.regular, start, guests=["a@example.com", "nope"])),
        "guests[1] must be an email address",
    )
    v1_refusal(
        await api.post(
            alice,
            "/bookings",
            json=v1_body(event_types.regular, start, guests=[f"g{n}@example.com" for n in range(31)]),
        ),
        "CALAPI_BOOKING_MAX_GUESTS",
    )
    legacy_props = {k: v for k, v in v1_body(event_types.regular, start).items() if k != "responses"}
    v1_refusal(
        await api.post(
            alice, "/bookings", json={**legacy_props, "name": "Jane", "email": "jane@example.com", "notes": HUGE_NOTES}
        ),
        "CALAPI_BOOKING_MAX_TEXT_LENGTH",
    )
    v1_refusal(
        await api.post(
            alice,
            "/bookings",
            json=v1_body(event_types.regular, start, name={"firstName": "F" * 200, "lastName": "L" * 200}),
        ),
        "CALAPI_BOOKING_MAX_NAME_LENGTH",
    )
    assert await bookings_stored(app) == 0
    made = await api.post(
        alice, "/bookings", json=v1_body(event_types.regular, start, notes="fine", guests=["g@example.com"])
    )
    assert made.status_code == 200, made.text
    assert made.json()["responses"]["notes"] == "fine"
    seen = (await client.get(f"/v2/bookings/{made.json()['uid']}", headers=v2(alice))).json()["data"]
    assert seen["guests"] == ["g@example.com"]


# ---------------------------------------------------------------- reasons given when a booking changes


async def test_reasons_over_the_text_limit_are_refused_in_every_version(app, client, alice, event_types):
    made = await book(client, event_types.regular, at(MONDAY, "10:00"))
    assert made.status_code == 201, made.text
    uid, booking_id = made.json()["data"]["uid"], made.json()["data"]["id"]
    long_reason = "r" * 10_001
    v2_refusal(
        await client.post(f"/v2/bookings/{uid}/cancel", json={"cancellationReason": long_reason}, headers=v2()),
        "cancellation reason is 10001 characters long",
        "CALAPI_BOOKING_MAX_TEXT_LENGTH",
    )
    v2_refusal(
        await client.post(
            f"/v2/bookings/{uid}/reschedule",
            json={"start": at(MONDAY, "11:00"), "reschedulingReason": long_reason},
            headers=v2(),
        ),
        "rescheduling reason",
        "CALAPI_BOOKING_MAX_TEXT_LENGTH",
    )
    v2_refusal(
        await client.post(
            f"/v2/bookings/{uid}/reschedule",
            json={"start": at(MONDAY, "11:00"), "rescheduledBy": "x" * 400},
            headers=v2(),
        ),
        "rescheduledBy must be an email address",
    )
    v2_refusal(
        await client.post(f"/v2/bookings/{uid}/cancel", json={"cancellationReason": long_reason}), "cancellation reason"
    )  # legacy
    v1_refusal(
        await V1(client).delete(alice, f"/bookings/{booking_id}", params={"cancellationReason": long_reason}),
        "cancellation reason",
        "CALAPI_BOOKING_MAX_TEXT_LENGTH",
    )
    still = (await client.get(f"/v2/bookings/{uid}", headers=v2())).json()["data"]
    assert (still["status"], still["start"]) == ("accepted", at(MONDAY, "10:00"))
    moved = await client.post(
        f"/v2/bookings/{uid}/reschedule",
        json={"start": at(MONDAY, "11:00"), "reschedulingReason": "r" * 10_000},
        headers=v2(),
    )
    assert moved.status_code == 201, moved.text


@BOTH_DATABASES
async def test_the_organizers_edits_of_location_and_description_keep_the_same_limits(app, client, alice, event_types):
    """``PATCH /v2/bookings/{uid}/location`` and v1's ``PATCH /bookings/{id}`` write the same
    columns a booking is created with: the location (2048 characters wide: PostgreSQL refused a
    longer one with a 500) and the description (the booker's notes, copied into webhook bodies)."""
    made = await book(client, event_types.regular, at(MONDAY, "10:00"))
    assert made.status_code == 201, made.text
    uid, booking_id = made.json()["data"]["uid"], made.json()["data"]["id"]
    v2_refusal(
        await client.patch(
            f"/v2/bookings/{uid}/location",
            json={"location": {"type": "address", "address": "x" * 3000}},
            headers=v2(alice),
        ),
        "location is 3000 characters long",
        "at most 2048",
    )
    v1_refusal(
        await V1(client).patch(alice, f"/bookings/{booking_id}", json={"description": "d" * 10_001}),
        "description is 10001 characters long",
        "CALAPI_BOOKING_MAX_TEXT_LENGTH",
    )
    kept = (await client.get(f"/v2/bookings/{uid}", headers=v2(alice))).json()["data"]
    assert len(kept["location"] or "") < 2048 and len(kept.get("description") or "") < 10_001
    moved = await client.patch(
        f"/v2/bookings/{uid}/location", json={"location": {"type": "address", "address": "x" * 2048}}, headers=v2(alice)
    )
    assert moved.status_code == 200, moved.text
