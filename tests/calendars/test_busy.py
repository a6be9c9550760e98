"""Busy times from real calendars (Radicale, ICS feeds served by the test), through the refresh job
into the cache that ``busy_for_hosts`` reads — and what a dead calendar server may not do."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from calapi.calendars.busy import STALE_HEADER, busy_for_hosts
from calapi.calendars.models import CalendarBusy, CalendarCredential
from calapi.calendars.settings import calendar_settings
from calapi.db import utcnow
from tests.calendars.conftest import CALDAV_USERS, Radicale, until, vcalendar, vevent
from tests.conftest import BOTH_DATABASES

TTL, TIMEOUT = 2.0, 1.0
# What a request may take beyond the calendar timeout: its usual ~10 ms, plus the scheduling delay
# of a loaded 2-core CI machine running the whole suite (seen there: 1.57 s).
ANSWER_MARGIN = 2.5
BERLIN = ZoneInfo("Europe/Berlin")

pytestmark = BOTH_DATABASES


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # A short bound and timeout keep the dead-server cases quick; a horizon past the next DST change.
    return {"calendar_cache_ttl": f"{TTL}s", "calendar_timeout": f"{TIMEOUT}s", "calendar_horizon_days": 400}


def next_dst_change(zone: ZoneInfo = BERLIN) -> date:
    day = datetime.now(UTC).date() + timedelta(days=14)
    offset = datetime.combine(day, datetime.min.time(), tzinfo=zone).utcoffset()
    while True:
        day += timedelta(days=1)
        now = datetime.combine(day, datetime.min.time(), tzinfo=zone).utcoffset()
        if now != offset:
            return day


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = BERLIN) -> int:
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).timestamp())


def stamp(day: date, hour: int, minute: int = 0) -> str:
    return f"{day:%Y%m%d}T{hour:02}{minute:02}00"


async def hosts_busy(app: Any, user: Any, start: datetime, end: datetime) -> Any:
    async with app.state.sessionmaker() as session:
        return await busy_for_hosts(session, [user.id], start, end, now=utcnow(), ttl=TTL)


async def fetched(app: Any) -> bool:
    async with app.state.sessionmaker() as session:
        rows = (await session.scalars(select(CalendarBusy))).all()
        return bool(rows) and all(row.fetched_at is not None for row in rows)


async def connect(client: Any, user: Any, radicale: Radicale) -> None:
    body = {"url": radicale.url("alice"), "username": "alice", "password": CALDAV_USERS["alice"]}
    response = await client.post("/v2/calendars/caldav/credentials", json=body, headers=user.headers)
    assert response.status_code == 201, response.text


async def test_caldav_events_block_exactly_their_times_recurring_ones_in_their_own_zone(
    client, app, alice, radicale, job_loop
):
    [work] = await radicale.reset("alice", "Work")
    change = next_dst_change()
    first = change - timedelta(days=(change.weekday() - 0) % 7 + 14)  # a Monday two weeks before the change
    weeks = [first + timedelta(weeks=n) for n in range(5)]  # two before the change, three after
    single = first - timedelta(days=2)
    await radicale.put(
        "alice",
        work,
        "single.ics",
        vcalendar(
            vevent(
                "single",
                f"DTSTART;TZID=Europe/Berlin:{stamp(single, 14)}",
                f"DTEND;TZID=Europe/Berlin:{stamp(single, 14, 45)}",
            )
        ),
    )
    series = vcalendar(
        vevent(
            "weekly",
            f"DTSTART;TZID=Europe/Berlin:{stamp(weeks[0], 10)}",
            f"DTEND;TZID=Europe/Berlin:{stamp(weeks[0], 11)}",
            "RRULE:FREQ=WEEKLY;COUNT=5",
            f"EXDATE;TZID=Europe/Berlin:{stamp(weeks[1], 10)}",
        ),
        vevent(
            "weekly",
            f"RECURRENCE-ID;TZID=Europe/Berlin:{stamp(weeks[2], 10)}",
            f"DTSTART;TZID=Europe/Berlin:{stamp(weeks[2], 15)}",
            f"DTEND;TZID=Europe/Berlin:{stamp(weeks[2], 16)}",
        ),
        vevent(
            "weekly",
            f"RECURRENCE-ID;TZID=Europe/Berlin:{stamp(weeks[3], 10)}",
            f"DTSTART;TZID=Europe/Berlin:{stamp(weeks[3], 10)}",
            f"DTEND;TZID=Europe/Berlin:{stamp(weeks[3], 11)}",
            "STATUS:CANCELLED",
        ),
    )
    await radicale.put("alice", work, "weekly.ics", series)
    free = vcalendar(
        vevent("free", f"DTSTART:{stamp(weeks[4], 7)}Z", f"DTEND:{stamp(weeks[4], 8)}Z", "TRANSP:TRANSPARENT")
    )
    await radicale.put("alice", work, "free.ics", free)
    await connect(client, alice, radicale)
    await until(lambda: fetched(app), what="the first refresh")

    start = datetime.combine(single, datetime.min.time(), tzinfo=UTC)
    found = await hosts_busy(app, alice, start, start + timedelta(days=45))
    assert found.stale == []
    assert found.busy[alice.id] == [
        (local(single, 14), local(single, 14, 45)),
        (local(weeks[0], 10), local(weeks[0], 11)),  # the same 10:00 Berlin on both sides of the change …
        (local(weeks[2], 15), local(weeks[2], 16)),  # … week 2 freed by EXDATE, week 3 moved, week 4 cancelled
        (local(weeks[4], 10), local(weeks[4], 11)),
    ]
    before, after = found.busy[alice.id][1], found.busy[alice.id][3]
    assert (before[0] - after[0]) % 3600 == 0 and before[0] % 86400 != after[0] % 86400  # UTC hour moved

    # The same calendar through GET /v2/calendars/busy-times (fetched now).
    credential_id = (await client.get("/v2/calendars", headers=alice.headers)).json()["data"]["connectedCalendars"][0][
        "credentialId"
    ]
    response = await client.get(
        "/v2/calendars/busy-times",
        params={
            "timeZone": "Europe/Berlin",
            "dateFrom": single.isoformat(),
            "dateTo": (single + timedelta(days=44)).isoformat(),
            "calendarsToLoad[0][credentialId]": str(credential_id),
            "calendarsToLoad[0][externalId]": work,
        },
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert STALE_HEADER.lower() not in response.headers
    times = response.json()["data"]
    assert [
        (int(datetime.fromisoformat(t["start"]).timestamp()), int(datetime.fromisoformat(t["end"]).timestamp()))
        for t in times
    ] == found.busy[alice.id]
    assert {t["source"] for t in times} == {"Work"}


async def test_a_feeds_all_day_event_blocks_its_date_in_the_feeds_zone(client, app, alice, feed_server, job_loop):
    day = datetime.now(UTC).date() + timedelta(days=20)
    feed_server.feeds["/holidays.ics"] = vcalendar(
        vevent("day", f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"),
        extra="X-WR-TIMEZONE:America/New_York\r\n",
    ).encode()
    response = await client.post(
        "/v2/calendars/ics-feed/save", json={"urls": [feed_server.url("/holidays.ics")]}, headers=alice.headers
    )
    assert response.status_code == 201, response.text
    await until(lambda: fetched(app), what="the first refresh")
    start = datetime.combine(day - timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    found = await hosts_busy(app, alice, start, start + timedelta(days=5))
    york = ZoneInfo("America/New_York")
    assert found.busy[alice.id] == [(local(day, 0, zone=york), local(day + timedelta(days=1), 0, zone=york))]


async def test_a_calendar_server_that_never_answers_delays_and_breaks_nothing(
    client, app, alice, feed_server, silent_server, job_loop
):
    day = datetime.now(UTC).date() + timedelta(days=3)
    feed_server.feeds["/team.ics"] = vcalendar(
        vevent("e", f"DTSTART:{stamp(day, 9)}Z", f"DTEND:{stamp(day, 10)}Z"), extra="X-WR-CALNAME:Team\r\n"
    ).encode()
    saved = await client.post(
        "/v2/calendars/ics-feed/save", json={"urls": [feed_server.url("/team.ics")]}, headers=alice.headers
    )
    assert saved.status_code == 201, saved.text
    await until(lambda: fetched(app), what="the first refresh")
    feed_server.hang.add("/team.ics")  # from now on the feed accepts and never answers

    async def failing() -> bool:
        async with app.state.sessionmaker() as session:
            return any(row.error for row in (await session.scalars(select(CalendarBusy))).all())

    await until(failing, what="a failed refresh")
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    expected = [
        (
            int(datetime(day.year, day.month, day.day, 9, tzinfo=UTC).timestamp()),
            int(datetime(day.year, day.month, day.day, 10, tzinfo=UTC).timestamp()),
        )
    ]

    async def stale() -> Any:
        found = await hosts_busy(app, alice, start, start + timedelta(days=1))
        return found if found.stale else None

    found = await until(stale, what="the feed to go stale")
    assert found.stale == ["Team"] and found.busy[alice.id] == expected  # the last good data, named stale

    listed = await client.get("/v2/calendars", headers=alice.headers)
    assert listed.status_code == 200 and listed.headers[STALE_HEADER] == "Team"
    [calendar] = listed.json()["data"]["connectedCalendars"][0]["calendars"]
    assert calendar["stale"] is True and "did not answer in time" in calendar["error"]
    assert listed.json()["data"]["staleCalendars"] == ["Team"]

    credential_id = listed.json()["data"]["connectedCalendars"][0]["credentialId"]
    began = time.monotonic()
    response = await client.get(
        "/v2/calendars/busy-times",
        params={
            "timeZone": "UTC",
            "dateFrom": day.isoformat(),
            "dateTo": day.isoformat(),
            "calendarsToLoad[0][credentialId]": str(credential_id),
            "calendarsToLoad[0][externalId]": calendar["externalId"],
        },
        headers=alice.headers,
    )
    elapsed = time.monotonic() - began
    assert response.status_code == 200, response.text
    assert elapsed < TIMEOUT + ANSWER_MARGIN, elapsed
    assert response.headers[STALE_HEADER] == "Team"
    assert len(response.json()["data"]) == 1

    # A CalDAV server that never answers cannot be connected, and says so within the timeout.
    began = time.monotonic()
    refused = await client.post(
        "/v2/calendars/caldav/credentials",
        json={"url": silent_server, "username": "x", "password": "y"},
        headers=alice.headers,
    )
    assert refused.status_code == 400 and "did not answer in time" in refused.json()["error"]["message"]
    assert time.monotonic() - began < TIMEOUT + ANSWER_MARGIN


async def test_refused_credentials_mark_the_connection_invalid_with_the_reason(client, app, alice, radicale, job_loop):
    await radicale.reset("alice", "Work")
    await connect(client, alice, radicale)
    await until(lambda: fetched(app), what="the first refresh")
    cipher = calendar_settings(app.state.settings).cipher
    async with app.state.sessionmaker() as session:
        await session.execute(update(CalendarCredential).values(secret=cipher.seal({"password": "changed"})))
        await session.commit()

    async def invalid() -> Any:
        async with app.state.sessionmaker() as session:
            credential = await session.scalar(select(CalendarCredential))
            return credential if credential is not None and credential.invalid else None

    credential = await until(invalid, what="the connection to be marked invalid")
    assert "refused the username or password" in credential.invalid_reason
    check = await client.get("/v2/calendars/caldav/check", headers=alice.headers)
    assert check.status_code == 400 and check.json()["error"]["message"] == "Invalid caldav calendar credentials."
    [connection] = (await client.get("/v2/calendars", headers=alice.headers)).json()["data"]["connectedCalendars"]
    assert connection["invalid"] is True and "refused" in connection["invalidReason"]
