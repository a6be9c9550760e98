"""Reminders at a time: on time by the real clock (never early), moved by a reschedule, stopped by a
cancel, planned for existing bookings when a workflow is added or changed, and after downtime sent
inside the catch-up window or marked missed outside it. Immediate workflow steps fire on booking
events; a no-show stops the follow-up to whoever was absent."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from calapi.core.clock import request_now
from calapi.jobs import worker as jobs
from calapi.workflows.models import WorkflowMessage
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, make_event_type, v2
from tests.conftest import BOTH_DATABASES
from tests.webhooks.conftest import settle
from tests.workflows.conftest import create_workflow, messages_of, time_comes, workflow_body

TUESDAY = "2050-09-06"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def zone_at_noon(now: datetime) -> str:
    """A fixed-offset zone where it is about noon now (so today's working hours surround now)."""
    offset = 12 - now.hour
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


async def booked(client: httpx.AsyncClient, event_type_id: int, start: str, **overrides: Any) -> dict[str, Any]:
    response = await book(client, event_type_id, start, **overrides)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def minutes_before(value: int, event_type_id: int, subject: str = "{EVENT_NAME} at {EVENT_TIME}") -> dict[str, Any]:
    step = {**workflow_body()["steps"][0], "message": {"subject": subject, "html": "<p>{ATTENDEE_NAME}</p>"}}
    return workflow_body(
        name=f"{value} min before",
        activation={"isActiveOnAllEventTypes": False, "activeOnEventTypeIds": [event_type_id]},
        trigger={"type": "beforeEvent", "offset": {"value": value, "unit": "minute"}},
        steps=[step],
    )


async def test_a_reminder_due_shortly_arrives_on_time_and_cancel_and_reschedule_follow(
    app, client, alice, smtp, job_loop
):
    now = datetime.now(UTC)
    schedule = {
        "name": "Always",
        "timeZone": zone_at_noon(now),
        "isDefault": True,
        "availability": [
            {
                "days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
                "startTime": "00:00",
                "endTime": "23:59",
            }
        ],
    }
    assert (await client.post("/v2/schedules", json=schedule, headers=v2(alice, "2024-06-11"))).status_code == 201
    kinds = [await make_event_type(client, alice, f"soon-{n}", lengthInMinutes=1, slotInterval=1) for n in (2, 3, 4)]
    for value, kind in zip((2, 3, 4), kinds, strict=True):
        response = await client.post("/v2/workflows", json=minutes_before(value, kind), headers=alice.headers)
        assert response.status_code == 201, response.text
    # Due at the next whole minute at least 15 s away: A two minutes before its start, B three, C four.
    due = (now + timedelta(seconds=75)).replace(second=0, microsecond=0)
    a = await booked(client, kinds[0], iso(due + timedelta(minutes=2)))
    b = await booked(client, kinds[1], iso(due + timedelta(minutes=3)), attendee={**ATTENDEE, "email": "b@example.com"})
    c = await booked(client, kinds[2], iso(due + timedelta(minutes=4)), attendee={**ATTENDEE, "email": "c@example.com"})
    await smtp.wait_for(6)  # the booking emails
    await settle(app)
    booking_emails = len(smtp.messages())
    await client.post(f"/v2/bookings/{b['uid']}/cancel", json={"cancellationReason": "x"}, headers=v2())
    moved = (
        await client.post(
            f"/v2/bookings/{c['uid']}/reschedule", json={"start": iso(due + timedelta(minutes=30))}, headers=v2()
        )
    ).json()["data"]
    await settle(app)
    sent_before = len(smtp.messages())
    assert datetime.now(UTC) < due, "the test took too long to set up"
    assert [m for m in smtp.messages()[sent_before:] if m.subject.startswith("Soon")] == []

    while datetime.now(UTC) < due + timedelta(seconds=4):
        await asyncio.sleep(0.1)
    await settle(app)
    reminders = [m for m in smtp.messages()[booking_emails:] if m.subject.startswith("Soon")]
    [reminder] = reminders  # A's only: B was cancelled, C moved
    assert reminder.to == "jane@example.com" and reminder.subject.startswith("Soon-2 ")
    assert due.timestamp() <= reminder.at < due.timestamp() + 3  # not early, and on time
    by_booking = {m.booking_uid: m for m in await messages_of(app, timed=True)}
    assert by_booking[a["uid"]].status == "sent" and by_booking[a["uid"]].scheduled_at == due
    assert (by_booking[b["uid"]].status, by_booking[b["uid"]].note) == (
        "cancelled",
        "cancelled: the booking was cancelled",
    )
    assert (by_booking[c["uid"]].status, by_booking[c["uid"]].note) == (
        "cancelled",
        "cancelled: the booking was rescheduled",
    )
    # The rescheduled booking's reminder waits for its new time.
    assert by_booking[moved["uid"]].status == "scheduled"
    assert by_booking[moved["uid"]].scheduled_at == due + timedelta(minutes=26)
    count = len(smtp.messages())
    await time_comes(app, job_loop, booking_uid=moved["uid"])
    [late] = (await smtp.wait_for(count + 1))[count:]
    assert late.to == "c@example.com" and late.subject.startswith("Soon-4 ")


@BOTH_DATABASES
async def test_a_workflow_added_later_reaches_existing_bookings(app, client, alice, event_types, smtp, job_loop):
    first = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    second = await booked(
        client, event_types.regular, at(TUESDAY, "09:00"), attendee={**ATTENDEE, "email": "sam@example.com"}
    )
    other_kind = await booked(client, event_types.variable, at(MONDAY, "15:00"))
    await settle(app)
    workflow = await create_workflow(
        client,
        alice,
        activation={"isActiveOnAllEventTypes": False, "activeOnEventTypeIds": [event_types.regular]},
        trigger={"type": "beforeEvent", "offset": {"value": 1, "unit": "hour"}},
    )
    await settle(app)
    planned = await messages_of(app, workflow_id=workflow["id"])
    assert sorted((m.booking_uid, m.recipient, m.status, m.scheduled_at.isoformat()) for m in planned) == sorted(
        [
            (first["uid"], "jane@example.com", "scheduled", "2050-09-05T09:00:00+00:00"),
            (second["uid"], "sam@example.com", "scheduled", "2050-09-06T08:00:00+00:00"),
        ]
    )
    assert all(m.booking_uid != other_kind["uid"] for m in planned)
    # A new offset moves them.
    response = await client.patch(
        f"/v2/workflows/{workflow['id']}",
        json={"trigger": {"type": "beforeEvent", "offset": {"value": 1, "unit": "day"}}},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    await settle(app)
    rows = await messages_of(app, workflow_id=workflow["id"])
    assert sorted((m.status, m.scheduled_at.isoformat()) for m in rows) == [
        ("cancelled", "2050-09-05T09:00:00+00:00"),
        ("cancelled", "2050-09-06T08:00:00+00:00"),
        ("scheduled", "2050-09-04T10:00:00+00:00"),
        ("scheduled", "2050-09-05T09:00:00+00:00"),
    ]
    # Activated on the other event type too: its booking gets one.
    response = await client.patch(
        f"/v2/workflows/{workflow['id']}",
        json={"activation": {"isActiveOnAllEventTypes": True, "activeOnEventTypeIds": []}},
        headers=alice.headers,
    )
    await settle(app)
    scheduled = [m for m in await messages_of(app, workflow_id=workflow["id"]) if m.status == "scheduled"]
    assert sorted(m.booking_uid for m in scheduled) == sorted([first["uid"], second["uid"], other_kind["uid"]])
    # Its time comes: sent, rendered.
    await time_comes(app, job_loop, booking_uid=first["uid"])
    [sent] = [m for m in await smtp.wait_for(7) if m.subject.startswith("Reminder:")]
    assert sent.to == "jane@example.com"
    assert sent.subject == "Reminder: Regular between Alice and Jane Booker at 12:00pm (Europe/Rome)"
    assert "Hi Jane, see you on Mon, Sep 5, 2050 12:00pm." in sent.part("text/html")
    assert str(sent.message["From"]) == "Alice's Studio <notifications@calapi.test>"
    await settle(app)
    log = await client.get(f"/v2/workflows/{workflow['id']}/messages", headers=alice.headers)
    assert log.status_code == 200
    states = sorted((e["bookingUid"] == first["uid"], e["status"], e["trigger"]) for e in log.json()["data"])
    assert (True, "sent", "beforeEvent") in states
    # Deleted: what still waits is cancelled, never sent.
    await client.delete(f"/v2/workflows/{workflow['id']}", headers=alice.headers)
    left = await messages_of(app, booking_uid=second["uid"], timed=True)
    assert {(m.status, m.note) for m in left if m.scheduled_at.day == 5} == {
        ("cancelled", "cancelled: the workflow was deleted")
    }


async def test_after_downtime_a_late_reminder_is_sent_inside_the_window_and_missed_outside(
    app, client, alice, event_types, smtp
):
    await create_workflow(client, alice, trigger={"type": "beforeEvent", "offset": {"value": 1, "unit": "day"}})
    first = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    second = await booked(
        client, event_types.regular, at(MONDAY, "11:00"), attendee={**ATTENDEE, "email": "sam@example.com"}
    )

    async def run_worker_until_settled() -> None:
        worker = jobs.Worker(app.state.sessionmaker, poll_interval=0.05)
        task = asyncio.create_task(worker.run())
        await settle(app)
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    await run_worker_until_settled()  # planning; then the server stops
    booking_emails = len(smtp.messages())
    worker = jobs.Worker(app.state.sessionmaker, poll_interval=0.05)
    # While it is down, both reminders' times pass: one 40 minutes ago, one 3 hours ago.
    await time_comes(app, worker, booking_uid=first["uid"], late=timedelta(minutes=40))
    await time_comes(app, worker, booking_uid=second["uid"], late=timedelta(hours=3))
    await run_worker_until_settled()  # the restart
    [sent] = smtp.messages()[booking_emails:]
    assert sent.to == "jane@example.com"
    [missed] = await messages_of(app, booking_uid=second["uid"], timed=True)
    assert missed.status == "missed" and missed.sent_at is None
    assert missed.note is not None and missed.note.startswith("missed: due at ")
    assert "outside the catch-up window of 1 h" in missed.note


async def test_workflow_steps_fire_on_booking_events(app, client, alice, event_types, smtp, twilio, job_loop):
    step = workflow_body()["steps"][0]
    ops = {
        **step,
        "action": "email_address",
        "recipient": "email",
        "email": "ops@example.com",
        "includeCalendarEvent": True,
        "message": {"subject": "{EVENT_NAME}: {ATTENDEE_NAME}", "html": "<p>{LOCATION} {CANCEL_REASON}</p>"},
    }
    for trigger in ("newEvent", "eventCancelled", "rescheduleEvent", "bookingRequested", "bookingRejected"):
        await create_workflow(
            client,
            alice,
            name=trigger,
            trigger={"type": trigger},
            steps=[{**ops, "message": {**ops["message"], "subject": f"{trigger} " + ops["message"]["subject"]}}],
        )
    booking = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    moved = (
        await client.post(
            f"/v2/bookings/{booking['uid']}/reschedule", json={"start": at(MONDAY, "12:00")}, headers=v2()
        )
    ).json()["data"]
    await client.post(f"/v2/bookings/{moved['uid']}/cancel", json={"cancellationReason": "Ill"}, headers=v2())
    pending = await booked(
        client, event_types.confirm, at(MONDAY, "14:00"), attendee={**ATTENDEE, "email": "sam@example.com"}
    )
    await client.post(f"/v2/bookings/{pending['uid']}/decline", json={"reason": "No"}, headers=v2(alice))
    await settle(app)
    to_ops = {m.subject.split(" ")[0]: m for m in smtp.to("ops@example.com")}
    assert len(smtp.to("ops@example.com")) == 5
    assert sorted(to_ops) == ["bookingRejected", "bookingRequested", "eventCancelled", "newEvent", "rescheduleEvent"]
    cancelled = to_ops["eventCancelled"]
    assert "Cal Video Ill" in cancelled.part("text/html")
    assert cancelled.calendar()  # includeCalendarEvent
    assert b"METHOD:CANCEL" in cancelled.calendar()
    async with app.state.sessionmaker() as session:
        sources = (
            await session.scalars(select(WorkflowMessage.source).where(WorkflowMessage.recipient == "ops@example.com"))
        ).all()
    assert set(sources) == {"workflow"}


async def test_a_no_show_stops_the_follow_up_to_whoever_was_absent(app, client, alice, event_types, smtp, job_loop):
    follow_up = workflow_body(
        name="Thanks",
        trigger={"type": "afterEvent", "offset": {"value": 1, "unit": "hour"}},
        steps=[{**workflow_body()["steps"][0], "template": "completed", "message": {"subject": "", "html": ""}}],
    )
    assert (await client.post("/v2/workflows", json=follow_up, headers=alice.headers)).status_code == 201
    booking = await booked(client, event_types.regular, at(MONDAY, "10:00"), guests=["guest@example.com"])
    await settle(app)
    planned = await messages_of(app, booking_uid=booking["uid"], timed=True)
    assert sorted((m.recipient, m.scheduled_at.isoformat()) for m in planned) == [
        ("guest@example.com", "2050-09-05T11:30:00+00:00"),
        ("jane@example.com", "2050-09-05T11:30:00+00:00"),
    ]
    app.dependency_overrides[request_now] = lambda: datetime(2050, 9, 5, 10, 45, tzinfo=UTC)
    try:
        response = await client.post(
            f"/v2/bookings/{booking['uid']}/mark-absent",
            json={"attendees": [{"email": "guest@example.com", "absent": True}]},
            headers=v2(alice),
        )
    finally:
        app.dependency_overrides.pop(request_now, None)
    assert response.status_code == 200, response.text
    await settle(app)
    states = {m.recipient: (m.status, m.note) for m in await messages_of(app, booking_uid=booking["uid"], timed=True)}
    assert states["jane@example.com"] == ("scheduled", None)
    assert states["guest@example.com"][0] == "cancelled"
    await time_comes(app, job_loop, booking_uid=booking["uid"])
    count = len(smtp.messages())
    started = time.monotonic()
    while len(smtp.messages()) == count and time.monotonic() - started < 10:
        await asyncio.sleep(0.05)
    await settle(app)
    [thanks] = smtp.messages()[count:]
    assert (
        thanks.to == "jane@example.com"
        and thanks.subject == "Thank you for attending Regular between Alice and Jane Booker"
    )
