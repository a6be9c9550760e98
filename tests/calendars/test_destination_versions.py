"""An event type's ``destinationCalendar`` in API v2 is where its bookings are written, whichever API
version set it: a change or removal through v1 ``/destination-calendars`` shows in the personal and
the team event type output, and the next booking lands there (a real Radicale server)."""

from __future__ import annotations

from typing import Any

from tests.bookings.conftest import MONDAY, at, book, make_schedule, v2
from tests.calendars.conftest import Radicale, until
from tests.calendars.test_destination_moves import _some, connect_as, objects
from tests.conftest import BOTH_DATABASES
from tests.teams.team_booking_helpers import team_event, team_of

pytestmark = BOTH_DATABASES
EVENT_TYPES = "2024-06-14"


def caldav(url: str) -> dict[str, str]:
    return {"integration": "caldav_calendar", "externalId": url}


async def v1_destination_of(client: Any, user: Any, event_type_id: int) -> dict[str, Any]:
    listed = await client.get("/v1/destination-calendars", params={"apiKey": user.key})
    assert listed.status_code == 200, listed.text
    [row] = [d for d in listed.json()["destinationCalendars"] if d["eventTypeId"] == event_type_id]
    return dict(row)


async def booked_into(client: Any, radicale: Radicale, event_type_id: int, start: str, calendar: str) -> None:
    assert (await book(client, event_type_id, start)).status_code == 201
    stamp = "DTSTART:" + start.replace("-", "").replace(":", "").replace(".000", "")

    async def there() -> list[str] | None:
        return [t for t in await objects(radicale, "alice", calendar) if stamp in t] or None

    await until(lambda: _some(there()), what=f"the booking at {start} in {calendar}")


async def test_a_personal_event_types_destination_changed_through_v1_shows_in_v2(
    client, app, alice, radicale, job_loop
):
    [work, home] = await radicale.reset("alice", "Work", "Home")
    await connect_as(client, alice, radicale, "alice")
    await make_schedule(client, alice)
    body = {"title": "Call", "slug": "call", "lengthInMinutes": 30, "minimumBookingNotice": 0}
    made = await client.post(
        "/v2/event-types", json={**body, "destinationCalendar": caldav(home)}, headers=v2(alice, EVENT_TYPES)
    )
    assert made.status_code == 201, made.text
    event_type_id = made.json()["data"]["id"]

    row = await v1_destination_of(client, alice, event_type_id)
    moved = await client.patch(
        f"/v1/destination-calendars/{row['id']}", params={"apiKey": alice.key}, json=caldav(work)
    )
    assert moved.status_code == 200, moved.text

    async def shown() -> list[Any]:
        one = await client.get(f"/v2/event-types/{event_type_id}", headers=v2(alice, EVENT_TYPES))
        listed = await client.get("/v2/event-types", headers=v2(alice, EVENT_TYPES))
        [in_list] = [e for e in listed.json()["data"] if e["id"] == event_type_id]
        return [one.json()["data"]["destinationCalendar"], in_list["destinationCalendar"]]

    assert await shown() == [caldav(work), caldav(work)]
    await booked_into(client, radicale, event_type_id, at(MONDAY, "10:00"), work)  # written where it shows

    removed = await client.delete(f"/v1/destination-calendars/{row['id']}", params={"apiKey": alice.key})
    assert removed.status_code == 200, removed.text
    assert await shown() == [None, None]  # the user's own destination from now on

    # Set through v1 for an event type that never had one: v2 shows it too.
    other = await client.post("/v2/event-types", json={**body, "slug": "other"}, headers=v2(alice, EVENT_TYPES))
    assert other.status_code == 201, other.text
    assert "destinationCalendar" not in other.json()["data"]
    made_v1 = await client.post(
        "/v1/destination-calendars",
        params={"apiKey": alice.key},
        json={**caldav(home), "eventTypeId": other.json()["data"]["id"]},
    )
    assert made_v1.status_code == 200, made_v1.text
    got = await client.get(f"/v2/event-types/{other.json()['data']['id']}", headers=v2(alice, EVENT_TYPES))
    assert got.json()["data"]["destinationCalendar"] == caldav(home)


async def test_a_team_event_types_destination_changed_through_v1_shows_in_v2(client, app, alice, radicale, job_loop):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    [work, home] = await radicale.reset("alice", "Work", "Home")
    await connect_as(client, owner, radicale, "alice")
    event_id = await team_event(
        client, owner, team_id, "demo", "roundRobin", [{"userId": bob.id}], destinationCalendar=caldav(home)
    )
    path = f"/v2/teams/{team_id}/event-types"

    row = await v1_destination_of(client, owner, event_id)
    moved = await client.patch(
        f"/v1/destination-calendars/{row['id']}", params={"apiKey": owner.key}, json=caldav(work)
    )
    assert moved.status_code == 200, moved.text

    async def shown() -> list[Any]:
        one = await client.get(f"{path}/{event_id}", headers=v2(owner, EVENT_TYPES))
        assert one.status_code == 200, one.text
        listed = await client.get(path, headers=v2(owner, EVENT_TYPES))
        [in_list] = [e for e in listed.json()["data"] if e["id"] == event_id]
        return [one.json()["data"]["destinationCalendar"], in_list["destinationCalendar"]]

    assert await shown() == [caldav(work), caldav(work)]
    await booked_into(client, radicale, event_id, at(MONDAY, "10:00"), work)  # written where it shows
    assert await objects(radicale, "alice", home) == []

    removed = await client.delete(f"/v1/destination-calendars/{row['id']}", params={"apiKey": owner.key})
    assert removed.status_code == 200, removed.text
    assert await shown() == [None, None]
