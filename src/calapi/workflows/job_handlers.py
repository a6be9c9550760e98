"""The workflows room's background work, registered with the job loop at start-up (``wiring``).

- an in-transaction consumer of recorded events: a booking's reminders planned, moved or
  cancelled in the booking's own transaction (``planning.plan_in_transaction``);
- a consumer of recorded events: a booking event enqueues ``workflows.plan`` (its own job, so a
  fault here never holds back the webhooks' fan-out of the same event);
- ``workflows.plan``: what the event sends, and its bookings' reminders brought in step;
- ``workflows.sync``: a workflow's reminders after it is added or changed;
- ``workflows.send``: one message, at its time;
- ``workflows.prune``: the message log's old rows removed, hourly (``retention``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from calapi.config import Settings, parse_duration, parse_schedule
from calapi.db import utcnow
from calapi.jobs import outbox
from calapi.jobs import worker as jobs
from calapi.jobs.models import DomainEvent, Job
from calapi.workflows import planning, retention, sending
from calapi.workflows.planning import PLAN_JOB, PLANNED_EVENTS, SEND_JOB, SYNC_JOB

# Planning is database work only; an attempt fails on a lost connection or a conflict, and is
# worth repeating soon, then for hours (a failed plan would mean messages never planned).
PLANNING_BACKOFF = tuple(timedelta(seconds=s) for s in (1, 5, 30, 120, 600, 3600, 6 * 3600, 24 * 3600))


async def _on_event(session: AsyncSession, job: Job, event: DomainEvent | None) -> None:
    if event is not None and event.trigger in PLANNED_EVENTS and event.subject_uid:
        jobs.enqueue(session, PLAN_JOB, {"eventId": event.id})
        await retention.keep_pruning(session)


async def _plan(session: AsyncSession, job: Job) -> None:
    event = await session.get(DomainEvent, int(job.payload["eventId"]))
    if event is not None:
        await planning.plan_event(session, event)


async def _sync(session: AsyncSession, job: Job) -> None:
    await planning.sync_workflow(session, int(job.payload["workflowId"]), now=utcnow())


def register(settings: Settings) -> None:
    schedule = parse_schedule(settings.notification_retry_schedule)

    async def perform(job: Job, context: Any) -> jobs.Record | None:
        return await sending.perform(job, context, settings)

    log_retention = timedelta(seconds=parse_duration(settings.notification_log_retention))

    async def prune(session: AsyncSession, job: Job) -> None:
        await retention.run_prune(session, job, retention=log_retention, now=utcnow())

    outbox.consume_events("workflows", _on_event)
    outbox.consume_in_transaction("workflows", planning.plan_in_transaction)
    jobs.register(PLAN_JOB, jobs.Handler(run=_plan, backoff=PLANNING_BACKOFF))
    jobs.register(SYNC_JOB, jobs.Handler(run=_sync, backoff=PLANNING_BACKOFF))
    jobs.register(retention.PRUNE_JOB, jobs.Handler(run=prune, backoff=PLANNING_BACKOFF))
    jobs.register(
        SEND_JOB,
        jobs.Handler(backoff=tuple(timedelta(seconds=s) for s in schedule[1:]), load=sending.load, perform=perform),
    )
