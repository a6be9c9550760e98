"""The job loop: a committed job runs, a failing one is retried with back-off, a dead worker's lease runs out."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from calapi.db import utcnow
from calapi.jobs import worker as jobs
from calapi.jobs.models import Job, JobStatus
from tests.conftest import BOTH_DATABASES
from tests.support.databases import fresh_sqlite
from tests.support.servers import CALAPI, REPO_ROOT, calapi_env


async def _job(app, job_id: int) -> Job:
    async with app.state.sessionmaker() as session:
        return await session.get(Job, job_id)


async def _wait_for(app, job_id: int, status: str, timeout: float = 10.0) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        job = await _job(app, job_id)
        if job.status == status or time.monotonic() > deadline:
            return job
        await asyncio.sleep(0.05)


@BOTH_DATABASES
async def test_a_committed_job_runs_once_and_a_failing_one_is_retried(app):
    seen: list[dict] = []
    attempts = {"n": 0}

    async def record(session, job):
        seen.append(job.payload)

    async def flaky(session, job):
        attempts["n"] += 1
        if attempts["n"] < 3:
            raise ConnectionError("receiver away")

    jobs.register("test.record", jobs.Handler(record))
    jobs.register("test.flaky", jobs.Handler(flaky, backoff=(timedelta(milliseconds=50),) * 3, jitter=0))
    async with app.state.sessionmaker() as session:
        ok = jobs.enqueue(session, "test.record", {"n": 1})
        bad = jobs.enqueue(session, "test.flaky", {"n": 2})
        await session.commit()
    loop_worker = jobs.Worker(app.state.sessionmaker, poll_interval=0.02)
    task = asyncio.create_task(loop_worker.run())
    try:
        assert (await _wait_for(app, ok.id, "done")).status == JobStatus.done
        flaky_job = await _wait_for(app, bad.id, "done")
    finally:
        await loop_worker.stop()
        await task
    assert seen == [{"n": 1}]
    assert flaky_job.status == JobStatus.done and flaky_job.attempts == 3 and attempts["n"] == 3


async def test_a_job_that_keeps_failing_gives_up_with_its_error(app):
    async def broken(session, job):
        raise ValueError("always")

    jobs.register("test.broken", jobs.Handler(broken, backoff=(timedelta(milliseconds=10),), jitter=0))
    async with app.state.sessionmaker() as session:
        job = jobs.enqueue(session, "test.broken", {})
        await session.commit()
    loop_worker = jobs.Worker(app.state.sessionmaker, poll_interval=0.02)
    task = asyncio.create_task(loop_worker.run())
    try:
        final = await _wait_for(app, job.id, "failed")
    finally:
        await loop_worker.stop()
        await task
    assert final.status == JobStatus.failed and final.attempts == 2 and "ValueError: always" in final.last_error


async def test_an_expired_lease_is_claimed_again(app):
    async with app.state.sessionmaker() as session:
        job = Job(
            kind="test.record",
            payload={},
            status=JobStatus.running.value,
            run_at=utcnow(),
            locked_until=utcnow() - timedelta(seconds=1),
        )
        session.add(job)
        await session.commit()
        job_id = job.id
    jobs.register("test.record", jobs.Handler(lambda session, job: asyncio.sleep(0)))
    claimed = await jobs.claim(app.state.sessionmaker, batch=10, lease=timedelta(minutes=1))
    assert [j.id for j in claimed] == [job_id]
    async with app.state.sessionmaker() as session:
        assert (await session.scalar(select(Job.attempts).where(Job.id == job_id))) == 1


def test_worker_command_stops_cleanly_on_sigterm(sqlite_template, tmp_path):
    env = calapi_env(database_url=fresh_sqlite(sqlite_template, tmp_path))
    proc = subprocess.Popen(
        [*CALAPI, "worker", "--poll-interval", "0.1"], env=env, cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True
    )
    try:
        # The signal goes once the worker says it runs (its handlers are installed by then): a fixed
        # sleep raced a slow start on a loaded machine and killed the process before that.
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "worker running" in line, line + proc.stderr.read()
        assert proc.poll() is None
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_job_committed_while_a_claim_runs_is_not_left_for_the_next_poll(app):
    """A producer commits (and wakes the worker, as wake_on_commit or NOTIFY do) while the worker's
    claim is running and cannot see the new row: the wake-up must survive the claim. (The first
    job keeps running meanwhile, so no finished job wakes the loop in its place.)"""
    loop_worker = jobs.Worker(app.state.sessionmaker, poll_interval=30)
    ran: list[tuple[int, float]] = []
    late: list[int] = []
    first_may_end = asyncio.Event()

    async def load(session, claimed):
        if not late:  # inside the first claim's transaction: another producer commits now
            async with app.state.sessionmaker() as other:
                job = jobs.enqueue(other, "test.wake", {"n": 2})
                await other.commit()
            late.append(job.id)
            loop_worker.wake()
        return {}

    async def perform(job, context):
        ran.append((job.payload["n"], time.monotonic()))
        if job.payload["n"] == 1:
            await first_may_end.wait()

    jobs.register("test.wake", jobs.Handler(load=load, perform=perform))
    async with app.state.sessionmaker() as session:
        jobs.enqueue(session, "test.wake", {"n": 1})
        await session.commit()
    started = time.monotonic()
    task = asyncio.create_task(loop_worker.run())
    try:
        while len(ran) < 2 and time.monotonic() - started < 5:
            await asyncio.sleep(0.02)
    finally:
        first_may_end.set()
        await loop_worker.stop()
        await task
    assert [n for n, _ in ran] == [1, 2]
    assert ran[1][1] - started < 3  # at once, not at the next poll 30 s later


@BOTH_DATABASES
async def test_jobs_sharing_a_serial_key_never_run_at_once_in_two_workers(app):
    """A key is held from the claim until the outcome is committed: jobs sharing one (of a list)
    never overlap, in either of two workers claiming the same table; other jobs run beside them,
    and a job given back by a claim because its key was held uses no attempt."""
    active: dict[str, int] = {}
    overlaps: list[str] = []
    running = {"now": 0, "peak": 0}

    async def load(session, claimed):
        return {job.id: None for job in claimed}

    async def perform(job, _context):
        keys = job.payload.get("keys") or []
        for key in keys:
            active[key] = active.get(key, 0) + 1
            if active[key] > 1:
                overlaps.append(key)
        running["now"] += 1
        running["peak"] = max(running["peak"], running["now"])
        await asyncio.sleep(0.03)
        running["now"] -= 1

        async def record(session):  # in the recording transaction: the key is free once it commits
            for key in keys:
                active[key] -= 1

        return record

    jobs.register("test.serial", jobs.Handler(load=load, perform=perform, serial_field="keys"))
    payloads = [{"keys": ["a"]}] * 6 + [{"keys": ["b"]}] * 6 + [{"keys": ["a", "b"]}] * 3 + [{}] * 4
    async with app.state.sessionmaker() as session:
        made = [jobs.enqueue(session, "test.serial", payload) for payload in payloads]
        await session.commit()
    workers = [jobs.Worker(app.state.sessionmaker, poll_interval=0.02) for _ in range(2)]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        finished = [await _wait_for(app, job.id, "done", timeout=30) for job in made]
    finally:
        for w in workers:
            await w.stop()
        await asyncio.gather(*tasks)
    assert [job.status for job in finished] == ["done"] * len(made)
    assert overlaps == []
    assert running["peak"] >= 2  # jobs of other keys (or none) ran at the same time
    assert {job.attempts for job in finished} == {1}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_claims_at_once_cannot_both_take_a_key(app):
    """PostgreSQL: a second claim that runs while the first (which took key "k") has not committed
    cannot see the first job as running yet; the first claim's lock on the key makes it give the
    second job back."""
    seen: list[list[int]] = []

    async def load(session, claimed):
        if not seen:  # inside the first claim's transaction
            seen.append([job.id for job in claimed])
            inner = await jobs.claim(app.state.sessionmaker, batch=10, lease=timedelta(minutes=1), contexts={})
            seen.append([job.id for job in inner])
        return {}

    async def perform(job, _context):
        return None

    jobs.register("test.race", jobs.Handler(load=load, perform=perform, serial_field="key"))
    async with app.state.sessionmaker() as session:
        first = jobs.enqueue(session, "test.race", {"key": "k"})
        await session.flush()
        second = jobs.enqueue(session, "test.race", {"key": "k"})
        other = jobs.enqueue(session, "test.race", {"key": "other"})
        await session.commit()
    # The first claim takes one job only, so that the second claim finds the others free of row locks.
    claimed = await jobs.claim(app.state.sessionmaker, batch=1, lease=timedelta(minutes=1), contexts={})
    assert [job.id for job in claimed] == [first.id]
    assert seen == [[first.id], [other.id]]
    async with app.state.sessionmaker() as session:
        rows = {job.id: job for job in (await session.scalars(select(Job).where(Job.kind == "test.race"))).all()}
    assert (rows[second.id].status, rows[second.id].attempts) == ("pending", 0)
    assert (rows[first.id].status, rows[other.id].status) == ("running", "running")


@BOTH_DATABASES
async def test_a_keys_backlog_does_not_hold_back_other_jobs_while_its_holder_runs(app):
    """A claim gives back the jobs of a held key; the next claims skip them, so the jobs behind
    them are claimed and run while the holder still runs."""
    holder_may_end = asyncio.Event()
    ran: list[str] = []

    async def load(session, claimed):
        return {}

    async def perform(job, _context):
        ran.append(job.payload["name"])
        if job.payload["name"] == "holder":
            await asyncio.wait_for(holder_may_end.wait(), timeout=10)
        return None

    jobs.register("test.backlog", jobs.Handler(load=load, perform=perform, serial_field="key"))
    async with app.state.sessionmaker() as session:
        holder = jobs.enqueue(session, "test.backlog", {"name": "holder", "key": "k"})
        await session.flush()
        for n in range(12):
            last = jobs.enqueue(session, "test.backlog", {"name": f"waits {n}", "key": "k"})
            await session.flush()
        others = [jobs.enqueue(session, "test.backlog", {"name": f"other {n}"}) for n in range(3)]
        await session.commit()
    loop_worker = jobs.Worker(app.state.sessionmaker, poll_interval=0.3, batch=5)
    task = asyncio.create_task(loop_worker.run())
    try:
        finished = [await _wait_for(app, job.id, "done", timeout=5) for job in others]
        assert [job.status for job in finished] == ["done"] * 3
        assert ran[0] == "holder" and not any(name.startswith("waits") for name in ran)
        holder_may_end.set()
        assert (await _wait_for(app, holder.id, "done")).status == "done"
        assert (await _wait_for(app, last.id, "done")).status == "done"  # the key's backlog, one by one
    finally:
        holder_may_end.set()
        await loop_worker.stop()
        await task
