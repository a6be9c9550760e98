"""API v1 ``/custom-inputs``: an event type's booking questions, stored per event type, shown among
its booking fields and enforced when a booking is made (v1 and v2), each user seeing only their own.
On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bookings.conftest import MONDAY, at, book, make_event_type, make_schedule, v2
from tests.conftest import BOTH_DATABASES
from tests.v1.conftest import v1_error

pytestmark = BOTH_DATABASES

PHONE = {"label": "Phone Number", "type": "PHONE", "required": True, "placeholder": "100 101 1234"}
SIZE = {"label": "Team size", "type": "NUMBER", "required": True, "placeholder": "10"}
PLAN = {
    "label": "Plan",
    "type": "RADIO",
    "required": False,
    "placeholder": "",
    "options": [{"label": "Basic", "type": "radio"}, {"label": "Pro", "type": "radio"}],
}
TERMS = {"label": "I accept the terms", "type": "BOOL", "required": True, "placeholder": ""}


@pytest.fixture
async def intro(client, alice) -> int:
    """Alice's event type (30 min, no notice) on her Monday–Friday 09:00–17:00 UTC schedule."""
    await make_schedule(client, alice)
    return await make_event_type(client, alice, "intro")


async def _create(api, user, event_type_id: int, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post(user, "/custom-inputs", json={"eventTypeId": event_type_id, **body})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["message"] == "EventTypeCustomInput created successfully"
    return answer["event_type_custom_input"]


async def test_create_read_update_delete_with_the_contracts_messages(api, alice, intro):
    created = await _create(api, alice, intro, PHONE)
    assert created == {
        "id": created["id"],
        "eventTypeId": intro,
        "label": "Phone Number",
        "type": "PHONE",
        "options": None,
        "required": True,
        "placeholder": "100 101 1234",
    }
    ident = created["id"]
    got = await api.get(alice, f"/custom-inputs/{ident}")
    assert got.status_code == 200 and got.json() == {"event_type_custom_input": created}
    radio = await _create(api, alice, intro, PLAN)
    assert radio["options"] == PLAN["options"]
    listed = await api.get(alice, "/custom-inputs")
    assert listed.status_code == 200 and listed.json() == {"event_type_custom_inputs": [created, radio]}

    patched = await api.patch(alice, f"/custom-inputs/{ident}", json={"required": False, "label": "Mobile"})
    assert patched.status_code == 200, patched.text
    assert patched.json() == {"event_type_custom_input": {**created, "required": False, "label": "Mobile"}}
    cleared = await api.patch(alice, f"/custom-inputs/{radio['id']}", json={"type": "TEXT", "options": None})
    assert cleared.status_code == 200, cleared.text
    assert (
        cleared.json()["event_type_custom_input"]["type"],
        cleared.json()["event_type_custom_input"]["options"],
    ) == (
        "TEXT",
        None,
    )

    deleted = await api.delete(alice, f"/custom-inputs/{ident}")
    assert deleted.status_code == 200 and deleted.json() == {
        "message": f"CustomInputEventType with id: {ident} deleted successfully"
    }
    v1_error(await api.get(alice, f"/custom-inputs/{ident}"), 404, f"EventTypeCustomInput with id: {ident} not found")
    v1_error(await api.delete(alice, f"/custom-inputs/{ident}"), 404)
    assert [i["id"] for i in (await api.get(alice, "/custom-inputs")).json()["event_type_custom_inputs"]] == [
        radio["id"]
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**PHONE, "eventTypeID": 1}, "Unrecognized key(s) in object: 'eventTypeID'"),
        ({k: v for k, v in PHONE.items() if k != "label"}, "invalid_type in 'label': Required"),
        ({**PHONE, "type": "DATE"}, "'type'"),
        ({**PHONE, "required": "yes"}, "invalid_type in 'required'"),
        ({**PHONE, "label": "x" * 256}, "'label'"),
        ({**PLAN, "options": None}, "a RADIO custom input needs options"),
        ({**PLAN, "options": [{"label": "Basic", "type": "radio"}] * 2}, "two options have the same label"),
        ({**PHONE, "label": "Notes"}, "is answered as 'notes' in a booking's responses"),
    ],
)
async def test_bad_bodies_are_400_with_a_reason(api, alice, intro, body, message):
    response = await api.post(alice, "/custom-inputs", json={"eventTypeId": intro, **body})
    error = v1_error(response, 400)
    assert message in error["message"], error
    assert (await api.get(alice, "/custom-inputs")).json() == {"event_type_custom_inputs": []}


