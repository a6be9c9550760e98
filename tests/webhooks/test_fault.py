"""Fault test: 1,000 events while the receiver answers 500 to a third of requests and two `calapi worker`
processes are each killed with SIGKILL and restarted. Every event arrives at least once; duplicates
carry the same webhook-id; no attempt is recorded twice (two workers never make the same attempt)."""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import time

import pytest
from sqlalchemy import func, select

from calapi.jobs.outbox import record_event
from calapi.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.support.servers import start_worker as start_calapi_worker
from tests.webhooks.conftest import SECRET, subscribe
from tests.webhooks.receiver import verify_cal, verify_standard

EVENTS = 1000


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    return start_calapi_worker(
        database_url=database_url,
        webhook_retry_schedule="0,0.2s,0.2s,0.3s,0.3s,0.5s,0.5s,1s,1s,1s",
        webhook_retry_jitter="0.2",
        webhook_timeout_seconds="2",
        job_lease_seconds="4",  # a killed worker's claimed jobs are taken over after this
    )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_every_event_arrives_despite_500s_and_killed_workers(app, client, alice, receiver, database_url):
    counter = itertools.count()
    receiver.respond = lambda r: (500, {}, b"flaky") if next(counter) % 3 == 0 else (200, {}, b"ok")
    await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    workers = [start_worker(database_url), start_worker(database_url)]
    started = time.monotonic()
    try:
        for batch in range(10):  # the outbox as the booking service writes it, 100 events per commit
            async with app.state.sessionmaker() as session:
                for n in range(batch * 100, batch * 100 + 100):
                    await record_event(
                        session,
                        "BOOKING_CREATED",
                        {"uid": f"booking-{n}", "n": n},
                        subject_uid=f"booking-{n}",
                        owner_user_id=alice.id,
                    )
                await session.commit()
            if batch in (3, 7):  # kill one worker mid-flight, start a fresh one
                victim = workers.pop(0)
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                workers.append(start_worker(database_url))
        deadline = started + 50
        while time.monotonic() < deadline:
            delivered = {r.json()["payload"]["uid"] for r in receiver.requests if r.answered == 200}
            if len(delivered) == EVENTS:
                break
            await asyncio.sleep(0.2)
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    received = list(receiver.requests)
    by_uid: dict[str, set[str]] = {}
    for request in received:
        by_uid.setdefault(request.json()["payload"]["uid"], set()).add(request.webhook_id)
    delivered = {r.json()["payload"]["uid"] for r in received if r.answered == 200}
    assert delivered == {f"booking-{n}" for n in range(EVENTS)}  # none missing
    assert all(len(ids) == 1 for ids in by_uid.values())  # a retry or a duplicate carries the same webhook-id
    assert any(r.answered == 500 for r in received)
    for request in received[:50]:
        assert verify_cal(SECRET, request) and verify_standard(SECRET, request)
    async with app.state.sessionmaker() as session:
        twice = (
            await session.execute(
                select(WebhookAttempt.job_id, WebhookAttempt.job_attempt)
                .group_by(WebhookAttempt.job_id, WebhookAttempt.job_attempt)
                .having(func.count() > 1)
            )
        ).all()
        workers_seen = (await session.scalars(select(func.count(func.distinct(WebhookAttempt.worker))))).one()
        deliveries = int(await session.scalar(select(func.count()).select_from(WebhookDelivery)))
    assert twice == []  # the log: every (job, attempt) made by exactly one worker
    assert workers_seen >= 2 and deliveries == EVENTS
    assert time.monotonic() - started < 60
