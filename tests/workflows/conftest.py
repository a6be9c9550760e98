"""Workflow fixtures: a real SMTP server and a Twilio-speaking HTTP server the app is configured to
send to, the job loop running beside the app, and helpers for workflows and time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from calapi.db import begin_write, utcnow
from calapi.jobs.models import Job
from calapi.workflows.models import WorkflowMessage
from tests.bookings.conftest import event_types, host_schedule, stranger  # noqa: F401  (fixtures)
from tests.webhooks.conftest import job_loop, settle  # noqa: F401  (fixtures and helpers)
from tests.workflows.servers import SmtpServer, TwilioServer, running_smtp, running_twilio

SMS_FROM = "+15005550006"


@pytest.fixture
def smtp_mode() -> str:
    """Override (or parametrize) for AUTH or STARTTLS: "plain", "auth", "starttls"."""
    return "plain"


@pytest.fixture
def smtp(smtp_mode: str, tmp_path: Path) -> Iterator[SmtpServer]:
    with running_smtp(mode=smtp_mode, folder=tmp_path) as server:
        yield server


@pytest.fixture
def twilio() -> Iterator[TwilioServer]:
    with running_twilio() as server:
        yield server


@pytest.fixture
def settings_overrides(smtp: SmtpServer, twilio: TwilioServer) -> dict[str, Any]:
    return {
        "smtp_url": smtp.url,
        "email_from": "Cal Notifications <notifications@calapi.test>",
        "sms_base_url": twilio.base_url,
        "sms_account_sid": twilio.account_sid,
        "sms_auth_token": twilio.auth_token,
        "sms_from": SMS_FROM,
        "notification_retry_schedule": "0,0.2s,0.2s",
        "public_url": "https://cal.example.com",
    }


def workflow_body(**overrides: Any) -> dict[str, Any]:
    """A "10 minutes before" reminder by email to the attendees, active on every event type."""
    body: dict[str, Any] = {
        "name": "Reminder",
        "activation": {"isActiveOnAllEventTypes": True, "activeOnEventTypeIds": []},
        "trigger": {"type": "beforeEvent", "offset": {"value": 10, "unit": "minute"}},
        "steps": [
            {
                "stepNumber": 1,
                "action": "email_attendee",
                "recipient": "attendee",
                "template": "reminder",
                "sender": "Alice's Studio",
                "includeCalendarEvent": False,
                "message": {
                    "subject": "Reminder: {EVENT_NAME} at {EVENT_TIME} ({TIMEZONE})",
                    "html": "<p>Hi {ATTENDEE_FIRST_NAME}, see you on {EVENT_DATE_ddd, MMM D, YYYY h:mma}.</p>",
                },
            }
        ],
    }
    body.update(overrides)
    return body


async def create_workflow(client: httpx.AsyncClient, user: Any, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v2/workflows", json=workflow_body(**overrides), headers=user.headers)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


async def messages_of(app: Any, **where: Any) -> list[WorkflowMessage]:
    async with app.state.sessionmaker() as session:
        query = select(WorkflowMessage).order_by(WorkflowMessage.created_at, WorkflowMessage.recipient)
        for name, value in where.items():
            query = query.where(getattr(WorkflowMessage, name) == value)
        return list((await session.scalars(query)).all())


async def time_comes(app: Any, worker: Any, *, booking_uid: str, late: timedelta = timedelta(0)) -> None:
    """Move the booking's waiting reminders to now (minus ``late``), as if the clock had reached them."""
    async with app.state.sessionmaker() as session:
        await begin_write(session)
        rows = (
            await session.execute(
                select(WorkflowMessage.id, WorkflowMessage.job_id).where(
                    WorkflowMessage.booking_uid == booking_uid,
                    WorkflowMessage.timed.is_(True),
                    WorkflowMessage.status == "scheduled",
                )
            )
        ).all()
        at = utcnow() - late
        await session.execute(
            update(WorkflowMessage).where(WorkflowMessage.id.in_([r.id for r in rows])).values(scheduled_at=at)
        )
        await session.execute(update(Job).where(Job.id.in_([r.job_id for r in rows])).values(run_at=at))
        await session.commit()
    worker.wake()
