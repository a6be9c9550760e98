"""How long the message log keeps a message: ``CALAPI_NOTIFICATION_LOG_RETENTION`` after it was
finished (sent, failed, cancelled, missed or not sent) and after its time.

One ``workflows.prune`` job does it, hourly: it removes what is old enough, then puts itself back
for the next hour. It is started by the workflows' event consumer when none waits (checked at most
hourly per process), so a server that sends messages always has one, and two started side by side
by two processes become one again at their next run.
"""

from __future__ import annotations

import time
import weakref
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.db import rows_affected
from calapi.jobs import worker as jobs
from calapi.jobs.models import Job, JobStatus
from calapi.workflows.models import MessageStatus, WorkflowMessage

PRUNE_JOB = "workflows.prune"
PRUNE_EVERY = timedelta(hours=1)
_CHUNK = 5_000  # rows per DELETE: a large backlog goes in short statements, not one long lock
_FINISHED = [s.value for s in MessageStatus if s is not MessageStatus.scheduled]

# When this process last looked, per engine (a new engine — a new app — looks again at once).
_last_check: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


async def prune_messages(session: AsyncSession, before: datetime) -> int:
    """Remove finished messages last changed, and due, before ``before``; how many were removed."""
    removed = 0
    while True:
        old = (
            select(WorkflowMessage.id)
            .where(
                WorkflowMessage.status.in_(_FINISHED),
                WorkflowMessage.updated_at < before,
                WorkflowMessage.scheduled_at < before,
            )
            .limit(_CHUNK)
        )
        ids = list((await session.scalars(old)).all())
        if not ids:
            return removed
        removed += rows_affected(await session.execute(delete(WorkflowMessage).where(WorkflowMessage.id.in_(ids))))
        if len(ids) < _CHUNK:
            return removed


async def _waiting_prunes(session: AsyncSession) -> list[int]:
    query = select(Job.id).where(
        Job.kind == PRUNE_JOB, Job.status.in_([JobStatus.pending.value, JobStatus.running.value])
    )
    return sorted((await session.scalars(query.order_by(Job.id))).all())


async def keep_pruning(session: AsyncSession) -> None:
    """Start the prune job when none waits (looked at most hourly per process)."""
    engine = session.get_bind().engine
    last = _last_check.get(engine)
    if last is not None and time.monotonic() - last < PRUNE_EVERY.total_seconds():
        return
    _last_check[engine] = time.monotonic()
    if not await _waiting_prunes(session):
        jobs.enqueue(session, PRUNE_JOB, {})


async def run_prune(session: AsyncSession, job: Job, *, retention: timedelta, now: datetime) -> None:
    """One run of the prune job: old messages removed, then the job waits for the next hour (or
    ends, when an older prune job waits too)."""
    await prune_messages(session, now - retention)
    if any(other < job.id for other in await _waiting_prunes(session)):
        return
    raise jobs.RetryLater("pruned; the next prune is due", at=now + PRUNE_EVERY, count_attempt=False)
