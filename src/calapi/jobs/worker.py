"""The job loop: claim due jobs, run the handler registered for their kind, record the outcome.

``jobs`` knows no domain. Domains register handlers (``register``); ``app.py`` and ``cli.py`` wire
them. On PostgreSQL several workers share the table with ``FOR UPDATE SKIP LOCKED``; on SQLite the
single process's loop claims inside a write transaction.

Two kinds of handler:

- ``run(session, job)``: the job's work and its writes in one transaction of its own.
- two-phase (``load`` + ``perform``), for many small jobs that mostly wait on the network (webhook
  deliveries): ``load`` reads what a whole claimed batch needs in the claim's transaction (one query),
  ``perform`` does the work with no database connection held and returns how to record its outcome,
  and the worker records the outcomes of every job that finished meanwhile in ONE transaction
  (handler writes + job states). Per job that leaves a share of one claim and one write
  transaction instead of a claim, a read transaction and a write transaction.

A handler may name a payload field (``key_field``) whose value gets at most ``key_limit`` jobs
running at once in this process — per-subscriber fairness: jobs of a key at its limit wait in the
worker without taking one of its shared slots, and the claim skips a key that already has enough
jobs waiting here, so one slow subscriber's backlog cannot crowd the others out.

A handler may also name a payload field (``serial_field``) holding the job's serialization keys
(a string or a list of strings): jobs sharing a key never run at once, in any process. A job holds
its keys from its claim until its outcome is committed (its row stays ``running``), so the next
job of a key is claimed — and its ``load`` reads — only after the previous one's writes. A claim
that takes a job whose key is held (by a running job, or by an earlier job of the same claim)
gives it back in the same transaction, attempt unused; on PostgreSQL two concurrent claims cannot
both take a key, as each holds a transaction lock on the keys it takes. An expired lease frees its
keys with its job.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import zlib
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from calapi.db import begin_write, core_connection, utcnow
from calapi.jobs.models import Job, JobStatus

log = logging.getLogger("calapi.jobs")

# How a two-phase job's outcome is written: called inside the shared recording transaction.
Record = Callable[[AsyncSession], Awaitable[None]]


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
    run: Callable[[AsyncSession, Job], Awaitable[None]] | None = None
    # Delays between attempts; the job fails for good after the last one.
    backoff: tuple[timedelta, ...] = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30))
    jitter: float = 0.2
    # Two-phase: ``load(session, jobs) -> {job id: context}`` in the claim's transaction, then
    # ``perform(job, context) -> Record | None`` with no connection held (None: nothing to write).
    load: Callable[[AsyncSession, list[Job]], Awaitable[dict[int, Any]]] | None = None
    perform: Callable[[Job, Any], Awaitable[Record | None]] | None = None
    # Per-key concurrency in this process (0: unlimited); jobs without the field are not limited.
    key_field: str | None = None
    key_limit: int = 0
    # Payload field with the job's serialization keys: jobs sharing one never run at once (anywhere).
    serial_field: str | None = None


_handlers: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    if (handler.run is None) == (handler.perform is None):
        raise ValueError("a handler has either run or perform")
    _handlers[kind] = handler


def registered_kinds() -> list[str]:
    return sorted(_handlers)


def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any], *, run_at: datetime | None = None) -> Job:
    """Add a job to the caller's transaction: it exists if and only if the caller commits.

    (On PostgreSQL the table's trigger sends the workers' ``NOTIFY`` for every insert: see
    ``JOBS_CHANNEL``.)"""
    job = Job(kind=kind, payload=payload, run_at=run_at or utcnow(), status=JobStatus.pending.value)
    session.add(job)
    return job


@dataclass(frozen=True)
class NewJob:
    kind: str
    payload: dict[str, Any]
    run_at: datetime | None = None  # None: now


_INSERT_JOBS = insert(Job)
# Set on a session whose transaction wrote jobs, for ``wake_on_commit``.
_NEW_JOBS = "calapi.new_jobs"


async def enqueue_all(session: AsyncSession, jobs: Sequence[NewJob]) -> None:
    """``enqueue`` for several jobs at once, as one Core INSERT on the session's connection, now:
    no unit of work for rows nobody reads back (a hot path: a booking's outbox)."""
    if not jobs:
        return
    now = utcnow()
    rows = [
        {
            "kind": job.kind,
            "payload": job.payload,
            "status": JobStatus.pending.value,
            "run_at": job.run_at or now,
            "attempts": 0,
            "locked_until": None,
            "last_error": None,
            "created_at": now,
            "updated_at": now,
        }
        for job in jobs
    ]
    await (await core_connection(session)).execute(_INSERT_JOBS, rows)
    session.info[_NEW_JOBS] = True


def next_attempt_at(handler: Handler, attempts: int, now: datetime) -> datetime | None:
    if attempts > len(handler.backoff):
        return None
    delay = handler.backoff[attempts - 1].total_seconds()
    delay *= 1 + random.uniform(-handler.jitter, handler.jitter)
    return now + timedelta(seconds=delay)


def _serial_keys(kind: str, payload: dict[str, Any] | None) -> set[str]:
    handler = _handlers.get(kind)
    if handler is None or not handler.serial_field:
        return set()
    value = (payload or {}).get(handler.serial_field)
    values = value if isinstance(value, list) else [] if value is None else [value]
    return {str(v) for v in values if v is not None}


# PostgreSQL advisory-lock namespace of serialization keys (two-int form, "cajs"), held by a claim.
_SERIAL_NAMESPACE = 0x63616A73


def _serial_lock_key(key: str) -> int:
    """A stable int4 for a key (CRC32): a collision only makes two keys wait for each other."""
    return zlib.crc32(key.encode()) - 2**31


async def _give_back_held(session: AsyncSession, jobs: list[Job], now: datetime) -> tuple[list[Job], list[int]]:
    """From a claim (inside its transaction): the claimed jobs whose serialization keys are free,
    and the ids of the others, which go back as they were, attempt unused. In (run_at, id) order,
    the first job of a key keeps it."""
    keyed = {job.id: keys for job in jobs if (keys := _serial_keys(job.kind, job.payload))}
    if not keyed:
        return jobs, []
    refused: set[int] = set()
    taken: set[str] = set()
    for job in jobs:
        if job.id not in keyed:
            continue
        if keyed[job.id] & taken:
            refused.add(job.id)
        else:
            taken |= keyed[job.id]
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # A concurrent claim that took one of these keys holds its lock until it commits (then its
        # job shows as running below): what this claim cannot lock, it gives back.
        ordered = sorted(taken)
        locks = [
            func.pg_try_advisory_xact_lock(literal(_SERIAL_NAMESPACE), literal(_serial_lock_key(key)))
            for key in ordered
        ]
        got = (await connection.execute(select(*locks))).one()
        unlocked = {key for key, ok in zip(ordered, got, strict=True) if not ok}
        refused |= {job_id for job_id, keys in keyed.items() if keys & unlocked}
    held: set[str] = set()  # the keys of jobs running anywhere (claimed earlier, not yet recorded)
    running = await connection.execute(
        select(Job.kind, Job.payload).where(
            Job.kind.in_([kind for kind, handler in _handlers.items() if handler.serial_field]),
            Job.status == JobStatus.running.value,
            Job.locked_until >= now,
            Job.id.not_in(list(keyed)),
        )
    )
    for kind, payload in running.all():
        held |= _serial_keys(kind, payload)
    refused |= {job_id for job_id, keys in keyed.items() if keys & held}
    if not refused:
        return jobs, []
    await connection.execute(
        update(Job)
        .where(Job.id.in_(list(refused)))
        .values(status=JobStatus.pending.value, locked_until=None, attempts=Job.attempts - 1)
    )
    return [job for job in jobs if job.id not in refused], sorted(refused)


def _job_key(job: Job) -> tuple[str, str] | None:
    handler = _handlers.get(job.kind)
    if handler is None or not handler.key_field or not handler.key_limit:
        return None
    value = (job.payload or {}).get(handler.key_field)
    return None if value is None else (job.kind, str(value))


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    batch: int,
    lease: timedelta,
    skip_keys: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
    contexts: dict[int, Any] | None = None,
    skip_ids: Collection[int] = (),
    given_back: list[int] | None = None,
) -> list[Job]:
    """Lease up to ``batch`` due jobs in one statement (UPDATE … RETURNING); with ``contexts``, run
    the two-phase handlers' ``load`` for them in the same transaction. ``skip_keys``: (kind, key
    value) pairs not to claim now. ``skip_ids``: jobs not to claim now (given back by a recent
    claim, their serialization keys still held); ``given_back`` receives the ids this claim gives
    back."""
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
        if skip_ids:
            due = due.where(Job.id.not_in(list(skip_ids)))
        for kind in {kind for kind, _ in skip_keys}:
            field = _handlers[kind].key_field
            values = [value for k, value in skip_keys if k == kind]
            value_of = Job.payload[field].as_string()
            due = due.where(or_(Job.kind != kind, value_of.is_(None), value_of.not_in(values)))
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claimed = (
            update(Job)
            .where(Job.id.in_(due.scalar_subquery()))
            .values(status=JobStatus.running.value, locked_until=now + lease, attempts=Job.attempts + 1)
            .returning(Job)
            .execution_options(synchronize_session=False)
        )
        jobs = sorted((await session.scalars(claimed)).all(), key=lambda j: (j.run_at, j.id))
        jobs, refused = await _give_back_held(session, jobs, now)
        if given_back is not None:
            given_back.extend(refused)
        if contexts is not None and jobs:
            by_kind: dict[str, list[Job]] = {}
            for job in jobs:
                by_kind.setdefault(job.kind, []).append(job)
            for kind, kind_jobs in by_kind.items():
                load = _handlers[kind].load
                if load is not None:
                    contexts.update(await load(session, kind_jobs))
        await session.commit()
    return jobs


