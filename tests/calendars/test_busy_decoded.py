"""Calendar busy times decoded once per stored version: a listing reads the row's version every time
and the intervals only when the version changed, so nothing older than the database is ever used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.calendars.busy import busy_for_hosts
from calapi.calendars.models import CalendarBusy, CalendarCredential, ExternalCalendar, SelectedCalendar
from calapi.db import utcnow
from tests.conftest import BOTH_DATABASES

pytestmark = BOTH_DATABASES

START = datetime(2030, 1, 7, tzinfo=UTC)
END = START + timedelta(days=7)
TTL = 60.0


def at(hours: float) -> int:
    return int((START + timedelta(hours=hours)).timestamp())


async def add_calendar(session: AsyncSession, user_id: int, name: str, intervals: list[tuple[int, int]]) -> int:
    credential = CalendarCredential(
        user_id=user_id, type="caldav", url=f"http://{name}.invalid/", username=name, secret="-"
    )
    session.add(credential)
    await session.flush()
    calendar = ExternalCalendar(credential_id=credential.id, external_id=f"http://{name}.invalid/cal/", name=name)
    session.add(calendar)
    session.add(
        SelectedCalendar(
            user_id=user_id, integration="caldav", external_id=calendar.external_id, credential_id=credential.id
        )
    )
    await session.flush()
    session.add(
        CalendarBusy(
            calendar_id=calendar.id,
            intervals=[list(i) for i in intervals],
            covers_from=START - timedelta(days=1),
            covers_until=END + timedelta(days=30),
            fetched_at=utcnow(),
            content_hash=f"{name}-1",
        )
    )
    await session.commit()
    return calendar.id


async def read(app: Any, user_id: int, start: datetime = START, end: datetime = END) -> list[tuple[int, int]]:
    async with app.state.sessionmaker() as session:
        return (await busy_for_hosts(session, [user_id], start, end, now=utcnow(), ttl=TTL)).busy[user_id]


async def rewrite(app: Any, calendar_id: int, intervals: list[tuple[int, int]], content_hash: str) -> None:
    """What the refresh job's ``record`` writes for a changed calendar."""
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(CalendarBusy)
            .where(CalendarBusy.calendar_id == calendar_id)
            .values(intervals=[list(i) for i in intervals], fetched_at=utcnow(), content_hash=content_hash)
        )
        await session.commit()


async def test_a_changed_calendar_is_used_at_once_and_an_unchanged_one_is_not_decoded_again(app, alice):
    first = [(at(9), at(10)), (at(33), at(34)), (at(24 * 9), at(24 * 9 + 1))]
    async with app.state.sessionmaker() as session:
        calendar_id = await add_calendar(session, alice.id, "work", first)

    found = await read(app, alice.id)
    assert found == first[:2]  # the third is after the window
    again = await read(app, alice.id)
    assert again == first[:2]
    assert again is found  # the same version: the kept decoding, the same list

    second = [(at(11), at(12))]
    await rewrite(app, calendar_id, second, "work-2")
    assert await read(app, alice.id) == second
    assert await read(app, alice.id) == second

    # Another window of the same version: cut from the kept decoding.
    await rewrite(app, calendar_id, first, "work-1")
    assert await read(app, alice.id, START + timedelta(days=2), END + timedelta(days=7)) == first[2:]
    assert await read(app, alice.id, START + timedelta(days=2), START + timedelta(days=3)) == []


async def test_two_calendars_of_a_host_are_merged_and_each_follows_its_own_version(app, alice):
    async with app.state.sessionmaker() as session:
        work = await add_calendar(session, alice.id, "work", [(at(9), at(10))])
        await add_calendar(session, alice.id, "home", [(at(9.5), at(11)), (at(20), at(21))])

    assert await read(app, alice.id) == [(at(9), at(11)), (at(20), at(21))]
    await rewrite(app, work, [(at(14), at(15))], "work-2")
    assert await read(app, alice.id) == [(at(9.5), at(11)), (at(14), at(15)), (at(20), at(21))]


async def test_a_row_never_fetched_blocks_nothing_and_a_first_fetch_is_used(app, alice):
    async with app.state.sessionmaker() as session:
        calendar_id = await add_calendar(session, alice.id, "work", [])
        await session.execute(
            update(CalendarBusy).where(CalendarBusy.calendar_id == calendar_id).values(fetched_at=None)
        )
        await session.commit()
    assert await read(app, alice.id) == []
    await rewrite(app, calendar_id, [(at(9), at(10))], "work-2")
    assert await read(app, alice.id) == [(at(9), at(10))]
