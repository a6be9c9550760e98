"""Seats of one meeting booked and cancelled at the same time (a real Radicale server): every write of
the meeting's event carries the whole attendee list, so the writes of one booking must not
interleave — whatever order they finish in, the event ends with exactly the seats the booking has.

The calendar server takes longer for an event the fewer attendees it lists, so that, without the
serialization, a write that read the meeting before the last seats joined lands after the others
(and the seats' first jobs each create the event, each recording a reference of its own)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select

from calapi.calendars import caldav_client
from calapi.db import utcnow
from calapi.jobs import worker as jobs
from calapi.jobs.models import Job
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, make_event_type, v2
from tests.calendars.conftest import Radicale, until
from tests.calendars.test_destination import settled, unfolded
from tests.calendars.test_destination_moves import connect_as, live_references, objects
from tests.conftest import BOTH_DATABASES

pytestmark = BOTH_DATABASES


def person(n: int) -> dict[str, Any]:
    return {**ATTENDEE, "name": f"Seat {n}", "email": f"seat{n}@example.com"}


def attendees_of(text: str) -> set[str]:
    return set(re.findall(r"^ATTENDEE[^:\r\n]*:mailto:([^\r\n]+)", unfolded(text), re.MULTILINE))


def slower_with_fewer_attendees(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on an event reaches the server later the fewer attendees it lists: of two writes of
    one meeting at once, the one that read the meeting earlier (fewer seats) lands last."""
    put_event = caldav_client.put_event

    async def put(account: Any, calendar: str, uid: str, ics: str, **options: Any) -> None:
        await asyncio.sleep(0.1 * max(0, 10 - len(attendees_of(ics))))
        await put_event(account, calendar, uid, ics, **options)

    monkeypatch.setattr(caldav_client, "put_event", put)


async def seated_meeting(client: Any, alice: Any, radicale: Radicale) -> tuple[int, str]:
    [work] = await radicale.reset("alice", "Work")
    await connect_as(client, alice, radicale, "alice")
    seats = {"seatsPerTimeSlot": 20, "showAttendeeInfo": True, "showAvailabilityCount": True}
    return await make_event_type(client, alice, "crowd", seats=seats), work


async def the_event(app: Any, radicale: Radicale, work: str, booking_uid: str, expected: set[str]) -> str:
    """Wait for the jobs to finish; then the calendar holds one event for the meeting, with ``expected``."""

    async def done() -> bool:
        # The due dispatches first: each enqueues its write job in the transaction that ends it.
        async with app.state.sessionmaker() as session:
            dispatching = await session.scalar(
                select(Job.id)
                .where(Job.kind == "events.dispatch", Job.status.in_(["pending", "running"]), Job.run_at <= utcnow())
                .limit(1)
            )
        return dispatching is None and await settled(app)

    await until(done, timeout=30, what="the calendar write jobs")
    [text] = await objects(radicale, "alice", work)
    assert attendees_of(text) == expected
    assert len(await live_references(app, booking_uid)) == 1  # one event, created once
    return text


@asynccontextmanager
async def job_loops(app: Any, count: int) -> AsyncIterator[None]:
    """``count`` job loops claiming the same table, as that many worker processes would."""
    loops = [jobs.Worker(app.state.sessionmaker, poll_interval=0.05) for _ in range(count)]
    tasks = [asyncio.create_task(loop.run()) for loop in loops]
    try:
        yield
    finally:
        for loop in loops:
            await loop.stop()
        await asyncio.gather(*tasks)


async def test_seats_booked_at_once_all_reach_the_hosts_event(
    client, app, alice, radicale, host_schedule, job_loop, monkeypatch
):
    event_type, work = await seated_meeting(client, alice, radicale)
    slower_with_fewer_attendees(monkeypatch)
    async with job_loops(app, 1):  # a second job loop beside the app's
        made = await asyncio.gather(
            *(book(client, event_type, at(MONDAY, "10:00"), attendee=person(n)) for n in range(8))
        )
        assert [r.status_code for r in made] == [201] * 8, [r.text for r in made]
        [uid] = {r.json()["data"]["uid"] for r in made}
        await the_event(app, radicale, work, uid, {f"seat{n}@example.com" for n in range(8)})


async def test_a_seat_cancelled_while_others_book_leaves_exactly_the_remaining_ones(
    client, app, alice, radicale, host_schedule, monkeypatch
):
    event_type, work = await seated_meeting(client, alice, radicale)
    seats = []
    async with job_loops(app, 1):
        for n in range(3):
            made = await book(client, event_type, at(MONDAY, "10:00"), attendee=person(n))
            assert made.status_code == 201, made.text
            seats.append(made.json()["data"])
        uid = seats[0]["uid"]
        await the_event(app, radicale, work, uid, {f"seat{n}@example.com" for n in range(3)})

    # The changes land while no worker runs (busy, or restarting): two workers then catch up, each
    # claiming several of the meeting's writes at once.
    slower_with_fewer_attendees(monkeypatch)
    cancelled, *booked = await asyncio.gather(
        client.post(f"/v2/bookings/{uid}/cancel", json={"seatUid": seats[1]["seatUid"]}, headers=v2()),
        *(book(client, event_type, at(MONDAY, "10:00"), attendee=person(n)) for n in range(3, 7)),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert [r.status_code for r in booked] == [201] * 4, [r.text for r in booked]
    async with job_loops(app, 2):
        await the_event(app, radicale, work, uid, {f"seat{n}@example.com" for n in (0, 2, 3, 4, 5, 6)})