async def test_a_label_is_one_answer_per_event_type(api, alice, intro):
    first = await _create(api, alice, intro, SIZE)
    again = await api.post(alice, "/custom-inputs", json={"eventTypeId": intro, **SIZE, "label": "Team Size!"})
    assert "another custom input of event type" in v1_error(again, 400)["message"]
    other = await _create(api, alice, intro, PHONE)
    renamed = await api.patch(alice, f"/custom-inputs/{other['id']}", json={"label": "team size"})
    assert "'team-size'" in v1_error(renamed, 400)["message"]
    strict = await api.patch(alice, f"/custom-inputs/{first['id']}", json={"eventTypeID": intro})
    assert v1_error(strict, 400)["message"] == "Unrecognized key(s) in object: 'eventTypeID'"
    assert (await api.get(alice, f"/custom-inputs/{other['id']}")).json()["event_type_custom_input"]["label"] == (
        "Phone Number"
    )


async def test_two_users_never_see_each_others_inputs(api, client, alice, bob, admin, intro):
    mine = await _create(api, alice, intro, PHONE)
    await make_schedule(client, bob)
    bobs_event = await make_event_type(client, bob, "chat")
    bobs = await _create(api, bob, bobs_event, SIZE)

    assert (await api.get(alice, "/custom-inputs")).json() == {"event_type_custom_inputs": [mine]}
    assert (await api.get(bob, "/custom-inputs")).json() == {"event_type_custom_inputs": [bobs]}
    missing = f"EventTypeCustomInput with id: {mine['id']} not found"
    v1_error(await api.get(bob, f"/custom-inputs/{mine['id']}"), 404, missing)
    v1_error(await api.patch(bob, f"/custom-inputs/{mine['id']}", json={"label": "Taken"}), 404, missing)
    v1_error(await api.delete(bob, f"/custom-inputs/{mine['id']}"), 404, missing)
    # Bob can neither add an input to Alice's event type nor move his own onto it.
    v1_error(
        await api.post(bob, "/custom-inputs", json={"eventTypeId": intro, **TERMS}),
        404,
        f"Event type with id: {intro} not found",
    )
    v1_error(
        await api.patch(bob, f"/custom-inputs/{bobs['id']}", json={"eventTypeId": intro}),
        404,
        f"Event type with id: {intro} not found",
    )
    assert (await api.get(alice, f"/custom-inputs/{mine['id']}")).json() == {"event_type_custom_input": mine}
    # Nor does Alice's event type show Bob's: v1 and v2 read only its own inputs.
    event_type = (await api.get(alice, f"/event-types/{intro}")).json()["event_type"]
    assert [i["id"] for i in event_type["customInputs"]] == [mine["id"]]

    # A system admin sees and changes everyone's.
    everyone = (await api.get(admin, "/custom-inputs")).json()["event_type_custom_inputs"]
    assert [i["id"] for i in everyone] == [mine["id"], bobs["id"]]
    changed = await api.patch(admin, f"/custom-inputs/{bobs['id']}", json={"placeholder": "5"})
    assert changed.status_code == 200 and changed.json()["event_type_custom_input"]["placeholder"] == "5"


