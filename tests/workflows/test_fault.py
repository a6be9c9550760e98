"""Fault test: 500 reminders (110 bookings with a host, a booker and three guests, ten of them
cancelled) due together, sent by two ``calapi worker`` processes of which one is
killed with SIGKILL twice while they send. Every reminder arrives; a reminder that arrives twice
(sent, then the worker died before recording it) carries the same Message-ID both times; none
arrives for a booking cancelled before its time."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from calapi.db import begin_write, utcnow
from calapi.event_types.models import EventType
from calapi.jobs.models import Job
from calapi.workflows.models import WorkflowMessage
from tests.bookings.conftest import ATTENDEE, at, book, make_event_type, v2
from tests.support.servers import start_worker as start_calapi_worker
from tests.workflows.conftest import workflow_body
from tests.workflows.servers import SmtpServer

DAYS = ("2050-09-05", "2050-09-06")
BOOKINGS = 110
GUESTS = 3  # a reminder each, one to the booker, one to the host: five per booking
CANCELLED = {n for n in range(BOOKINGS) if n % 11 == 0}  # 10 bookings: their 50 reminders must not go
EXPECTED = (GUESTS + 2) * (BOOKINGS - len(CANCELLED))  # 500


@pytest.fixture
def settings_overrides(smtp: SmtpServer) -> dict[str, str]:
    return {"smtp_url": smtp.url, "rate_limit": "100000/minute"}  # 300 bookings in a few seconds


def start_worker(database_url: str, smtp: SmtpServer) -> subprocess.Popen[bytes]:
    return start_calapi_worker(
        database_url=database_url,
        smtp_url=smtp.url,
        email_from="Cal <notifications@calapi.test>",
        notification_retry_schedule="0,0.2s,0.3s,0.5s,1s,1s,2s",
        job_lease_seconds="4",  # a killed worker's claimed jobs are taken over after this
    )


async def _count(app, *where) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(WorkflowMessage).where(*where)) or 0)


async def _until(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_500_reminders_survive_two_killed_workers(app, client, alice, host_schedule, smtp, database_url):
    smtp.delay = 0.1  # slow enough that the kills land while messages are in flight
    kind = await make_event_type(client, alice, "fast", lengthInMinutes=5, slotInterval=5)
    async with app.state.sessionmaker() as session:  # only the reminders, not the booking emails
        await session.execute(
            update(EventType)
            .where(EventType.id == kind)
            .values(disable_standard_emails_host=True, disable_standard_emails_attendee=True)
        )
        await session.commit()
    steps = [
        {
            **workflow_body()["steps"][0],
            "stepNumber": 1,
            "message": {"subject": "Attendee {ATTENDEE_EMAIL}", "html": "x"},
        },
        {
            **workflow_body()["steps"][0],
            "stepNumber": 2,
            "action": "email_host",
            "recipient": "const",
            "message": {"subject": "Host {ATTENDEE_EMAIL}", "html": "x"},
        },
    ]
    response = await client.post("/v2/workflows", json=workflow_body(steps=steps), headers=alice.headers)
    assert response.status_code == 201, response.text

    uids = []
    slots = [(day, f"{9 + m // 12:02d}:{(m % 12) * 5:02d}") for day in DAYS for m in range(96)]
    for n in range(BOOKINGS):
        day, clock = slots[n]
        attendee = {**ATTENDEE, "email": f"p{n}@example.com", "name": f"Person {n}"}
        guests = [f"g{n}-{k}@example.com" for k in range(GUESTS)]
        response = await book(client, kind, at(day, clock), attendee=attendee, guests=guests)
        assert response.status_code == 201, response.text
        uids.append(response.json()["data"]["uid"])
    workers = [start_worker(database_url, smtp), start_worker(database_url, smtp)]
    try:
        await _until(
            lambda: _planned(app, (GUESTS + 2) * BOOKINGS),
            timeout=60,
            what="the reminders of every booking to be planned",
        )
        for n in sorted(CANCELLED):
            response = await client.post(
                f"/v2/bookings/{uids[n]}/cancel", json={"cancellationReason": "x"}, headers=v2()
            )
            assert response.status_code == 200, response.text
        await _until(
            lambda: _cancelled(app, (GUESTS + 2) * len(CANCELLED)), timeout=60, what="the cancelled bookings' reminders"
        )
        # Their time comes, all at once, two seconds from now.
        due = utcnow() + timedelta(seconds=2)
        async with app.state.sessionmaker() as session:
            await begin_write(session)
            waiting = select(WorkflowMessage.job_id).where(
                WorkflowMessage.timed.is_(True), WorkflowMessage.status == "scheduled"
            )
            await session.execute(update(Job).where(Job.id.in_(waiting.scalar_subquery())).values(run_at=due))
            await session.execute(
                update(WorkflowMessage)
                .where(WorkflowMessage.timed.is_(True), WorkflowMessage.status == "scheduled")
                .values(scheduled_at=due)
            )
            await session.commit()
        kills = 0
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            delivered = {m.subject for m in smtp.messages()}
            if len(delivered) >= EXPECTED and await _sent(app, EXPECTED):
                break
            if (kills == 0 and len(delivered) >= 100) or (kills == 1 and len(delivered) >= 300):
                victim = workers.pop(0)
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                workers.append(start_worker(database_url, smtp))
                kills += 1
            await asyncio.sleep(0.05)
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    assert kills == 2
    received = smtp.messages()
    ids_by_message: dict[tuple[str, str], set[str]] = {}
    for message in received:
        ids_by_message.setdefault((message.to, message.subject), set()).add(message.message_id)
    expected = {
        (to, subject)
        for n in range(BOOKINGS)
        if n not in CANCELLED
        for to, subject in (
            ("alice@example.com", f"Host p{n}@example.com"),
            *(
                (address, f"Attendee {address}")
                for address in (f"p{n}@example.com", *(f"g{n}-{k}@example.com" for k in range(GUESTS)))
            ),
        )
    }
    assert set(ids_by_message) == expected  # every reminder arrived, none for a cancelled booking
    assert all(len(ids) == 1 for ids in ids_by_message.values())  # a second copy has the same Message-ID
    assert await _count(app, WorkflowMessage.timed.is_(True), WorkflowMessage.status == "sent") == EXPECTED
    cancelled = await _count(app, WorkflowMessage.timed.is_(True), WorkflowMessage.status == "cancelled")
    assert cancelled == (GUESTS + 2) * len(CANCELLED)


async def _planned(app, count: int) -> bool:
    return await _count(app, WorkflowMessage.timed.is_(True)) >= count


async def _cancelled(app, count: int) -> bool:
    return await _count(app, WorkflowMessage.timed.is_(True), WorkflowMessage.status == "cancelled") >= count


async def _sent(app, count: int) -> bool:
    return await _count(app, WorkflowMessage.timed.is_(True), WorkflowMessage.status == "sent") >= count