async def run_one(sessionmaker: async_sessionmaker[AsyncSession], job: Job) -> None:
    handler = _handlers[job.kind]
    assert handler.run is not None
    try:
        async with sessionmaker() as session, session.begin():
            try:
                await handler.run(session, job)
            except RetryLater as exc:
                values = _retry_values(handler, job, str(exc), exc.at, count_attempt=exc.count_attempt)
            else:
                values = dict(DONE)
            await session.execute(update(Job).where(Job.id == job.id).values(**values))
        return
    except Exception as exc:  # a failed attempt is recorded, never lost
        values = _failed_values(handler, job, exc)
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Job).where(Job.id == job.id).values(**values))


DONE: dict[str, Any] = {"status": JobStatus.done.value, "locked_until": None, "last_error": None}


def _failed_values(handler: Handler, job: Job, exc: BaseException) -> dict[str, Any]:
    log.warning("job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempts, exc.__class__.__name__)
    return _retry_values(handler, job, f"{exc.__class__.__name__}: {exc}"[:2000], None, count_attempt=True)


def _retry_values(
    handler: Handler, job: Job, error: str, at: datetime | None, *, count_attempt: bool
) -> dict[str, Any]:
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


_BATCH_END = "calapi.jobs.batch_end"


def at_batch_end(
    session: AsyncSession, key: str, write: Callable[[AsyncSession, list[Any]], Awaitable[None]], item: Any
) -> None:
    """From a ``Record``: add ``item`` to a list that ``write`` gets once, after every record of the
    batch ran, in the same transaction — how many outcomes become one statement (e.g. all the
    deliveries that succeeded: one UPDATE … WHERE id IN (…))."""
    pending = session.info.setdefault(_BATCH_END, {})
    pending.setdefault(key, (write, []))[1].append(item)


async def _record_batch(session: AsyncSession, finished: list[tuple[Job, Record | None]]) -> None:
    """Every handler write, then the jobs' states: all done jobs in one statement."""
    await begin_write(session)
    done_ids: list[int] = []
    others: list[tuple[int, dict[str, Any]]] = []
    for job, record in finished:
        try:
            if record is not None:
                await record(session)
        except RetryLater as exc:
            handler = _handlers[job.kind]
            others.append((job.id, _retry_values(handler, job, str(exc), exc.at, count_attempt=exc.count_attempt)))
        else:
            done_ids.append(job.id)
    for write, items in session.info.pop(_BATCH_END, {}).values():
        await write(session, items)
    if done_ids:
        await session.execute(update(Job).where(Job.id.in_(done_ids)).values(**DONE))
    for job_id, values in others:
        await session.execute(update(Job).where(Job.id == job_id).values(**values))


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
            session.info[_NEW_JOBS] = True

    @event.listens_for(session_class, "after_commit")
    def _wake(session: Session) -> None:
        if session.info.pop(_NEW_JOBS, False):
            worker.wake()


# ---------------------------------------------------------------- PostgreSQL: NOTIFY on new jobs
#
# A ``calapi worker`` process cannot see another process's commits, so on PostgreSQL every
# statement that inserts jobs sends ``NOTIFY calapi_jobs`` — the table's trigger does (migration
# ``jobs_notify``): delivered at commit, dropped on rollback, merged into one per transaction, and
# no statement of its own. The worker LISTENs and claims at once instead of waiting for its next
# poll. Polling stays as the fallback (a lost listening connection).

JOBS_CHANNEL = "calapi_jobs"


async def listen_for_jobs(engine: AsyncEngine, worker: Worker) -> None:
    """Wake ``worker`` on every ``NOTIFY calapi_jobs`` (PostgreSQL) until cancelled; reconnects."""
    while True:
        try:
            async with engine.connect() as connection:
                raw: Any = (await connection.get_raw_connection()).driver_connection
                lost = asyncio.Event()

                def on_notify(*_args: Any) -> None:
                    worker.wake()

                raw.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await raw.add_listener(JOBS_CHANNEL, on_notify)
                try:
                    worker.wake()  # jobs committed before LISTEN took effect
                    await lost.wait()
                finally:
                    if not raw.is_closed():
                        await raw.remove_listener(JOBS_CHANNEL, on_notify)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database is away: polling goes on; try again shortly
            log.warning("listening for new jobs failed: %s", exc.__class__.__name__)
        await asyncio.sleep(1.0)


@dataclass
class _Waiting:
    job: Job
    key: tuple[str, str] | None
    since: float


class Worker:
    """Polls for due jobs; ``wake()`` lets an in-process producer skip the poll delay.

    At most ``concurrency`` jobs run at once; up to ``4 × concurrency`` claimed jobs are held
    (running, waiting for a slot or for their key, or being recorded). A job that waited here
    longer than a quarter of its lease goes back to the queue without using an attempt, so a
    lease never runs out on a job this worker still intends to run.
    """

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
        self.concurrency = concurrency
        self.capacity = 4 * concurrency
        self.max_wait = lease.total_seconds() / 4
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._held = 0  # claimed and not yet recorded
        self._running = 0
        self._waiting: deque[_Waiting] = deque()
        self._key_running: Counter[tuple[str, str]] = Counter()
        # claimed and not finished (waiting or running): what the claim's skip rule counts. A job
        # that finished and waits only to be recorded no longer counts, so a slow recording
        # transaction does not stop this worker from claiming the next round of a busy key.
        self._key_unfinished: Counter[tuple[str, str]] = Counter()
        self._contexts: dict[int, Any] = {}
        # Jobs a claim gave back because their serialization keys were held → when: skipped by the
        # next claims, so that a key's backlog does not fill every batch while its holder runs.
        # Forgotten when a job with keys finishes here, or after four poll intervals (a holder elsewhere).
        self._given_back: dict[int, float] = {}
        self._finished: list[tuple[Job, Record | None]] = []
        self._recorder: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    # ---------------------------------------------------------- claiming

    def _saturated_keys(self) -> set[tuple[str, str]]:
        """Keys with a full round waiting here already (running + waiting ≥ 2 × limit)."""
        return {key for key, count in self._key_unfinished.items() if count >= 2 * _handlers[key[0]].key_limit}

    async def run(self) -> None:
        while not self._stopping:
            # Cleared before the claim, not after it: a wake-up that arrives while the claim runs
            # (a commit the claim did not see yet) must not be lost until the next poll.
            self._wake.clear()
            room = min(self.batch, self.capacity - self._held)
            jobs: list[Job] = []
            if room > 0:
                given_back: list[int] = []
                try:
                    jobs = await claim(
                        self.sessionmaker,
                        batch=room,
                        lease=self.lease,
                        skip_keys=self._saturated_keys(),
                        contexts=self._contexts,
                        skip_ids=self._recently_given_back(),
                        given_back=given_back,
                    )
                except Exception as exc:  # the database may be briefly away; keep polling
                    log.warning("claiming jobs failed: %s", exc.__class__.__name__)
                self._given_back.update(dict.fromkeys(given_back, time.monotonic()))
            now = time.monotonic()
            for job in jobs:
                key = _job_key(job)
                self._held += 1
                if key is not None:
                    self._key_unfinished[key] += 1
                self._waiting.append(_Waiting(job, key, now))
            self._start_ready()
            await self._return_overdue()
            if room <= 0 or len(jobs) < room:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
                except TimeoutError:
                    pass
        await self._drain()

    def _start_ready(self) -> None:
        if self._stopping or self._running >= self.concurrency or not self._waiting:
            return
        still: deque[_Waiting] = deque()
        while self._waiting:
            entry = self._waiting.popleft()
            limit = _handlers[entry.key[0]].key_limit if entry.key else 0
            if self._running >= self.concurrency or (entry.key and self._key_running[entry.key] >= limit):
                still.append(entry)
                continue
            self._running += 1
            if entry.key:
                self._key_running[entry.key] += 1
            task = asyncio.create_task(self._execute(entry))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._waiting = still

    async def _return_overdue(self) -> None:
        """Jobs that waited here too long (their key stayed full) go back to the queue, attempt unused."""
        now = time.monotonic()
        overdue = [w for w in self._waiting if now - w.since > self.max_wait]
        if overdue:
            self._waiting = deque(w for w in self._waiting if now - w.since <= self.max_wait)
            await self._return_waiting(overdue, "waited too long for its key's in-flight limit")

    async def _return_waiting(self, entries: list[_Waiting], why: str) -> None:
        try:
            async with self.sessionmaker() as session, session.begin():
                await begin_write(session)
                await session.execute(
                    update(Job)
                    .where(Job.id.in_([w.job.id for w in entries]), Job.status == JobStatus.running.value)
                    .values(
                        status=JobStatus.pending.value, locked_until=None, attempts=Job.attempts - 1, last_error=why
                    )
                )
        except Exception as exc:  # their leases run out and another claim takes them
            log.warning("returning waiting jobs failed: %s", exc.__class__.__name__)
        for entry in entries:
            self._unfinished(entry.key)
            self._release(entry.job)

    def _unfinished(self, key: tuple[str, str] | None) -> None:
        """A job of ``key`` finished (or went back): one fewer counted against the claim's skip rule."""
        if key is None:
            return
        self._key_unfinished[key] -= 1
        left = self._key_unfinished[key]
        if not left:
            del self._key_unfinished[key]
        if left == 2 * _handlers[key[0]].key_limit - 1:
            self._wake.set()  # the key dropped below its skip threshold: claim its next round now

    def _recently_given_back(self) -> list[int]:
        since = time.monotonic() - 4 * self.poll_interval
        self._given_back = {job_id: at for job_id, at in self._given_back.items() if at >= since}
        return list(self._given_back)

    def _release(self, job: Job) -> None:
        self._held -= 1
        self._contexts.pop(job.id, None)
        if self._given_back and _serial_keys(job.kind, job.payload):
            self._given_back.clear()  # its keys are free now: what waited for them may be claimed
        self._wake.set()  # room to claim again

    # ---------------------------------------------------------- running

    async def _execute(self, entry: _Waiting) -> None:
        job, key = entry.job, entry.key
        handler = _handlers[job.kind]
        try:
            if handler.perform is None:
                await run_one(self.sessionmaker, job)
                self._release(job)
                return
            try:
                record = await handler.perform(job, self._contexts.get(job.id))
            except Exception as exc:  # a failed attempt is recorded, never lost
                log.warning("job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempts, exc.__class__.__name__)
                record = _retry_record(f"{exc.__class__.__name__}: {exc}"[:2000])
            self._finished.append((job, record))
            if self._recorder is None or self._recorder.done():
                self._recorder = asyncio.create_task(self._record())
        finally:
            self._running -= 1
            if key is not None:
                self._key_running[key] -= 1
                if not self._key_running[key]:
                    del self._key_running[key]
            self._unfinished(key)
            self._start_ready()

    async def _record(self) -> None:
        """Write every finished outcome in one transaction; outcomes arriving meanwhile go in the next."""
        while self._finished:
            finished, self._finished = self._finished, []
            try:
                async with self.sessionmaker() as session, session.begin():
                    await _record_batch(session, finished)
            except Exception as exc:  # one bad outcome must not cost the others theirs: one by one
                log.warning(
                    "recording %s outcomes failed (%s); recording one by one", len(finished), exc.__class__.__name__
                )
                for job, record in finished:
                    await self._record_alone(job, record)
            for job, _ in finished:
                self._release(job)

    async def _record_alone(self, job: Job, record: Record | None) -> None:
        try:
            async with self.sessionmaker() as session, session.begin():
                await _record_batch(session, [(job, record)])
            return
        except Exception as exc:
            values = _failed_values(_handlers[job.kind], job, exc)
        try:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(update(Job).where(Job.id == job.id).values(**values))
        except Exception as exc:  # its lease runs out and the job is attempted again
            log.warning("recording job %s failed: %s", job.id, exc.__class__.__name__)

    async def _drain(self) -> None:
        """Give back what has not started (attempt unused), let what runs finish and be recorded."""
        while self._waiting or self._tasks or (self._recorder and not self._recorder.done()):
            if self._waiting:
                await self._return_waiting(list(self._waiting), "the worker stopped before running it")
                self._waiting.clear()
            pending = [*self._tasks, *([self._recorder] if self._recorder and not self._recorder.done() else [])]
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        await self._drain()


def _retry_record(message: str) -> Record:
    async def record(session: AsyncSession) -> None:
        raise RetryLater(message)

    return record
