"""Recording domain events in the caller's transaction (the outbox), and handing each one to the
domains that act on it.

Every recorded event gets one ``events.dispatch`` job. When it runs, each registered consumer
(``consume_events``: the webhooks' fan-out, the workflows' planning) is called in turn with the
event, in the worker's recording transaction, together with the job's own "done": all of it or
none. A consumer only writes rows and jobs of its own; anything slow or fallible belongs in a
job it enqueues, so that one consumer's trouble never holds back another's.

A domain whose rows must exist together with the change itself (the reminders of a booking)
also registers an in-transaction consumer (``consume_in_transaction``): ``record_events`` calls
it with the events just written, in the caller's session, so its rows commit or roll back with
the change. Such a consumer keeps to cheap database work, must not fail the caller's change for
a fault of its own, and has a dispatch consumer as well that brings the same rows in step later
(idempotently) — the dispatch job is its retry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.db import core_connection, utcnow
from calapi.jobs.models import DomainEvent, Job
from calapi.jobs.worker import Handler, NewJob, Record, enqueue_all, register

DISPATCH_JOB = "events.dispatch"
_INSERT_EVENTS = insert(DomainEvent).returning(DomainEvent.id, sort_by_parameter_order=True)


@dataclass(frozen=True)
class NewEvent:
    """One event to record. ``dispatch_at`` defers its dispatch (MEETING_STARTED at the start, …)."""

    trigger: str
    payload: dict[str, Any]
    subject_uid: str | None = None
    owner_user_id: int | None = None
    event_type_id: int | None = None
    dispatch_at: datetime | None = None


@dataclass(frozen=True)
class RecordedEvent:
    """An event as written in this transaction, handed to the in-transaction consumers."""

    id: int
    trigger: str
    payload: dict[str, Any]
    subject_uid: str | None
    occurred_at: datetime


# ``consumer(session, events)``: runs in the caller's transaction, after the events' rows are written.
InTransactionConsumer = Callable[[AsyncSession, Sequence[RecordedEvent]], Awaitable[None]]
_in_transaction: dict[str, InTransactionConsumer] = {}


def consume_in_transaction(name: str, consumer: InTransactionConsumer) -> None:
    """Register (or replace) a domain's consumer of events in the recording transaction itself."""
    _in_transaction[name] = consumer


async def record_events(session: AsyncSession, events: Sequence[NewEvent]) -> list[int]:
    """Write the event rows and their dispatch jobs; all exist if and only if the caller commits.

    Returns the events' ids. The events go out as one multi-row INSERT … RETURNING and their jobs
    as one more INSERT (Core, no unit of work): a booking create records three events, and writing
    them one by one cost six round trips.
    """
    occurred_at = utcnow()
    rows = [
        {
            "trigger": event.trigger,
            "payload": event.payload,
            "subject_uid": event.subject_uid,
            "owner_user_id": event.owner_user_id,
            "event_type_id": event.event_type_id,
            "occurred_at": occurred_at,
        }
        for event in events
    ]
    await session.flush()  # the caller's pending rows go first (an event may point at them)
    connection = await core_connection(session)  # Core: the ORM's bulk path adds nothing for these rows
    ids = list((await connection.execute(_INSERT_EVENTS, rows)).scalars().all())
    await enqueue_all(
        session,
        [
            NewJob(DISPATCH_JOB, {"eventId": event_id}, event.dispatch_at)
            for event, event_id in zip(events, ids, strict=True)
        ],
    )
    if _in_transaction:
        recorded = [
            RecordedEvent(event_id, event.trigger, event.payload, event.subject_uid, occurred_at)
            for event, event_id in zip(events, ids, strict=True)
        ]
        for name in sorted(_in_transaction):
            await _in_transaction[name](session, recorded)
    return ids


async def record_event(
    session: AsyncSession,
    trigger: str,
    payload: dict[str, Any],
    *,
    subject_uid: str | None = None,
    owner_user_id: int | None = None,
    event_type_id: int | None = None,
    dispatch_at: datetime | None = None,
) -> int:
    """Write one event row and its dispatch job (``record_events`` with one event); its id."""
    event = NewEvent(trigger, payload, subject_uid, owner_user_id, event_type_id, dispatch_at)
    return (await record_events(session, [event]))[0]


# ---------------------------------------------------------------- dispatch: every consumer, per event

# ``consumer(session, job, event)``: ``event`` is None when it was removed before its dispatch
# (a cancelled booking's MEETING_* event); ``job.run_at`` is when the dispatch was due.
EventConsumer = Callable[[AsyncSession, Job, DomainEvent | None], Awaitable[None]]
_consumers: dict[str, EventConsumer] = {}


def consume_events(name: str, consumer: EventConsumer) -> None:
    """Register (or replace) a domain's consumer of recorded events; consumers run in name order."""
    _consumers[name] = consumer
    register(DISPATCH_JOB, Handler(load=load_events, perform=_dispatch))


async def load_events(session: AsyncSession, claimed: list[Job]) -> dict[int, DomainEvent | None]:
    """A claimed batch's events in one query (inside the claim's transaction)."""
    ids = {int(job.payload["eventId"]) for job in claimed}
    found = {
        event.id: event for event in (await session.scalars(select(DomainEvent).where(DomainEvent.id.in_(ids)))).all()
    }
    return {job.id: found.get(int(job.payload["eventId"])) for job in claimed}


async def _dispatch(job: Job, event: DomainEvent | None) -> Record:
    # All writes: they run in the worker's recording transaction with the job's own state.
    async def record(session: AsyncSession) -> None:
        for name in sorted(_consumers):
            await _consumers[name](session, job, event)

    return record
