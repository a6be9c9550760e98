"""Bookings written to the destination calendar (a real Radicale server): one event per meeting,
moved on reschedule (same UID, SEQUENCE + 1), deleted on cancel, each write a booking reference."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from calapi.calendars.models import BookingReference
from calapi.jobs.models import Job
from tests.bookings.conftest import BOOKINGS_VERSION, MONDAY, at, book, v2
from tests.calendars.conftest import CALDAV_USERS, Radicale, until
from tests.conftest import BOTH_DATABASES

pytestmark = BOTH_DATABASES


async def connect(client: Any, user: Any, radicale: Radicale) -> int:
    body = {"url": radicale.url("alice"), "username": "alice", "password": CALDAV_USERS["alice"]}
    response = await client.post("/v2/calendars/caldav/credentials", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    listed = (await client.get("/v2/calendars", headers=user.headers)).json()["data"]
    return listed["connectedCalendars"][0]["credentialId"]


async def settled(app: Any, kind: str = "calendars.write") -> bool:
    async with app.state.sessionmaker() as session:
        busy = await session.scalar(
            select(Job.id).where(Job.kind == kind, Job.status.in_(["pending", "running"])).limit(1)
        )
        return busy is None


async def events_in(radicale: Radicale, calendar: str, expected: int) -> dict[str, str]:
    async def count() -> dict[str, str] | None:
        found = await radicale.objects("alice", calendar)
        return found if len(found) == expected else None

    if expected == 0:
        await until(lambda: _empty(radicale, calendar), what="the calendar to be empty")
        return {}
    return await until(count, what=f"{expected} event(s) in the calendar")


async def _empty(radicale: Radicale, calendar: str) -> bool:
    return not await radicale.objects("alice", calendar)


def unfolded(text: str) -> str:
    return re.sub(r"\r?\n[ \t]", "", text)


async def test_a_booking_is_written_moved_on_reschedule_and_deleted_on_cancel(
    client, app, alice, radicale, event_types, job_loop
):
    [work, _home] = await radicale.reset("alice", "Work", "Home")
    await connect(client, alice, radicale)
    created = await book(client, event_types.regular, at(MONDAY, "10:00"))
    assert created.status_code == 201, created.text
    booking = created.json()["data"]

    [(href, text)] = (await events_in(radicale, work, 1)).items()
    text = unfolded(text)
    assert f"UID:{booking['icsUid']}" in text
    assert "DTSTART:20500905T100000Z" in text and "DTEND:20500905T103000Z" in text
    assert "SEQUENCE:0" in text
    assert f"X-CALAPI-BOOKING-UID:{booking['uid']}" in text
    assert "mailto:jane@example.com" in text and "mailto:alice@example.com" in text

    await until(lambda: settled(app), what="the write jobs")
    references = await client.get(f"/v2/bookings/{booking['uid']}/references", headers=v2(alice, BOOKINGS_VERSION))
    assert references.status_code == 200, references.text
    [reference] = references.json()["data"]
    assert reference["type"] == "caldav_calendar"
    assert reference["eventUid"] == booking["icsUid"]
    assert reference["destinationCalendarId"] == work

    moved = await client.post(
        f"/v2/bookings/{booking['uid']}/reschedule",
        json={"start": at(MONDAY, "14:00")},
        headers=v2(alice, BOOKINGS_VERSION),
    )
    assert moved.status_code == 201, moved.text
    successor = moved.json()["data"]

    async def rescheduled() -> dict[str, str] | None:
        found = await radicale.objects("alice", work)
        return found if any("SEQUENCE:1" in t for t in found.values()) else None

    found = await until(rescheduled, what="the event to move")
    await until(lambda: settled(app), what="the write jobs")
    assert list(found) == [href]  # one event, at the same place: never a second one
    text = unfolded(found[href])
    assert f"UID:{booking['icsUid']}" in text and "DTSTART:20500905T140000Z" in text
    assert f"X-CALAPI-BOOKING-UID:{successor['uid']}" in text

    [passed] = (
        await client.get(f"/v2/bookings/{successor['uid']}/references", headers=v2(alice, BOOKINGS_VERSION))
    ).json()["data"]
    assert passed["eventUid"] == booking["icsUid"]
    old = await client.get(f"/v2/bookings/{booking['uid']}/references", headers=v2(alice, BOOKINGS_VERSION))
    assert old.json()["data"] == []

    cancelled = await client.post(
        f"/v2/bookings/{successor['uid']}/cancel",
        json={"cancellationReason": "no longer needed"},
        headers=v2(alice, BOOKINGS_VERSION),
    )
    assert cancelled.status_code == 200, cancelled.text
    await events_in(radicale, work, 0)
    await until(lambda: settled(app), what="the write jobs")
    remaining = await client.get(f"/v2/bookings/{successor['uid']}/references", headers=v2(alice, BOOKINGS_VERSION))
    assert remaining.json()["data"] == []
    async with app.state.sessionmaker() as session:
        rows = (await session.scalars(select(BookingReference).order_by(BookingReference.id))).all()
        assert [(r.uid, r.sequence, r.deleted) for r in rows] == [
            (booking["icsUid"], 0, True),
            (booking["icsUid"], 1, True),
        ]


async def test_an_event_types_destination_wins_and_read_only_calendars_are_refused(
    client, app, alice, radicale, event_types, feed_server, job_loop
):
    [work, home] = await radicale.reset("alice", "Work", "Home")
    await connect(client, alice, radicale)
    made = await client.post(
        "/v1/destination-calendars",
        params={"apiKey": alice.key},
        json={"integration": "caldav_calendar", "externalId": home, "eventTypeId": event_types.regular},
    )
    assert made.status_code == 200, made.text
    assert made.json()["destinationCalendar"]["eventTypeId"] == event_types.regular
    assert made.json()["destinationCalendar"]["userId"] is None

    created = await book(client, event_types.regular, at(MONDAY, "11:00"))
    assert created.status_code == 201, created.text
    await events_in(radicale, home, 1)
    other = await book(client, event_types.seated, at(MONDAY, "12:00"))
    assert other.status_code == 201, other.text
    await events_in(radicale, work, 1)  # the user's own destination for the other event type

    feed_server.feeds["/f.ics"] = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n"
    saved = await client.post(
        "/v2/calendars/ics-feed/save", json={"urls": [feed_server.url("/f.ics")]}, headers=alice.headers
    )
    assert saved.status_code == 201
    feed_calendar = (await client.get("/v2/calendars", headers=alice.headers)).json()["data"]["connectedCalendars"][1][
        "calendars"
    ][0]["externalId"]
    refused = await client.put(
        "/v2/destination-calendars",
        json={"integration": "ics-feed_calendar", "externalId": feed_calendar},
        headers=alice.headers,
    )
    assert refused.status_code == 400, refused.text
    moved = await client.put(
        "/v2/destination-calendars", json={"integration": "caldav_calendar", "externalId": home}, headers=alice.headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["data"] == {
        "userId": alice.id,
        "integration": "caldav_calendar",
        "externalId": home,
        "credentialId": moved.json()["data"]["credentialId"],
    }
    missing = await client.put(
        "/v2/destination-calendars",
        json={"integration": "caldav_calendar", "externalId": "http://nowhere/"},
        headers=alice.headers,
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Could not find calendar http://nowhere/"


async def test_calendar_links_and_the_ics_they_point_at(client, alice, event_types):
    created = await book(client, event_types.regular, at(MONDAY, "10:00"))
    booking = created.json()["data"]
    response = await client.get(f"/v2/bookings/{booking['uid']}/calendar-links", headers=v2(alice, BOOKINGS_VERSION))
    assert response.status_code == 200, response.text
    links = response.json()["data"]
    assert [(x["label"], x["id"]) for x in links] == [
        ("Google Calendar", "googleCalendar"),
        ("Microsoft Office", "microsoftOffice"),
        ("Microsoft Outlook", "microsoftOutlook"),
        ("ICS", "ics"),
    ]
    assert "dates=20500905T100000Z%2F20500905T103000Z" in links[0]["link"]
    assert "startdt=2050-09-05T10%3A00%3A00Z" in links[1]["link"]
    ics = await client.get(links[3]["link"])  # no key, no version header: a calendar app follows it
    assert ics.status_code == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    assert f"UID:{booking['icsUid']}" in unfolded(ics.text)
    missing = await client.get("/v2/bookings/nope/calendar-links", headers=v2(alice, BOOKINGS_VERSION))
    assert missing.status_code == 404
    assert (await client.get("/v2/bookings/nope/event.ics")).status_code == 404
