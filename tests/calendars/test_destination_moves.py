"""Calendar events that follow a booking to another host or another time (a real Radicale server):
a reassigned booking leaves the old host's calendar for the new host's, and a seat rescheduled out
of its meeting takes the meeting's event with it when it was the last seat."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from calapi.calendars.models import BookingReference
from tests.bookings.conftest import ATTENDEE, BOOKINGS_VERSION, MONDAY, at, book, make_schedule, v2
from tests.calendars.conftest import CALDAV_USERS, Radicale, until
from tests.calendars.test_destination import settled, unfolded
from tests.conftest import BOTH_DATABASES
from tests.teams.team_booking_helpers import team_event, team_of

pytestmark = BOTH_DATABASES
TUESDAY = "2050-09-06"


async def connect_as(client: Any, user: Any, radicale: Radicale, account: str) -> int:
    body = {"url": radicale.url(account), "username": account, "password": CALDAV_USERS[account]}
    response = await client.post("/v2/calendars/caldav/credentials", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    listed = (await client.get("/v2/calendars", headers=user.headers)).json()["data"]
    return int(listed["connectedCalendars"][0]["credentialId"])


async def objects(radicale: Radicale, account: str, calendar: str) -> list[str]:
    return [unfolded(text) for text in (await radicale.objects(account, calendar)).values()]


async def live_references(app: Any, booking_uid: str) -> list[BookingReference]:
    from calapi.bookings.models import Booking

    async with app.state.sessionmaker() as session:
        booking_id = await session.scalar(select(Booking.id).where(Booking.uid == booking_uid))
        return list(
            (
                await session.scalars(
                    select(BookingReference).where(
                        BookingReference.booking_id == booking_id, BookingReference.deleted.is_(None)
                    )
                )
            ).all()
        )


async def test_a_reassigned_booking_moves_to_the_new_hosts_calendar(client, app, alice, radicale, job_loop):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    [alice_work] = await radicale.reset("alice", "Work")
    [bob_work] = await radicale.reset("bob", "Work")
    alice_credential = await connect_as(client, owner, radicale, "alice")
    bob_credential = await connect_as(client, bob, radicale, "bob")
    hosts = [{"userId": owner.id, "priority": "high"}, {"userId": bob.id, "priority": "low"}]
    event_id = await team_event(client, owner, team_id, "demo", "roundRobin", hosts)
    created = await book(client, event_id, at(MONDAY, "10:00"))
    assert created.status_code == 201, created.text
    booking = created.json()["data"]
    first_host = booking["hosts"][0]["id"]
    (from_account, from_calendar), (to_account, to_calendar) = (
        (("alice", alice_work), ("bob", bob_work))
        if first_host == owner.id
        else (("bob", bob_work), ("alice", alice_work))
    )
    to_user = bob if first_host == owner.id else owner

    async def written_to_first() -> bool:
        return len(await objects(radicale, from_account, from_calendar)) == 1

    await until(written_to_first, what="the booking in the first host's calendar")
    await until(lambda: settled(app), what="the write jobs")

    moved = await client.post(f"/v2/bookings/{booking['uid']}/reassign/{to_user.id}", headers=v2(owner))
    assert moved.status_code == 200, moved.text

    async def in_new_calendar() -> list[str] | None:
        found = await objects(radicale, to_account, to_calendar)
        return found if found else None

    [text] = await until(in_new_calendar, what="the event in the new host's calendar")
    assert f"UID:{booking['icsUid']}" in text and f"X-CALAPI-BOOKING-UID:{booking['uid']}" in text
    assert "DTSTART:20500905T100000Z" in text
    await until(lambda: settled(app), what="the write jobs")
    assert await objects(radicale, from_account, from_calendar) == []  # gone from the old host's

    [reference] = await live_references(app, booking["uid"])
    new_credential = bob_credential if to_user is bob else alice_credential
    assert (reference.credential_id, reference.external_calendar_id) == (new_credential, to_calendar)
    answered = await client.get(f"/v2/bookings/{booking['uid']}/references", headers=v2(to_user, BOOKINGS_VERSION))
    assert answered.status_code == 200, answered.text
    assert [r["destinationCalendarId"] for r in answered.json()["data"]] == [to_calendar]


async def test_a_seat_leaving_its_meeting_leaves_it_and_the_last_seat_takes_the_old_event_with_it(
    client, app, alice, radicale, event_types, job_loop
):
    [work] = await radicale.reset("alice", "Work")
    await connect_as(client, alice, radicale, "alice")
    first = (await book(client, event_types.seated, at(MONDAY, "10:00"))).json()["data"]

    async def events(count: int) -> list[str] | None:
        found = await objects(radicale, "alice", work)
        return found if len(found) == count else None

    # The first seat's write recorded before the second seat books (two writes of one meeting at
    # once could each find no reference yet).
    await until(lambda: events(1), what="the seated meeting in the calendar")
    await until(lambda: settled(app), what="the write jobs")
    sam = {**ATTENDEE, "email": "sam@example.com", "name": "Sam"}
    second = (await book(client, event_types.seated, at(MONDAY, "10:00"), attendee=sam)).json()["data"]
    assert first["uid"] == second["uid"]

    async def monday(*, has: str, lacks: str | None = None) -> str | None:
        found = [t for t in await objects(radicale, "alice", work) if "DTSTART:20500905T100000Z" in t]
        if len(found) == 1 and f"mailto:{has}" in found[0] and (lacks is None or f"mailto:{lacks}" not in found[0]):
            return found[0]
        return None

    await until(lambda: monday(has="sam@example.com"), what="both seats in the meeting's event")
    await until(lambda: settled(app), what="the write jobs")

    # One of two seats moves to Tuesday: a second meeting; the first stays, without that attendee.
    response = await client.post(
        f"/v2/bookings/{first['uid']}/reschedule",
        json={"start": at(TUESDAY, "10:00"), "seatUid": first["seatUid"]},
        headers=v2(),
    )
    assert response.status_code == 201, response.text
    await until(lambda: events(2), what="the new meeting")
    await until(
        lambda: monday(has="sam@example.com", lacks="jane@example.com"), what="Monday's event without the mover"
    )
    await until(lambda: settled(app), what="the write jobs")

    # The other (last) seat moves to Tuesday too, into the same meeting: Monday's event goes.
    response = await client.post(
        f"/v2/bookings/{second['uid']}/reschedule",
        json={"start": at(TUESDAY, "10:00"), "seatUid": second["seatUid"]},
        headers=v2(),
    )
    assert response.status_code == 201, response.text
    [left] = await until(lambda: events(1), what="the old meeting's event to go")
    assert "DTSTART:20500906T100000Z" in left  # Tuesday's

    async def old_references_gone() -> bool:
        return await live_references(app, first["uid"]) == []

    await until(old_references_gone, what="the old meeting's reference to be marked deleted")


async def test_an_event_types_destination_calendar_receives_its_bookings_and_must_be_writable(
    client, app, alice, bob, radicale, feed_server, job_loop
):
    [work, home] = await radicale.reset("alice", "Work", "Home")
    await connect_as(client, alice, radicale, "alice")
    await make_schedule(client, alice)
    body = {"title": "Call", "slug": "call", "lengthInMinutes": 30, "minimumBookingNotice": 0}
    made = await client.post(
        "/v2/event-types",
        json={**body, "destinationCalendar": {"integration": "caldav_calendar", "externalId": home}},
        headers=v2(alice, "2024-06-14"),
    )
    assert made.status_code == 201, made.text
    event_type = made.json()["data"]
    assert event_type["destinationCalendar"] == {"integration": "caldav_calendar", "externalId": home}

    assert (await book(client, event_type["id"], at(MONDAY, "10:00"))).status_code == 201
    [text] = await until(lambda: _some(objects(radicale, "alice", home)), what="the booking in Home")
    assert "DTSTART:20500905T100000Z" in text
    assert await objects(radicale, "alice", work) == []  # the user's own destination is Work

    # Changed to Work: the next booking goes there.
    changed = await client.patch(
        f"/v2/event-types/{event_type['id']}",
        json={"destinationCalendar": {"integration": "caldav_calendar", "externalId": work}},
        headers=v2(alice, "2024-06-14"),
    )
    assert changed.status_code == 200, changed.text
    assert (await book(client, event_type["id"], at(MONDAY, "11:00"))).status_code == 201
    [text] = await until(lambda: _some(objects(radicale, "alice", work)), what="the booking in Work")
    assert "DTSTART:20500905T110000Z" in text
    assert len(await objects(radicale, "alice", home)) == 1

    # Refused: an ICS feed (read-only), a calendar nobody connected, another user's calendar.
    feed_server.feeds["/f.ics"] = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n"
    saved = await client.post(
        "/v2/calendars/ics-feed/save", json={"urls": [feed_server.url("/f.ics")]}, headers=alice.headers
    )
    assert saved.status_code == 201, saved.text
    connections = (await client.get("/v2/calendars", headers=alice.headers)).json()["data"]["connectedCalendars"]
    feed = next(c for c in connections if c["integration"]["type"] == "ics-feed_calendar")["calendars"][0]
    cases = [
        (alice, {"integration": "ics-feed_calendar", "externalId": feed["externalId"]}, "write permission"),
        (alice, {"integration": "caldav_calendar", "externalId": "http://nowhere/"}, "does not exist"),
        (bob, {"integration": "caldav_calendar", "externalId": home}, "does not exist"),
    ]
    for user, destination, reason in cases:
        refused = await client.post(
            "/v2/event-types",
            json={**body, "slug": f"call-{user.id}", "destinationCalendar": destination},
            headers=v2(user, "2024-06-14"),
        )
        assert refused.status_code == 400, refused.text
        assert (
            refused.json()["error"]["message"].startswith("Invalid destinationCalendarId")
            and reason in (refused.json()["error"]["message"])
        )
    refused = await client.patch(
        f"/v2/event-types/{event_type['id']}",
        json={"destinationCalendar": cases[0][1]},
        headers=v2(alice, "2024-06-14"),
    )
    assert refused.status_code == 400, refused.text
    kept = await client.get(f"/v2/event-types/{event_type['id']}", headers=v2(alice, "2024-06-14"))
    assert kept.json()["data"]["destinationCalendar"] == {"integration": "caldav_calendar", "externalId": work}


async def _some(found: Any) -> Any:
    result = await found
    return result or None


async def test_a_team_event_types_destination_calendar_is_the_callers_and_receives_its_bookings(
    client, app, alice, radicale, job_loop
):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    [_work, home] = await radicale.reset("alice", "Work", "Home")
    await connect_as(client, owner, radicale, "alice")
    hosts = [{"userId": bob.id}]
    refused = await client.post(
        f"/v2/teams/{team_id}/event-types",
        json={
            "title": "Demo",
            "slug": "demo",
            "lengthInMinutes": 30,
            "minimumBookingNotice": 0,
            "schedulingType": "roundRobin",
            "hosts": hosts,
            "destinationCalendar": {"integration": "caldav_calendar", "externalId": "http://nowhere/"},
        },
        headers=owner.headers,
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["message"] == "Invalid destinationCalendarId: Calendar does not exist"
    event_id = await team_event(
        client,
        owner,
        team_id,
        "demo",
        "roundRobin",
        hosts,
        destinationCalendar={"integration": "caldav_calendar", "externalId": home},
    )
    created = await book(client, event_id, at(MONDAY, "10:00"))
    assert created.status_code == 201, created.text
    [text] = await until(lambda: _some(objects(radicale, "alice", home)), what="the team booking in Home")
    assert f"UID:{created.json()['data']['icsUid']}" in text
