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
