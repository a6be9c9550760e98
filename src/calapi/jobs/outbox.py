"""Recording domain events in the caller's transaction (the outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from calapi.db import utcnow
from calapi.jobs.models import DomainEvent
from calapi.jobs.worker import enqueue

DISPATCH_JOB = "events.dispatch"


async def record_event(
    session: AsyncSession,
    trigger: str,
    payload: dict[str, Any],
    *,
    subject_uid: str | None = None,
    owner_user_id: int | None = None,
    event_type_id: int | None = None,
    dispatch_at: datetime | None = None,
) -> DomainEvent:
    """Write one event row and its dispatch job; both exist if and only if the caller commits.

    ``dispatch_at`` defers the dispatch (MEETING_STARTED at the meeting's start, …).
    """
    event = DomainEvent(
        trigger=trigger,
        payload=payload,
        subject_uid=subject_uid,
        owner_user_id=owner_user_id,
        event_type_id=event_type_id,
        occurred_at=utcnow(),
    )
    session.add(event)
    await session.flush()
    enqueue(session, DISPATCH_JOB, {"eventId": event.id}, run_at=dispatch_at)
    return event
