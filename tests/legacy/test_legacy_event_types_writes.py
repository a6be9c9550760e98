"""Legacy ``/v2/event-types`` writes and reads by id (no ``cal-api-version``), as Cal.com's SDK calls
them: create 201, get as ``data.eventType``, update, delete; the older flat shape, the same service."""

from __future__ import annotations

from tests.conftest import BOTH_DATABASES
from tests.legacy.test_legacy_v2 import assert_deprecated

ET = "/v2/event-types"
CURRENT = {"cal-api-version": "2024-06-14"}


@BOTH_DATABASES
async def test_create_get_update_delete_without_a_version_header(client, alice, bob, database_url):
    body = {
        "length": 45,
        "slug": "cooking-class",
        "title": "Cooking class",
        "description": "Flan",
        "locations": [{"type": "inPerson", "address": "1 Main St"}, {"type": "integrations:daily"}],
        "minimumBookingNotice": 60,
        "beforeEventBuffer": 5,
        "disableGuests": True,
        "slotInterval": 0,
    }
    created = await client.post(ET, json=body, headers=alice.headers)
    assert created.status_code == 201, created.text
    assert_deprecated(created, "2024-06-14")
    data = created.json()["data"]
    assert (data["length"], data["slug"], data["title"], data["description"]) == (
        45,
        "cooking-class",
        "Cooking class",
        "Flan",
    )
    assert (data["userId"], data["teamId"], data["hidden"], data["slotInterval"]) == (alice.id, None, False, None)
    assert (
        data["minimumBookingNotice"],
        data["beforeEventBuffer"],
        data["afterEventBuffer"],
        data["disableGuests"],
    ) == (60, 5, 0, True)
    assert data["locations"] == [{"type": "inPerson", "address": "1 Main St"}, {"type": "integrations:daily"}]
    event_id = data["id"]

    got = await client.get(f"{ET}/{event_id}", headers=alice.headers)
    assert got.status_code == 200, got.text
    assert got.json() == {"status": "success", "data": {"eventType": data}}
    # The same row through the current version.
    current = (await client.get(f"{ET}/{event_id}", headers={**alice.headers, **CURRENT})).json()["data"]
    assert (current["lengthInMinutes"], current["slug"], current["minimumBookingNotice"]) == (45, "cooking-class", 60)

    updated = await client.patch(
        f"{ET}/{event_id}", json={"length": 30, "title": "Short class", "hidden": True}, headers=alice.headers
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["data"]["length"], updated.json()["data"]["title"], updated.json()["data"]["hidden"]) == (
        30,
        "Short class",
        True,
    )
    assert updated.json()["data"]["slug"] == "cooking-class"

    # Another user's id answers as a missing one.
    other = await client.get(f"{ET}/{event_id}", headers=bob.headers)
    assert other.status_code == 404 and other.json()["error"]["message"] == f"Event type with id {event_id} not found"

    deleted = await client.delete(f"{ET}/{event_id}", headers=alice.headers)
    assert deleted.status_code == 200
    assert deleted.json() == {
        "status": "success",
        "data": {"id": event_id, "length": 30, "slug": "cooking-class", "title": "Short class"},
    }
    assert (await client.get(f"{ET}/{event_id}", headers=alice.headers)).status_code == 404


async def test_legacy_writes_refuse_bad_input_in_the_v2_envelope(client, alice):
    missing = await client.post(ET, json={"slug": "x", "title": "X"}, headers=alice.headers)
    assert missing.status_code == 400 and missing.json()["status"] == "error"
    assert "length" in missing.json()["error"]["message"]
    bad_slug = await client.post(ET, json={"length": 30, "slug": "not a slug", "title": "X"}, headers=alice.headers)
    assert bad_slug.status_code == 400 and "slug" in bad_slug.json()["error"]["message"]
    bad_location = await client.post(
        ET, json={"length": 30, "slug": "x", "title": "X", "locations": [{"type": "zoomish"}]}, headers=alice.headers
    )
    assert bad_location.status_code == 400 and "zoomish" in bad_location.json()["error"]["message"]
    assert (
        await client.post(ET, json={"length": 30, "slug": "x", "title": "X"}, headers=alice.headers)
    ).status_code == 201
    taken = await client.post(ET, json={"length": 30, "slug": "x", "title": "Y"}, headers=alice.headers)
    assert taken.status_code == 400
    anonymous = await client.post(ET, json={"length": 30, "slug": "y", "title": "Y"})
    assert anonymous.status_code == 401
