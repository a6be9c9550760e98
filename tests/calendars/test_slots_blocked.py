"""The hosts' calendar busy times in ``GET /v2/slots`` and in the booking check (against Radicale)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, update

from calapi.calendars.busy import STALE_HEADER
from calapi.calendars.models import CalendarCredential, ExternalCalendar, SelectedCalendar
from tests.bookings.conftest import book, make_event_type, make_schedule
from tests.calendars.conftest import Radicale, until, vcalendar, vevent
from tests.calendars.test_busy import ANSWER_MARGIN, BERLIN, TIMEOUT, TTL, connect, fetched, local, stamp
from tests.conftest import BOTH_DATABASES

pytestmark = BOTH_DATABASES
SLOTS = {"cal-api-version": "2024-09-04"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"calendar_cache_ttl": f"{TTL}s", "calendar_timeout": f"{TIMEOUT}s", "calendar_horizon_days": 400}


async def slots(client: Any, event_type_id: int, first: date, last: date) -> tuple[set[int], Any]:
    """The listed slot starts (epoch seconds) from ``first`` to ``last`` (whole days), and the answer."""
    response = await client.get(
        "/v2/slots",
        params={
            "eventTypeId": str(event_type_id),
            "start": f"{first.isoformat()}T00:00:00Z",
            "end": f"{last.isoformat()}T23:59:59Z",
            "timeZone": "Europe/Berlin",
        },
        headers=SLOTS,
    )
    assert response.status_code == 200, response.text
    days = response.json()["data"]
    return {int(datetime.fromisoformat(s["start"]).timestamp()) for day in days.values() for s in day}, response


def dst_change_after(day: date) -> date:
    """The first day after ``day`` whose midnight has another Berlin offset than the day before."""
    offset = datetime.combine(day, datetime.min.time(), tzinfo=BERLIN).utcoffset()
    while True:
        day += timedelta(days=1)
        if datetime.combine(day, datetime.min.time(), tzinfo=BERLIN).utcoffset() != offset:
            return day


def instant(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


async def calendar_with_events(radicale: Radicale) -> tuple[str, list[date], date]:
    """Alice's "Work" calendar: a weekly 14:00–15:00 Berlin series over 4 Mondays around the next DST
    change, and one 10:00–11:00 meeting on the first Wednesday. The Mondays and the Wednesday."""
    [work] = await radicale.reset("alice", "Work")
    after_change = dst_change_after(datetime.now(UTC).date() + timedelta(days=21))  # the first day after it
    mondays = [after_change - timedelta(days=after_change.weekday() + 14) + timedelta(weeks=n) for n in range(4)]
    assert mondays[0] > datetime.now(UTC).date()
    assert mondays[1] < after_change <= mondays[2]  # two Mondays on each side of the change
    wednesday = mondays[0] + timedelta(days=2)
    series = vevent(
        "weekly",
        f"DTSTART;TZID=Europe/Berlin:{stamp(mondays[0], 14)}",
        f"DTEND;TZID=Europe/Berlin:{stamp(mondays[0], 15)}",
        "RRULE:FREQ=WEEKLY;COUNT=4",
    )
    await radicale.put("alice", work, "weekly.ics", vcalendar(series))
    single = vevent(
        "single",
        f"DTSTART;TZID=Europe/Berlin:{stamp(wednesday, 10)}",
        f"DTEND;TZID=Europe/Berlin:{stamp(wednesday, 11)}",
    )
    await radicale.put("alice", work, "single.ics", vcalendar(single))
    return work, mondays, wednesday


async def test_calendar_events_remove_exactly_their_slots_refuse_bookings_and_go_on_disconnect(
    client, app, alice, radicale, job_loop
):
    await make_schedule(client, alice, time_zone="Europe/Berlin")
    event_type_id = await make_event_type(client, alice, "meeting")
    _, mondays, wednesday = await calendar_with_events(radicale)
    first, last = mondays[0] - timedelta(days=1), mondays[-1] + timedelta(days=1)
    without, _ = await slots(client, event_type_id, first, last)
    assert without

    await connect(client, alice, radicale)
    await until(lambda: fetched(app), what="the first refresh")
    blocked, answer = await slots(client, event_type_id, first, last)
    assert STALE_HEADER.lower() not in answer.headers
    # Exactly the slots inside the events: 14:00 and 14:30 Berlin on every Monday, on both sides
    # of the DST change (the same wall-clock hours, another UTC hour) …
    expected = {local(day, 14, minute) for day in mondays for minute in (0, 30)}
    # … and 10:00 and 10:30 on the Wednesday.
    expected |= {local(wednesday, 10), local(wednesday, 10, 30)}
    assert without - blocked == expected and blocked <= without
    utc_hours = {datetime.fromtimestamp(local(day, 14), UTC).hour for day in mondays}
    assert len(utc_hours) == 2  # the series' UTC hour moved with the change

    # The booking check sees the calendar too: the listed-as-busy time is refused, the next slot is not.
    refused = await book(client, event_type_id, instant(local(wednesday, 10)))
    assert refused.status_code == 409, refused.text
    assert (await book(client, event_type_id, instant(local(wednesday, 11)))).status_code == 201

    # Disconnecting removes the busy times: the calendar's slots are back (the 11:00 booking stays).
    listed = (await client.get("/v2/calendars", headers=alice.headers)).json()["data"]
    credential_id = listed["connectedCalendars"][0]["credentialId"]
    gone = await client.post("/v2/calendars/caldav/disconnect", json={"id": credential_id}, headers=alice.headers)
    assert gone.status_code == 200, gone.text
    after, _ = await slots(client, event_type_id, first, last)
    assert after == without - {local(wednesday, 11)}
    assert (await book(client, event_type_id, instant(local(wednesday, 10)))).status_code == 201


async def test_a_caldav_server_that_never_answers_keeps_slots_answering_and_names_the_calendar(
    client, app, alice, radicale, silent_server, job_loop
):
    await make_schedule(client, alice, time_zone="Europe/Berlin")
    event_type_id = await make_event_type(client, alice, "meeting")
    _, mondays, wednesday = await calendar_with_events(radicale)
    await connect(client, alice, radicale)
    await until(lambda: fetched(app), what="the first refresh")
    # From now on the account's server accepts connections and never answers.
    radicale_base = radicale.base + "/"
    async with app.state.sessionmaker() as session:
        for model in (ExternalCalendar, SelectedCalendar):
            await session.execute(
                update(model).values(external_id=func.replace(model.external_id, radicale_base, silent_server))
            )
        await session.execute(
            update(CalendarCredential).values(url=func.replace(CalendarCredential.url, radicale_base, silent_server))
        )
        await session.commit()

    async def stale() -> Any:
        _, answer = await slots(client, event_type_id, wednesday, wednesday)
        return answer if STALE_HEADER.lower() in answer.headers else None

    await until(stale, timeout=TTL + 10 * TIMEOUT, what="the calendar to go stale")
    began = time.monotonic()
    listed, answer = await slots(client, event_type_id, mondays[0], mondays[-1])
    assert time.monotonic() - began < TIMEOUT + ANSWER_MARGIN
    assert answer.status_code == 200 and answer.headers[STALE_HEADER] == "Work"
    # Answered from the last good data: the meeting still blocks.
    assert local(wednesday, 10) not in listed and local(wednesday, 11) in listed
    # The legacy and v1 listings say so too, and nothing answers 5xx.
    legacy = await client.get(
        "/v2/slots/available",
        params={
            "eventTypeId": str(event_type_id),
            "startTime": f"{wednesday.isoformat()}T00:00:00Z",
            "endTime": f"{wednesday.isoformat()}T23:59:59Z",
        },
    )
    assert legacy.status_code == 200 and legacy.headers[STALE_HEADER] == "Work"
    calendars = await client.get("/v2/calendars", headers=alice.headers)
    assert calendars.status_code == 200 and calendars.json()["data"]["staleCalendars"] == ["Work"]
    refused = await book(client, event_type_id, instant(local(wednesday, 10)))
    assert refused.status_code == 409, refused.text
