"""A booking's calendar write that failed (the calendar server down) and is retried after the booking
was cancelled or rescheduled away: the retry puts nothing back, the cancel's delete wins (a real
Radicale server, reached through a gate the test closes and opens again)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, update

from calapi.db import utcnow
from calapi.jobs.models import Job
from tests.bookings.conftest import BOOKINGS_VERSION, MONDAY, at, book, v2
from tests.calendars.conftest import Radicale, until
from tests.calendars.test_destination import settled
from tests.calendars.test_destination_moves import connect_as, live_references, objects
from tests.conftest import BOTH_DATABASES

pytestmark = BOTH_DATABASES


class Gate:
    """A TCP forwarder to Radicale on a port of its own: closed, its port refuses connections (and
    the ones it carried are cut), as a calendar server that is down."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._forward, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            for writer in list(self.writers):
                writer.close()
            await self.server.wait_closed()
            self.server = None

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers |= {writer, upstream_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()
                self.writers.discard(sink)

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


@pytest.fixture
async def gate(radicale: Radicale) -> AsyncIterator[Gate]:
    opened = Gate(int(radicale.base.rsplit(":", 1)[1]))
    await opened.open()
    yield opened
    await opened.close()


async def write_jobs(app: Any) -> list[Job]:
    async with app.state.sessionmaker() as session:
        return list((await session.scalars(select(Job).where(Job.kind == "calendars.write").order_by(Job.id))).all())


async def run_now(app: Any, which: Any) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(Job).where(Job.kind == "calendars.write", Job.status == "pending", which).values(run_at=utcnow())
        )


async def settled_but(app: Any, job_id: int) -> bool:
    return all(j.status == "done" for j in await write_jobs(app) if j.id != job_id)


@pytest.mark.parametrize("change", ["cancel", "reschedule"])
async def test_a_create_retried_after_its_booking_was_cancelled_or_moved_puts_nothing_back(
    client, app, alice, radicale, gate, event_types, job_loop, caplog, change
):
    [work] = await radicale.reset("alice", "Work")
    await connect_as(client, alice, Radicale(gate.base), "alice")
    await gate.close()  # the calendar server is down from here

    created = await book(client, event_types.regular, at(MONDAY, "10:00"))
    assert created.status_code == 201, created.text
    booking = created.json()["data"]

    async def create_failed() -> bool:
        jobs = await write_jobs(app)
        return len(jobs) == 1 and jobs[0].status == "pending" and jobs[0].attempts >= 1 and bool(jobs[0].last_error)

    await until(create_failed, what="the create write to fail and wait for its retry")

    if change == "cancel":
        changed = await client.post(
            f"/v2/bookings/{booking['uid']}/cancel",
            json={"cancellationReason": "no longer needed"},
            headers=v2(alice, BOOKINGS_VERSION),
        )
        assert changed.status_code == 200, changed.text
    else:
        changed = await client.post(
            f"/v2/bookings/{booking['uid']}/reschedule",
            json={"start": at(MONDAY, "14:00")},
            headers=v2(alice, BOOKINGS_VERSION),
        )
        assert changed.status_code == 201, changed.text

    async def change_written_or_failed() -> bool:
        jobs = await write_jobs(app)
        return len(jobs) == 2 and all(j.status != "running" and j.attempts >= 1 for j in jobs)

    await until(change_written_or_failed, what="the change's write to run once")
    [first, _second] = await write_jobs(app)
    assert first.status == "pending"  # the create still waits for its retry

    caplog.set_level(logging.INFO, logger="calapi.calendars")
    await gate.open()  # the server is back: the change's write (if it waits too) first, then the create's
    await run_now(app, Job.id != first.id)
    await until(lambda: settled_but(app, first.id), timeout=30, what="the change's write")
    await run_now(app, Job.id == first.id)
    await until(lambda: settled(app), timeout=30, what="the write jobs")
    assert [j.status for j in await write_jobs(app)] == ["done", "done"]

    found = await objects(radicale, "alice", work)
    assert not any(f"X-CALAPI-BOOKING-UID:{booking['uid']}" in text for text in found)
    assert await live_references(app, booking["uid"]) == []
    answered = await client.get(f"/v2/bookings/{booking['uid']}/references", headers=v2(alice, BOOKINGS_VERSION))
    assert answered.status_code == 200 and answered.json()["data"] == [], answered.text
    assert f"booking {created.json()['data']['id']} is cancelled now" in caplog.text
    if change == "cancel":
        assert found == []
    else:  # the meeting is in the calendar once, at its new time, as the new booking's
        successor = changed.json()["data"]
        [text] = found
        assert f"X-CALAPI-BOOKING-UID:{successor['uid']}" in text and "DTSTART:20500905T140000Z" in text
        [reference] = await live_references(app, successor["uid"])
        assert reference.uid == successor["icsUid"]
