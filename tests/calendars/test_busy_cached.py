"""Calendar busy times kept by the availability cache between slot listings.

A warm listing of a host with a selected calendar reads nothing from the database; the refresh
job's write of new busy times is published on the change log — from the server's own job loop and
from a ``calapi worker`` process through Redis — so the next listing uses it at once; a write the
log never hears of is picked up within ``CALAPI_CALENDAR_CACHE_TTL``; and the booking check never
trusts the cache.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from calapi.calendars.busy import request_refresh
from calapi.calendars.models import CalendarBusy, CalendarCredential, ExternalCalendar, SelectedCalendar
from calapi.db import utcnow
from calapi.jobs import worker as jobs
from tests.bookings.conftest import book, make_event_type, make_schedule
from tests.calendars.conftest import CALDAV_USERS, Radicale, until, vcalendar, vevent
from tests.calendars.test_busy import fetched, local, stamp
from tests.calendars.test_slots_blocked import instant, slots
from tests.conftest import BOTH_DATABASES
from tests.core.test_query_counts import count_statements
from tests.support.servers import CALAPI, REPO_ROOT, calapi_env, running_server

pytestmark = BOTH_DATABASES

# Longer than any test here: what a listing sees before it was told comes from the change log.
LONG_TTL = 300


def next_wednesday() -> date:
    day = datetime.now(UTC).date() + timedelta(days=7)
    return day + timedelta(days=(2 - day.weekday()) % 7)


async def meeting_at(radicale: Radicale, calendar: str, name: str, day: date, hour: int) -> None:
    event = vevent(
        name, f"DTSTART;TZID=Europe/Berlin:{stamp(day, hour)}", f"DTEND;TZID=Europe/Berlin:{stamp(day, hour + 1)}"
    )
    await radicale.put("alice", calendar, f"{name}.ics", vcalendar(event))


async def refresh_now(app: Any) -> datetime:
    """Ask for the connection's refresh at once; the last fetch time it is compared with."""
    async with app.state.sessionmaker() as session:
        credential_id = await session.scalar(select(CalendarCredential.id))
        assert credential_id is not None
        last = await session.scalar(select(CalendarBusy.fetched_at))
        assert last is not None
        await request_refresh(session, credential_id)
        await session.commit()
    return last


class TestOneProcess:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"availability_cache": "process", "calendar_cache_ttl": f"{LONG_TTL}s", "calendar_timeout": "2s"}

    async def test_a_warm_listing_reads_nothing_and_a_refresh_shows_in_the_next_listing(
        self, client, app, alice, radicale, job_loop
    ):
        await make_schedule(client, alice, time_zone="Europe/Berlin")
        event_type_id = await make_event_type(client, alice, "meeting")
        [work] = await radicale.reset("alice", "Work")
        wednesday = next_wednesday()
        await meeting_at(radicale, work, "first", wednesday, 10)
        body = {"url": radicale.url("alice"), "username": "alice", "password": CALDAV_USERS["alice"]}
        connected = await client.post("/v2/calendars/caldav/credentials", json=body, headers=alice.headers)
        assert connected.status_code == 201, connected.text
        await until(lambda: fetched(app), what="the first refresh")

        await job_loop.stop()  # its polls would be counted below
        listed, _ = await slots(client, event_type_id, wednesday, wednesday)
        assert local(wednesday, 10) not in listed and local(wednesday, 13) in listed
        with count_statements(app) as statements:
            again, _ = await slots(client, event_type_id, wednesday, wednesday)
        assert again == listed
        assert statements == []  # the calendar's busy times came from the cache

        # A new meeting in the calendar: the refresh job's write is published, and the next listing
        # (long before the cache's own bound) leaves its slots out.
        await meeting_at(radicale, work, "second", wednesday, 13)
        await refresh_now(app)
        loop_again = jobs.Worker(app.state.sessionmaker, poll_interval=0.05)
        task = asyncio.create_task(loop_again.run())

        async def thirteen_gone() -> bool:
            found, _ = await slots(client, event_type_id, wednesday, wednesday)
            return local(wednesday, 13) not in found

        try:
            await until(thirteen_gone, what="the refreshed calendar in the listing")
        finally:
            await loop_again.stop()
            await asyncio.gather(task, return_exceptions=True)
        found, _ = await slots(client, event_type_id, wednesday, wednesday)
        assert listed - found == {local(wednesday, 13), local(wednesday, 13, 30)}


