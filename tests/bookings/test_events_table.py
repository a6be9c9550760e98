"""Every lifecycle transition writes exactly its domain events (the outbox), read back from domain_events."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from calapi.core.clock import request_now
from calapi.jobs.models import DomainEvent, Job
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, v2


async def last_event_id(app) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.coalesce(func.max(DomainEvent.id), 0))))


async def events_since(app, after: int) -> list[tuple[str, str]]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            select(DomainEvent.trigger, DomainEvent.subject_uid).where(DomainEvent.id > after).order_by(DomainEvent.id)
        )
        return [tuple(r) for r in rows.all()]


async def meeting_events_of(app, uid: str) -> list[str]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(DomainEvent.trigger)
            .where(DomainEvent.subject_uid == uid, DomainEvent.trigger.like("MEETING_%"))
            .order_by(DomainEvent.id)
        )
        return list(rows.all())


async def test_each_transition_writes_exactly_its_events(app, client, alice, event_types):
    clock_now = {"now": datetime(2050, 9, 1, tzinfo=UTC)}
    app.dependency_overrides[request_now] = lambda: clock_now["now"]
    table = []  # (transition, expected [(trigger, subject)], written)

    async def step(name, call, expected):
        before = await last_event_id(app)
        response = await call()
        assert response.status_code in (200, 201), (name, response.text)
        data = response.json()["data"]
        table.append((name, expected(data), await events_since(app, before)))
        return data

    accepted = await step(
        "create accepted",
        lambda: book(client, event_types.regular, at(MONDAY, "10:00")),
        lambda d: [("BOOKING_CREATED", d["uid"]), ("MEETING_STARTED", d["uid"]), ("MEETING_ENDED", d["uid"])],
    )
    pending = await step(
        "create pending",
        lambda: book(client, event_types.confirm, at(MONDAY, "11:00")),
        lambda d: [("BOOKING_REQUESTED", d["uid"])],
    )
    await step(
        "confirm",
        lambda: client.post(f"/v2/bookings/{pending['uid']}/confirm", headers=v2(alice)),
        lambda d: [("BOOKING_CREATED", d["uid"]), ("MEETING_STARTED", d["uid"]), ("MEETING_ENDED", d["uid"])],
    )
    to_decline = (await book(client, event_types.confirm, at(MONDAY, "12:00"))).json()["data"]
    await step(
        "decline",
        lambda: client.post(f"/v2/bookings/{to_decline['uid']}/decline", json={"reason": "No"}, headers=v2(alice)),
        lambda d: [("BOOKING_REJECTED", d["uid"])],
    )
    moved = await step(
        "reschedule",
        lambda: client.post(
            f"/v2/bookings/{accepted['uid']}/reschedule", json={"start": at(MONDAY, "13:00")}, headers=v2()
        ),
        lambda d: [("BOOKING_RESCHEDULED", d["uid"]), ("MEETING_STARTED", d["uid"]), ("MEETING_ENDED", d["uid"])],
    )
    assert await meeting_events_of(app, accepted["uid"]) == []  # the old booking's meeting events went with it
    await step(
        "cancel",
        lambda: client.post(f"/v2/bookings/{moved['uid']}/cancel", json={"cancellationReason": "Off"}, headers=v2()),
        lambda d: [("BOOKING_CANCELLED", d["uid"])],
    )
    assert await meeting_events_of(app, moved["uid"]) == []
    seat = (await book(client, event_types.seated, at(MONDAY, "14:00"))).json()["data"]
    await book(client, event_types.seated, at(MONDAY, "14:00"), attendee={**ATTENDEE, "email": "sam@example.com"})
    await step(
        "cancel one seat",
        lambda: client.post(f"/v2/bookings/{seat['uid']}/cancel", json={"seatUid": seat["seatUid"]}, headers=v2()),
        lambda d: [("BOOKING_CANCELLED", d["uid"])],
    )
    assert await meeting_events_of(app, seat["uid"]) == ["MEETING_STARTED", "MEETING_ENDED"]  # the meeting goes on
    await step(
        "location update",
        lambda: client.patch(
            f"/v2/bookings/{pending['uid']}/location",
            json={"location": {"type": "address", "address": "Rome"}},
            headers=v2(alice),
        ),
        lambda d: [("BOOKING_LOCATION_UPDATED", d["uid"])],
    )
    clock_now["now"] = datetime(2050, 9, 5, 12, tzinfo=UTC)
    await step(
        "mark-absent",
        lambda: client.post(
            f"/v2/bookings/{pending['uid']}/mark-absent",
            json={"attendees": [{"email": ATTENDEE["email"], "absent": True}]},
            headers=v2(alice),
        ),
        lambda d: [("BOOKING_NO_SHOW_UPDATED", d["uid"])],
    )

    for name, expected, written in table:
        assert written == expected, name
    assert [name for name, _, _ in table] == [
        "create accepted",
        "create pending",
        "confirm",
        "decline",
        "reschedule",
        "cancel",
        "cancel one seat",
        "location update",
        "mark-absent",
    ]
    # Every remaining event has its dispatch job (the outbox pairs them in one transaction).
    async with app.state.sessionmaker() as session:
        events = int(await session.scalar(select(func.count()).select_from(DomainEvent)))
        jobs = int(await session.scalar(select(func.count()).select_from(Job).where(Job.kind == "events.dispatch")))
    assert events == jobs
