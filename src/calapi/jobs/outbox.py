"""Recording domain events in the caller's transaction (the outbox)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.db import utcnow
from calapi.jobs.models import DomainEvent
from calapi.jobs.worker import enqueue

DISPATCH_JOB = "events.dispatch"
_INSERT_EVENTS = insert(DomainEvent).returning(DomainEvent.id, sort_by_parameter_order=True)
# Job kinds that act on events themselves, besides the dispatch to webhooks: kind -> triggers.
_followers: dict[str, frozenset[str]] = {}


def follow(kind: str, triggers: Iterable[str]) -> None:
    """Give every future event of ``triggers`` a job of ``kind`` (payload ``{"eventId": id}``),
    written with the event. A domain registers this at start-up (``wiring``), like its handlers;
    calling it again replaces the triggers."""
    _followers[kind] = frozenset(triggers)


@dataclass(frozen=True)
class NewEvent:
    """One event to record. ``dispatch_at`` defers its dispatch (MEETING_STARTED at the start, …)."""

    trigger: str
    payload: dict[str, Any]
    subject_uid: str | None = None
    owner_user_id: int | None = None
    event_type_id: int | None = None
    dispatch_at: datetime | None = None


async def record_events(session: AsyncSession, events: Sequence[NewEvent]) -> list[int]:
    """Write the event rows and their dispatch jobs; all exist if and only if the caller commits.

    Returns the events' ids. The events go out as one multi-row INSERT … RETURNING and the jobs
    with the caller's next flush or commit, again as one statement: a booking create records
    three events, and writing them one by one cost six round trips.
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
    connection = await session.connection()  # Core: the ORM's bulk path adds nothing for these rows
    ids = list((await connection.execute(_INSERT_EVENTS, rows)).scalars().all())
    for event, event_id in zip(events, ids, strict=True):
        enqueue(session, DISPATCH_JOB, {"eventId": event_id}, run_at=event.dispatch_at)
        for kind, triggers in _followers.items():
            if event.trigger in triggers:
                enqueue(session, kind, {"eventId": event_id}, run_at=event.dispatch_at)
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