class TestUnannouncedWrite:
    TTL = 2.0

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"availability_cache": "process", "calendar_cache_ttl": f"{self.TTL}s"}

    async def test_is_seen_within_the_bound_and_never_lets_a_booking_through(self, client, app, alice):
        await make_schedule(client, alice, time_zone="Europe/Berlin")
        event_type_id = await make_event_type(client, alice, "meeting")
        wednesday = next_wednesday()
        async with app.state.sessionmaker() as session:
            credential = CalendarCredential(
                user_id=alice.id, type="caldav", url="http://calendar.invalid/", username="alice", secret="-"
            )
            session.add(credential)
            await session.flush()
            calendar = ExternalCalendar(credential_id=credential.id, external_id="http://calendar.invalid/w/", name="W")
            session.add(calendar)
            session.add(
                SelectedCalendar(
                    user_id=alice.id,
                    integration="caldav",
                    external_id=calendar.external_id,
                    credential_id=credential.id,
                )
            )
            await session.flush()
            session.add(
                CalendarBusy(
                    calendar_id=calendar.id,
                    intervals=[[local(wednesday, 10), local(wednesday, 11)]],
                    covers_from=utcnow() - timedelta(days=1),
                    covers_until=utcnow() + timedelta(days=60),
                    fetched_at=utcnow(),
                )
            )
            await session.commit()
            calendar_id = calendar.id
        listed, _ = await slots(client, event_type_id, wednesday, wednesday)
        assert local(wednesday, 10) not in listed and local(wednesday, 14) in listed

        # Written on the connection, around the change tracker: no process is told.
        began = time.monotonic()
        async with app.state.sessionmaker() as session:
            connection = await session.connection()
            await connection.execute(
                update(CalendarBusy)
                .where(CalendarBusy.calendar_id == calendar_id)
                .values(intervals=[[local(wednesday, 14), local(wednesday, 15)]], fetched_at=utcnow())
            )
            await session.commit()
        kept, _ = await slots(client, event_type_id, wednesday, wednesday)
        if time.monotonic() - began < self.TTL:
            assert kept == listed  # the kept calendar, inside the bound
        # The booking check reads the database: the listed 14:00 is refused.
        refused = await book(client, event_type_id, instant(local(wednesday, 14)))
        assert refused.status_code == 409, refused.text

        await asyncio.sleep(max(0.0, self.TTL - (time.monotonic() - began)) + 0.1)
        after, _ = await slots(client, event_type_id, wednesday, wednesday)
        assert local(wednesday, 14) not in after and local(wednesday, 10) in after


@contextmanager
def calapi_worker(**settings: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [*CALAPI, "worker", "--poll-interval", "0.1"],
        env=calapi_env(**{"log_level": "warning", **settings}),
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "worker running" in line, line + proc.stderr.read()
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.redis
class TestWorkerProcess:
    @pytest.fixture
    def settings_overrides(self, redis_url: str) -> dict[str, Any]:
        return {"redis_url": redis_url}

    async def test_a_refresh_by_a_worker_process_shows_in_a_servers_next_listing(
        self, app, alice, radicale, database_url, redis_url
    ):
        shared = {
            "database_url": database_url,
            "redis_url": redis_url,
            "calendar_cache_ttl": f"{LONG_TTL}s",
            "calendar_allow_private_networks": "true",
            "rate_limit": "100000/minute",
        }
        [work] = await radicale.reset("alice", "Work")
        wednesday = next_wednesday()
        await meeting_at(radicale, work, "first", wednesday, 10)
        with ExitStack() as stack:
            base = stack.enter_context(running_server(run_worker="false", **shared))
            stack.enter_context(calapi_worker(**shared))
            async with httpx.AsyncClient(base_url=base, timeout=60) as server:
                await make_schedule(server, alice, time_zone="Europe/Berlin")
                event_type_id = await make_event_type(server, alice, "meeting")
                body = {"url": radicale.url("alice"), "username": "alice", "password": CALDAV_USERS["alice"]}
                connected = await server.post("/v2/calendars/caldav/credentials", json=body, headers=alice.headers)
                assert connected.status_code == 201, connected.text
                await until(lambda: fetched(app), what="the worker's first refresh")
                listed, _ = await slots(server, event_type_id, wednesday, wednesday)
                assert local(wednesday, 10) not in listed and local(wednesday, 13) in listed

                await meeting_at(radicale, work, "second", wednesday, 13)
                await refresh_now(app)

                async def thirteen_gone() -> bool:
                    found, _ = await slots(server, event_type_id, wednesday, wednesday)
                    return local(wednesday, 13) not in found

                await until(thirteen_gone, timeout=30, what="the worker's refresh in the server's listing")
