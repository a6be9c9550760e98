"""Test data for the slot tests: schedules, event types, bookings and holds written as rows.

Rows rather than the schedules / event-types services: those services are being built beside
this work and their signatures move; the rows are the contract the slot loaders read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import FastAPI

from calapi.availability.models import SlotReservation
from calapi.bookings.models import Booking
from calapi.event_types.models import EventType
from calapi.schedules.models import Availability, Schedule
from calapi.users.models import User

WORKING_WEEK = (((1, 2, 3, 4, 5), time(9), time(17)),)  # Monday–Friday 09:00–17:00


async def give_schedule(
    app: FastAPI,
    user_id: int,
    *,
    time_zone: str = "Europe/London",
    weekly: Sequence[tuple[Iterable[int], time, time]] = WORKING_WEEK,
    overrides: Sequence[tuple[date, time, time]] = (),
    make_default: bool = True,
) -> int:
    async with app.state.sessionmaker() as session:
        schedule = Schedule(user_id=user_id, name="Working hours", time_zone=time_zone)
        session.add(schedule)
        await session.flush()
        for days, start, end in weekly:
            session.add(Availability(schedule_id=schedule.id, days=sorted(days), start_time=start, end_time=end))
        for on_date, start, end in overrides:
            session.add(Availability(schedule_id=schedule.id, date=on_date, start_time=start, end_time=end))
        if make_default:
            user = await session.get(User, user_id)
            assert user is not None
            user.default_schedule_id = schedule.id
        await session.commit()
        return schedule.id


async def make_event_type(
    app: FastAPI, owner_id: int, *, slug: str = "thirty", length: int = 30, **columns: Any
) -> int:
    columns.setdefault("minimum_booking_notice", 0)
    async with app.state.sessionmaker() as session:
        event = EventType(owner_id=owner_id, title=slug.title(), slug=slug, length_in_minutes=length, **columns)
        session.add(event)
        await session.commit()
        return event.id


async def add_bookings(
    app: FastAPI,
    user_id: int,
    event_type_id: int | None,
    spans: Iterable[tuple[datetime, datetime]],
    *,
    status: str = "accepted",
) -> list[str]:
    uids = []
    async with app.state.sessionmaker() as session:
        for start, end in spans:
            uid = uuid.uuid4().hex
            uids.append(uid)
            session.add(
                Booking(
                    uid=uid,
                    user_id=user_id,
                    event_type_id=event_type_id,
                    title="Meeting",
                    start_time=start,
                    end_time=end,
                    status=status,
                )
            )
        await session.commit()
    return uids


async def add_hold(
    app: FastAPI,
    user_id: int,
    event_type_id: int,
    start: datetime,
    minutes: int,
    release_at: datetime,
    *,
    uid: str | None = None,
) -> str:
    uid = uid or str(uuid.uuid4())
    async with app.state.sessionmaker() as session:
        session.add(
            SlotReservation(
                uid=uid,
                event_type_id=event_type_id,
                user_id=user_id,
                slot_start=start,
                slot_end=start + timedelta(minutes=minutes),
                release_at=release_at,
            )
        )
        await session.commit()
    return uid
