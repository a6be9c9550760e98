"""Reminders are written in the booking's own transaction: once a create, cancel or reschedule has
answered, its reminder rows and send jobs are already what they should be, with no job run. A fault
while planning them keeps the booking, and the event's planning job brings the reminders later."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from calapi.jobs import worker as jobs
from calapi.jobs.models import Job
from calapi.workflows import planning
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, v2
from tests.conftest import BOTH_DATABASES
from tests.webhooks.conftest import settle
from tests.workflows.conftest import create_workflow, messages_of

ONE_HOUR_BEFORE = {"type": "beforeEvent", "offset": {"value": 1, "unit": "hour"}}


async def booked(client: Any, event_type_id: int, start: str, **overrides: Any) -> dict[str, Any]:
    response = await book(client, event_type_id, start, **overrides)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


async def reminders(app: Any, uid: str) -> list[tuple[str, str, datetime | None]]:
    """(status, scheduled time, the send job's run time) of a booking's reminders."""
    async with app.state.sessionmaker() as session:
        out = []
        for message in await messages_of(app, booking_uid=uid, timed=True):
            job = await session.scalar(select(Job).where(Job.id == message.job_id)) if message.job_id else None
            out.append((message.status, message.scheduled_at.isoformat(), job.run_at if job else None))
        return sorted(out)


async def run_jobs_until_settled(app: Any) -> None:
    worker = jobs.Worker(app.state.sessionmaker, poll_interval=0.05)
    task = asyncio.create_task(worker.run())
    await settle(app)
    await worker.stop()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


@BOTH_DATABASES
async def test_reminders_exist_when_a_create_commits_and_move_with_cancel_and_reschedule(
    app, client, alice, event_types, smtp
):
    await create_workflow(client, alice, trigger=ONE_HOUR_BEFORE)
    # No job loop runs in this test: whatever exists was written by the booking requests themselves.
    first = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    [(status, due, run_at)] = await reminders(app, first["uid"])
    assert (status, due) == ("scheduled", "2050-09-05T09:00:00+00:00")
    assert run_at is not None and run_at.isoformat() == due  # its send job is there, due at its time

    second = await booked(client, event_types.regular, at(MONDAY, "11:00"), attendee={**ATTENDEE, "email": "s@x.io"})
    response = await client.post(f"/v2/bookings/{second['uid']}/cancel", json={"cancellationReason": "x"}, headers=v2())
    assert response.status_code == 200, response.text
    assert await reminders(app, second["uid"]) == [("cancelled", "2050-09-05T10:00:00+00:00", None)]

    response = await client.post(
        f"/v2/bookings/{first['uid']}/reschedule", json={"start": at(MONDAY, "14:00")}, headers=v2()
    )
    assert response.status_code == 201, response.text
    moved = response.json()["data"]
    assert await reminders(app, first["uid"]) == [("cancelled", "2050-09-05T09:00:00+00:00", None)]
    [(status, due, run_at)] = await reminders(app, moved["uid"])
    assert (status, due) == ("scheduled", "2050-09-05T13:00:00+00:00") and run_at is not None

    # The events' planning jobs, run afterwards, change nothing: no reminder twice.
    before = {uid: await reminders(app, uid) for uid in (first["uid"], second["uid"], moved["uid"])}
    await run_jobs_until_settled(app)
    assert {uid: await reminders(app, uid) for uid in before} == before


async def test_a_booking_no_timed_workflow_covers_is_not_planned(
    app, client, alice, event_types, smtp, monkeypatch: pytest.MonkeyPatch
):
    await create_workflow(client, alice, trigger={"type": "newEvent"})  # not a reminder
    seen: list[str] = []
    plan = planning.reminder_plans

    def watched(context: Any, workflows: Any) -> Any:
        seen.append(context.booking.uid)
        return plan(context, workflows)

    monkeypatch.setattr(planning, "reminder_plans", watched)
    booking = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    assert seen == []  # the query found nothing to plan
    assert await reminders(app, booking["uid"]) == []


@BOTH_DATABASES
async def test_a_fault_while_planning_keeps_the_booking_and_its_job_plans_the_reminders(
    app, client, alice, event_types, smtp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    await create_workflow(client, alice, trigger=ONE_HOUR_BEFORE)
    add = planning.add_messages
    calls = 0

    async def fails_once(session: Any, plans: Any) -> list[str]:
        nonlocal calls
        calls += 1
        written = await add(session, plans)  # its rows and send jobs are written, then undone
        if calls == 1:
            assert written
            raise RuntimeError("planning fault")
        return written

    monkeypatch.setattr(planning, "add_messages", fails_once)
    booking = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    assert calls == 1
    assert "planning reminders in the booking transaction failed" in caplog.text
    fetched = await client.get(f"/v2/bookings/{booking['uid']}", headers=v2())
    assert fetched.status_code == 200 and fetched.json()["data"]["status"] == "accepted"
    assert await reminders(app, booking["uid"]) == []  # the savepoint took the written rows back
    async with app.state.sessionmaker() as session:
        assert (await session.scalars(select(Job).where(Job.kind == planning.SEND_JOB))).all() == []

    await run_jobs_until_settled(app)  # the BOOKING_CREATED event's planning job
    assert calls >= 2
    [(status, due, run_at)] = await reminders(app, booking["uid"])
    assert (status, due) == ("scheduled", "2050-09-05T09:00:00+00:00") and run_at is not None
