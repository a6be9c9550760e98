"""A CalDAV server that asks for HTTP Digest authentication (Radicale behind a Digest-only front):
connecting, reading busy times and writing bookings all work, and a wrong password is refused."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.bookings.conftest import MONDAY, at, book, make_event_type, make_schedule
from tests.calendars.conftest import CALDAV_USERS, Radicale, until, vcalendar, vevent
from tests.calendars.test_busy import fetched, local, stamp
from tests.calendars.test_busy_cached import next_wednesday
from tests.calendars.test_slots_blocked import slots
from tests.conftest import BOTH_DATABASES

pytestmark = BOTH_DATABASES


async def test_a_digest_only_caldav_server_blocks_slots_and_receives_bookings(
    client, app, alice, digest_radicale: Radicale, job_loop
):
    base = digest_radicale.url("alice")
    async with httpx.AsyncClient(auth=("alice", CALDAV_USERS["alice"])) as http:
        basic = await http.request("PROPFIND", base, headers={"Depth": "0"})
    assert basic.status_code == 401 and basic.headers["www-authenticate"].startswith("Digest ")

    wrong = await client.post(
        "/v2/calendars/caldav/credentials",
        json={"url": base, "username": "alice", "password": "not-it"},
        headers=alice.headers,
    )
    assert wrong.status_code == 400, wrong.text
    assert "refused the username or password" in wrong.json()["error"]["message"]

    await make_schedule(client, alice, time_zone="Europe/Berlin")
    event_type_id = await make_event_type(client, alice, "meeting")
    [work] = await digest_radicale.reset("alice", "Work")
    wednesday = next_wednesday()
    meeting = vevent(
        "dentist",
        f"DTSTART;TZID=Europe/Berlin:{stamp(wednesday, 10)}",
        f"DTEND;TZID=Europe/Berlin:{stamp(wednesday, 11)}",
    )
    await digest_radicale.put("alice", work, "dentist.ics", vcalendar(meeting))
    connected = await client.post(
        "/v2/calendars/caldav/credentials",
        json={"url": base, "username": "alice", "password": CALDAV_USERS["alice"]},
        headers=alice.headers,
    )
    assert connected.status_code == 201, connected.text
    await until(lambda: fetched(app), what="the first refresh")
    listed, _ = await slots(client, event_type_id, wednesday, wednesday + timedelta(days=1))
    assert local(wednesday, 10) not in listed and local(wednesday, 10, 30) not in listed
    assert local(wednesday, 11) in listed

    created = await book(client, event_type_id, at(MONDAY, "09:00"))
    assert created.status_code == 201, created.text

    async def written() -> list[str] | None:
        found = [text for text in (await digest_radicale.objects("alice", work)).values() if "dentist" not in text]
        return found or None

    [text] = await until(written, what="the booking in the calendar")
    assert f"UID:{created.json()['data']['icsUid']}" in text
