"""The job loop: claim due jobs, run the handler registered for their kind, record the outcome.

``jobs`` knows no domain. Domains register handlers (``register``); ``app.py`` and ``cli.py`` wire
them. On PostgreSQL several workers share the table with ``FOR UPDATE SKIP LOCKED``; on SQLite the
single process's loop claims inside a write transaction.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from calapi.db import begin_write, utcnow
from calapi.jobs.models import Job, JobStatus

log = logging.getLogger("calapi.jobs")


class RetryLater(Exception):
    """Raised by a handler to ask for another attempt at a given time (e.g. ``Retry-After``).

    Unlike any other exception, it does not roll back: what the handler wrote (an attempt record,
    say) commits together with the job's new ``run_at``. ``at=None`` means the handler's back-off
    schedule; ``count_attempt=False`` puts the job back without using up one of its attempts (the
    handler could not start, e.g. its subscriber is at its in-flight limit).
    """

    def __init__(self, message: str, *, at: datetime | None = None, count_attempt: bool = True) -> None:
        super().__init__(message)
        self.at = at
        self.count_attempt = count_attempt


@dataclass(frozen=True)
class Handler:
    run: Callable[[AsyncSession, Job], Awaitable[None]]
    # Delays between attempts; the job fails for good after the last one.
    backoff: tuple[timedelta, ...] = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30))
    jitter: float = 0.2


_handlers: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    _handlers[kind] = handler


def registered_kinds() -> list[str]:
    return sorted(_handlers)


def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any], *, run_at: datetime | None = None) -> Job:
    """Add a job to the caller's transaction: it exists if and only if the caller commits."""
    job = Job(kind=kind, payload=payload, run_at=run_at or utcnow(), status=JobStatus.pending.value)
    session.add(job)
    return job


def next_attempt_at(handler: Handler, attempts: int, now: datetime) -> datetime | None:
    if attempts > len(handler.backoff):
        return None
    delay = handler.backoff[attempts - 1].total_seconds()
    delay *= 1 + random.uniform(-handler.jitter, handler.jitter)
    return now + timedelta(seconds=delay)


async def claim(sessionmaker: async_sessionmaker[AsyncSession], *, batch: int, lease: timedelta) -> list[Job]:
    now = utcnow()
    async with sessionmaker() as session:
        await begin_write(session)
        due = (
            select(Job.id)
            .where(
                Job.kind.in_(list(_handlers)),
                Job.run_at <= now,
                or_(
                    Job.status == JobStatus.pending.value,
                    # a running job whose lease ran out belonged to a worker that died
                    (Job.status == JobStatus.running.value) & (Job.locked_until < now),
                ),
            )
            .order_by(Job.run_at, Job.id)
            .limit(batch)
        )
        if session.bind.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list((await session.scalars(due)).all())
        if not ids:
            return []
        await session.execute(
            update(Job)
            .where(Job.id.in_(ids))
            .values(status=JobStatus.running.value, locked_until=now + lease, attempts=Job.attempts + 1)
        )
        jobs = list((await session.scalars(select(Job).where(Job.id.in_(ids)).order_by(Job.run_at, Job.id))).all())
        await session.commit()
    return jobs


async def run_one(sessionmaker: async_sessionmaker[AsyncSession], job: Job) -> None:
    handler = _handlers[job.kind]
    try:
        async with sessionmaker() as session, session.begin():
            try:
                await handler.run(session, job)
            except RetryLater as exc:
                values = _retry_values(handler, job, str(exc), exc.at, count_attempt=exc.count_attempt)
            else:
                values = {"status": JobStatus.done.value, "locked_until": None, "last_error": None}
            await session.execute(update(Job).where(Job.id == job.id).values(**values))
        return
    except Exception as exc:  # a failed attempt is recorded, never lost
        log.warning("job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempts, exc.__class__.__name__)
        values = _retry_values(handler, job, f"{exc.__class__.__name__}: {exc}"[:2000], None, count_attempt=True)
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Job).where(Job.id == job.id).values(**values))


def _retry_values(handler: Handler, job: Job, error: str, at: datetime | None, *, count_attempt: bool) -> dict[str, Any]:
    values: dict[str, Any] = {"locked_until": None, "last_error": error}
    if not count_attempt:
        values.update(status=JobStatus.pending.value, run_at=at or utcnow(), attempts=Job.attempts - 1)
        return values
    retry_at = at or next_attempt_at(handler, job.attempts, utcnow())
    if retry_at is None:
        values["status"] = JobStatus.failed.value
    else:
        values.update(status=JobStatus.pending.value, run_at=retry_at)
    return values


def wake_on_commit(sessionmaker: async_sessionmaker[AsyncSession], worker: Worker) -> None:
    """Wake ``worker`` right after a session of ``sessionmaker`` commits new jobs.

    Sessions get a class of their own so the listener sees only this app's sessions. Jobs due
    later (a deferred dispatch) wake it too; it finds nothing due and waits again — harmless.
    """
    session_class = type("WakingSession", (sessionmaker.kw.get("sync_session_class") or Session,), {})
    sessionmaker.configure(sync_session_class=session_class)

    @event.listens_for(session_class, "before_flush")
    def _note_jobs(session: Session, _context: Any, _instances: Any) -> None:
        if any(isinstance(obj, Job) for obj in session.new):
            session.info["calapi.new_jobs"] = True

    @event.listens_for(session_class, "after_commit")
    def _wake(session: Session) -> None:
        if session.info.pop("calapi.new_jobs", False):
            worker.wake()


class Worker:
    """Polls for due jobs; ``wake()`` lets an in-process producer skip the poll delay."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        poll_interval: float = 1.0,
        batch: int = 50,
        lease: timedelta = timedelta(minutes=2),
        concurrency: int = 32,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.poll_interval = poll_interval
        self.batch = batch
        self.lease = lease
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self._wake.set()

    async def _run_guarded(self, job: Job) -> None:
        try:
            await run_one(self.sessionmaker, job)
        finally:
            self._slots.release()

    async def run(self) -> None:
        while not self._stopping:
            try:
                jobs = await claim(self.sessionmaker, batch=self.batch, lease=self.lease)
            except Exception as exc:  # the database may be briefly away; keep polling
                log.warning("claiming jobs failed: %s", exc.__class__.__name__)
                jobs = []
            for job in jobs:
                await self._slots.acquire()
                task = asyncio.create_task(self._run_guarded(job))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if len(jobs) < self.batch:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
                except TimeoutError:
                    pass

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
