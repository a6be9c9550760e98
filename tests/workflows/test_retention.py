"""The message log's retention: a periodic job removes messages finished (and due) longer ago than
CALAPI_NOTIFICATION_LOG_RETENTION, and keeps what waits or is recent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from calapi.db import begin_write, utcnow
from calapi.jobs.models import Job
from calapi.workflows.models import WorkflowMessage
from calapi.workflows.retention import PRUNE_JOB
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, v2
from tests.conftest import BOTH_DATABASES
from tests.webhooks.conftest import settle
from tests.workflows.conftest import create_workflow, messages_of


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**settings_overrides, "notification_log_retention": "1d"}


async def prune_jobs(app: Any) -> list[Job]:
    async with app.state.sessionmaker() as session:
        return list((await session.scalars(select(Job).where(Job.kind == PRUNE_JOB).order_by(Job.id))).all())


@BOTH_DATABASES
async def test_old_finished_messages_are_pruned_and_waiting_or_recent_ones_kept(
    app, client, alice, event_types, smtp, job_loop
):
    await create_workflow(client, alice, trigger={"type": "beforeEvent", "offset": {"value": 1, "unit": "hour"}})
    old = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    recent = (
        await book(client, event_types.regular, at(MONDAY, "11:00"), attendee={**ATTENDEE, "email": "sam@example.com"})
    ).json()["data"]
    await smtp.wait_for(4)
    await settle(app)
    response = await client.post(f"/v2/bookings/{recent['uid']}/cancel", json={"cancellationReason": "x"}, headers=v2())
    assert response.status_code == 200, response.text
    await settle(app)
    # The prune job exists and waits for its next hour.
    [job] = await prune_jobs(app)
    assert job.status == "pending" and job.run_at > utcnow() + timedelta(minutes=50)

    # Two days pass for the first booking's messages (its emails sent, its reminder still waiting).
    two_days_ago = utcnow() - timedelta(days=2)
    async with app.state.sessionmaker() as session:
        await begin_write(session)
        await session.execute(
            update(WorkflowMessage)
            .where(WorkflowMessage.booking_uid == old["uid"])
            .values(updated_at=two_days_ago, scheduled_at=two_days_ago)
        )
        await session.execute(update(Job).where(Job.id == job.id).values(run_at=utcnow()))  # its hour has come
        await session.commit()
    job_loop.wake()
    await settle(app)

    kept_old = await messages_of(app, booking_uid=old["uid"])
    assert [(m.status, m.timed) for m in kept_old] == [("scheduled", True)]  # waiting: never pruned
    kept_recent = sorted((m.status, m.timed) for m in await messages_of(app, booking_uid=recent["uid"]))
    assert kept_recent == [
        ("cancelled", True),
        ("sent", False),
        ("sent", False),
        ("sent", False),
        ("sent", False),
    ]
    log = await client.get(f"/v2/bookings/{old['uid']}/messages", headers=alice.headers)
    assert log.status_code == 200, log.text
    assert [e["status"] for e in log.json()["data"]] == ["scheduled"]
    # The job put itself back for the next hour.
    [again] = await prune_jobs(app)
    assert again.id == job.id and again.status == "pending" and again.run_at > utcnow() + timedelta(minutes=50)