async def test_inputs_are_shown_as_booking_fields_in_every_version(api, client, alice, intro):
    phone = await _create(api, alice, intro, PHONE)
    await _create(api, alice, intro, PLAN)
    await _create(api, alice, intro, TERMS)
    expected = [
        {
            "isDefault": False,
            "type": "phone",
            "slug": "phone-number",
            "label": "Phone Number",
            "required": True,
            "hidden": False,
            "placeholder": "100 101 1234",
        },
        {
            "isDefault": False,
            "type": "radio",
            "slug": "plan",
            "label": "Plan",
            "required": False,
            "hidden": False,
            "options": ["Basic", "Pro"],
        },
        {
            "isDefault": False,
            "type": "boolean",
            "slug": "i-accept-the-terms",
            "label": "I accept the terms",
            "required": True,
            "hidden": False,
        },
    ]
    current = await client.get(f"/v2/event-types/{intro}", headers=v2(alice, "2024-06-14"))
    assert current.status_code == 200, current.text
    assert current.json()["data"]["bookingFields"][-3:] == expected
    listed = await client.get("/v2/event-types", headers=v2(alice, "2024-06-14"))
    assert listed.json()["data"][0]["bookingFields"][-3:] == expected
    legacy = await client.get(f"/v2/event-types/{intro}", headers=alice.headers)
    assert legacy.status_code == 200, legacy.text
    assert legacy.json()["data"]["eventType"]["bookingFields"][-3:] == expected
    viewer = await client.get("/v2/event-types", headers=alice.headers)
    [own] = viewer.json()["data"]["eventTypeGroups"][0]["eventTypes"]
    assert own["bookingFields"][-3:] == expected
    v1_event_type = (await api.get(alice, f"/event-types/{intro}")).json()["event_type"]
    assert v1_event_type["bookingFields"][-3:] == expected
    assert [i["label"] for i in v1_event_type["customInputs"]] == ["Phone Number", "Plan", "I accept the terms"]
    assert v1_event_type["customInputs"][0] == phone
    listed_v1 = (await api.get(alice, "/event-types")).json()["event_types"]
    assert listed_v1[0]["customInputs"] == v1_event_type["customInputs"]

    # Deleting the event type deletes its inputs.
    assert (await api.delete(alice, f"/event-types/{intro}")).status_code == 200
    assert (await api.get(alice, "/custom-inputs")).json() == {"event_type_custom_inputs": []}


def _v1_booking(event_type_id: int, start: str, **responses: Any) -> dict[str, Any]:
    return {
        "eventTypeId": event_type_id,
        "start": start,
        "timeZone": "Europe/Rome",
        "language": "it",
        "metadata": {},
        "responses": {"name": "Jane Booker", "email": "jane@example.com", **responses},
    }


async def test_a_v1_booking_must_answer_the_inputs(api, client, alice, intro):
    await _create(api, alice, intro, SIZE)
    await _create(api, alice, intro, PLAN)
    await _create(api, alice, intro, TERMS)
    start = at(MONDAY, "10:00")

    async def refused(**responses: Any) -> str:
        response = await api.post(alice, "/bookings", json=_v1_booking(intro, start, **responses))
        return v1_error(response, 400)["message"]

    assert await refused(**{"i-accept-the-terms": True}) == (
        "Missing required custom input 'Team size' (NUMBER) - it is required by the event type. "
        'Pass it in "responses.team-size".'
    )
    assert await refused(**{"team-size": 4}) == (
        "Missing required custom input 'I accept the terms' (BOOL) - it is required by the event type. "
        'Pass true in "responses.i-accept-the-terms".'
    )
    assert "Pass true" in await refused(**{"team-size": 4, "i-accept-the-terms": False})
    assert await refused(**{"team-size": "many", "i-accept-the-terms": True}) == (
        "Invalid answer to custom input 'Team size' (NUMBER) in \"responses.team-size\": expected a number, "
        "received 'many'."
    )
    assert "expected a boolean (true or false), received 'yes'" in await refused(
        **{"team-size": 4, "i-accept-the-terms": "yes"}
    )
    assert "expected one of its options (Basic, Pro), received 'Gold'" in await refused(
        **{"team-size": 4, "i-accept-the-terms": True, "plan": "Gold"}
    )
    assert (await api.get(alice, "/bookings")).json() == {"bookings": []}  # nothing was booked

    answers = {"team-size": 4, "i-accept-the-terms": True, "plan": "Pro"}
    made = await api.post(alice, "/bookings", json=_v1_booking(intro, start, **answers))
    assert made.status_code == 200, made.text
    assert {k: made.json()["responses"][k] for k in answers} == answers
    stored = (await api.get(alice, f"/bookings/{made.json()['id']}")).json()["booking"]
    assert {k: stored["responses"][k] for k in answers} == answers


