"""Webhook fixtures: a real receiver, a job loop running beside the app, helpers for subscriptions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from calapi.jobs import worker as jobs
from calapi.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.bookings.conftest import event_types, host_schedule, stranger  # noqa: F401  (fixtures)
from tests.webhooks.receiver import Receiver, running_receiver

SECRET = "s3cr3t-for-tests"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webhook_retry_schedule": "0,0.1s,0.1s", "webhook_retry_jitter": 0.0}


@pytest.fixture
async def job_loop(app: Any) -> AsyncIterator[jobs.Worker]:
    """The job loop, as embedded mode runs it: polls, and is woken when a commit adds jobs."""
    loop_worker = jobs.Worker(app.state.sessionmaker, poll_interval=0.05)
    jobs.wake_on_commit(app.state.sessionmaker, loop_worker)
    task = asyncio.create_task(loop_worker.run())
    yield loop_worker
    await loop_worker.stop()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


async def subscribe(
    client: httpx.AsyncClient,
    user: Any,
    url: str,
    triggers: list[str],
    *,
    event_type_id: int | None = None,
    **fields: Any,
) -> dict:
    body = {"subscriberUrl": url, "active": True, "triggers": triggers, "secret": SECRET, **fields}
    path = f"/v2/event-types/{event_type_id}/webhooks" if event_type_id else "/v2/webhooks"
    response = await client.post(path, json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def deliveries(app: Any) -> list[WebhookDelivery]:
    async with app.state.sessionmaker() as session:
        return list((await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at))).all())


async def attempts(app: Any) -> list[WebhookAttempt]:
    async with app.state.sessionmaker() as session:
        return list((await session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id))).all())


async def settle(app: Any, *, timeout: float = 30.0) -> None:
    """Wait until no job is pending or running that is due now or within a few seconds.

    Jobs due later (MEETING_* at a booking's start) are left alone; a retry the compressed test
    schedule puts a moment ahead is waited for, so a test never reads the log mid-retry.
    """
    from datetime import timedelta

    from calapi.db import utcnow
    from calapi.jobs.models import Job

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with app.state.sessionmaker() as session:
            busy = await session.scalar(
                select(Job.id)
                .where(Job.status.in_(["pending", "running"]), Job.run_at <= utcnow() + timedelta(seconds=5))
                .limit(1)
            )
        if busy is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("jobs still pending after the timeout")
