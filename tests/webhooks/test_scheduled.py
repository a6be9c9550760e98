"""MEETING_STARTED / MEETING_ENDED: sent when their time comes (flat body, signed), to subscriptions
added after the booking too; past the catch-up window they are marked expired in the log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from calapi.db import begin_write, utcnow
from calapi.jobs.models import DomainEvent, Job
from tests.bookings.conftest import MONDAY, at, book, v2
from tests.webhooks.conftest import SECRET, deliveries, settle, subscribe
from tests.webhooks.receiver import verify_cal, verify_standard


async def _time_comes(app, uid: str, trigger: str, *, late: timedelta = timedelta(0)) -> None:
    """Move the event's deferred dispatch to now (minus ``late``), as if the clock had reached it."""
    async with app.state.sessionmaker() as session:
        await begin_write(session)
        event_id = await session.scalar(
            select(DomainEvent.id).where(DomainEvent.subject_uid == uid, DomainEvent.trigger == trigger)
        )
        await session.execute(
            update(Job)
            .where(Job.kind == "events.dispatch", Job.payload["eventId"].as_integer() == event_id)
            .values(run_at=utcnow() - late)
        )
        await session.commit()
    app.state.test_worker.wake()


async def test_meeting_started_reaches_a_subscription_added_after_the_booking(
    app, client, alice, event_types, receiver, job_loop
):
    app.state.test_worker = job_loop
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    await subscribe(client, alice, receiver.url, ["MEETING_STARTED", "MEETING_ENDED"])
    await settle(app)
    assert receiver.requests == []  # nothing before its time
    await _time_comes(app, booking["uid"], "MEETING_STARTED")
    [request] = await receiver.wait_for(1)
    body = request.json()
    assert body["triggerEvent"] == "MEETING_STARTED" and "payload" not in body  # Cal.com's flat shape
    assert body["uid"] == booking["uid"] and body["startTime"] == "2050-09-05T10:00:00.000Z"
    assert verify_cal(SECRET, request) and verify_standard(SECRET, request)


async def test_a_cancelled_booking_sends_no_meeting_events(app, client, alice, event_types, receiver, job_loop):
    app.state.test_worker = job_loop
    await subscribe(client, alice, receiver.url, ["MEETING_STARTED", "MEETING_ENDED"])
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    await client.post(f"/v2/bookings/{booking['uid']}/cancel", json={"cancellationReason": "x"}, headers=v2())
    async with app.state.sessionmaker() as session:
        left = (
            await session.scalars(select(DomainEvent.trigger).where(DomainEvent.subject_uid == booking["uid"]))
        ).all()
    assert sorted(left) == ["BOOKING_CANCELLED", "BOOKING_CREATED"]


async def test_a_rescheduled_booking_sends_at_the_new_time(app, client, alice, event_types, receiver, job_loop):
    app.state.test_worker = job_loop
    await subscribe(client, alice, receiver.url, ["MEETING_ENDED"])
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    moved = (
        await client.post(
            f"/v2/bookings/{booking['uid']}/reschedule", json={"start": at(MONDAY, "14:00")}, headers=v2()
        )
    ).json()["data"]
    await _time_comes(app, moved["uid"], "MEETING_ENDED")
    [request] = await receiver.wait_for(1)
    assert request.json()["endTime"] == "2050-09-05T14:30:00.000Z"


async def test_late_past_the_catch_up_window_is_expired_in_the_log(app, client, alice, event_types, receiver, job_loop):
    app.state.test_worker = job_loop
    hook = await subscribe(client, alice, receiver.url, ["MEETING_STARTED", "MEETING_ENDED"])
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    await _time_comes(app, booking["uid"], "MEETING_STARTED", late=timedelta(hours=25))  # after a long downtime
    await _time_comes(app, booking["uid"], "MEETING_ENDED", late=timedelta(hours=23))  # still within 24 h
    [request] = await receiver.wait_for(1)
    await settle(app)
    assert request.json()["triggerEvent"] == "MEETING_ENDED"
    by_trigger = {d.trigger: d for d in await deliveries(app)}
    assert by_trigger["MEETING_STARTED"].status == "expired" and "late" in by_trigger["MEETING_STARTED"].note
    assert by_trigger["MEETING_ENDED"].status == "succeeded"
    expired = (await client.get(f"/v2/webhooks/{hook['id']}/deliveries?status=expired", headers=alice.headers)).json()[
        "data"
    ]
    assert [d["triggerEvent"] for d in expired] == ["MEETING_STARTED"]