async def test_a_v2_booking_must_answer_the_inputs(api, client, alice, intro):
    await _create(api, alice, intro, PHONE)
    await _create(api, alice, intro, SIZE)
    start = at(MONDAY, "11:00")

    missing = await book(client, intro, start, bookingFieldsResponses={"team-size": 3})
    assert missing.status_code == 400, missing.text
    body = missing.json()
    assert body["status"] == "error" and body["path"] == "/v2/bookings"
    assert body["error"]["message"] == (
        "Missing required custom input 'Phone Number' (PHONE) - it is required by the event type. "
        'Pass it in "bookingFieldsResponses.phone-number".'
    )
    wrong_phone = await book(client, intro, start, bookingFieldsResponses={"team-size": 3, "phone-number": "call me"})
    assert wrong_phone.status_code == 400
    assert "expected a phone number in international format" in wrong_phone.json()["error"]["message"]
    wrong_number = await book(
        client, intro, start, bookingFieldsResponses={"team-size": True, "phone-number": "+39 06 1234 5678"}
    )
    assert wrong_number.status_code == 400
    assert wrong_number.json()["error"]["message"].endswith("expected a number, received boolean.")

    answers = {"team-size": 3, "phone-number": "+39 06 1234 5678"}
    made = await book(client, intro, start, bookingFieldsResponses=answers)
    assert made.status_code == 201, made.text
    uid = made.json()["data"]["uid"]
    seen = (await client.get(f"/v2/bookings/{uid}", headers=v2(alice))).json()["data"]
    assert {k: seen["bookingFieldsResponses"][k] for k in answers} == answers

    # An optional input may be left out; once the required ones are gone, nothing is asked.
    for row in (await api.get(alice, "/custom-inputs")).json()["event_type_custom_inputs"]:
        assert (await api.delete(alice, f"/custom-inputs/{row['id']}")).status_code == 200
    free = await book(client, intro, at(MONDAY, "12:00"))
    assert free.status_code == 201, free.text


async def test_legacy_v1_bodies_answer_inputs_by_label(api, alice, intro):
    """v1's legacy body (top-level ``name``/``email``) answers custom inputs by label in ``customInputs``."""
    await _create(api, alice, intro, SIZE)
    legacy = {
        "eventTypeId": intro,
        "start": at(MONDAY, "13:00"),
        "timeZone": "Europe/Rome",
        "language": "it",
        "metadata": {},
        "name": "Jane Booker",
        "email": "jane@example.com",
    }
    missing = await api.post(alice, "/bookings", json={**legacy, "customInputs": [{"label": "Other", "value": "x"}]})
    assert 'Pass it in "responses.team-size"' in v1_error(missing, 400)["message"]
    made = await api.post(alice, "/bookings", json={**legacy, "customInputs": [{"label": "Team size", "value": "12"}]})
    assert made.status_code == 200, made.text
    assert made.json()["responses"]["team-size"] == "12"
    mixed = _v1_booking(intro, at(MONDAY, "14:00"), **{"team-size": 2})
    mixed["customInputs"] = [{"label": "Team size", "value": "12"}]
    assert "can't be used with `responses`" in v1_error(await api.post(alice, "/bookings", json=mixed), 400)["message"]
