"""Insights tests: a team with one user per role in five zones, its event types, a frozen clock, and
bookings written straight into the tables (insights only read them; ``created_at`` must be chosen).

The clock stands at ``NOW`` (a Wednesday in March 2030); Europe/Berlin moves to summer time on
2030-03-31 and back on 2030-10-27, America/New_York on 2030-03-10 and 2030-11-03.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, insert

from calapi.bookings.models import Attendee, Booking, BookingHost
from calapi.core.clock import request_now
from calapi.event_types.models import EventType
from tests.support.factories import TestUser, make_user
from tests.teams.conftest import add_member, make_team

NOW = datetime(2030, 3, 20, 12, 0, 30, tzinfo=UTC)  # whole-minute bookings never end exactly now
INSIGHTS = "/v2/insights/bookings"


@dataclass(frozen=True)
class Guest:
    name: str
    email: str
    absent: bool = False


@dataclass(frozen=True)
class BookingSpec:
    organizer: int
    start: datetime
    minutes: int = 30
    created: datetime | None = None
    event_type: int | None = None
    status: str = "accepted"
    series: str | None = None
    rescheduled: bool = False
    from_reschedule: str | None = None
    absent_host: bool = False
    rating: int | None = None
    guests: tuple[Guest, ...] = (Guest("Jane Booker", "jane@guests.test"),)
    co_hosts: tuple[int, ...] = ()
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class World:
    team_id: int
    other_team_id: int
    owner: TestUser
    admin: TestUser
    member: TestUser
    member2: TestUser
    outsider: TestUser
    zones: dict[int, str]  # user id → time zone
    team_types: tuple[int, ...]  # collective, round robin, managed parent
    managed_parent: int
    children: dict[int, int]  # member id → their child of the managed type
    personal: dict[int, int]  # user id → a personal event type
    other_team_type: int

    @property
    def users(self) -> list[TestUser]:
        return [self.owner, self.admin, self.member, self.member2, self.outsider]

    @property
    def team_members(self) -> list[TestUser]:
        return [self.owner, self.admin, self.member, self.member2]

    def user(self, user_id: int) -> TestUser:
        return next(u for u in self.users if u.id == user_id)


ZONES = {
    "owen": "Europe/Berlin",
    "ada": "America/New_York",
    "mia": "Asia/Kolkata",
    "max": "Australia/Lord_Howe",  # a 30-minute DST shift
    "olga": "UTC",
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """The agreement test asks many questions a minute; the rate limit is tested elsewhere."""
    return {"rate_limit": "100000/minute"}


@pytest.fixture
def frozen(app: FastAPI) -> datetime:
    app.dependency_overrides[request_now] = lambda: NOW
    return NOW


async def _event_type(app: FastAPI, **fields: Any) -> int:
    async with app.state.sessionmaker() as session:
        row = EventType(length_in_minutes=30, title=fields["slug"].title(), **fields)
        session.add(row)
        await session.commit()
        return row.id


@pytest.fixture
async def world(app: FastAPI, client: httpx.AsyncClient, frozen: datetime) -> World:
    users = {name: await make_user(app, name, time_zone=zone) for name, zone in ZONES.items()}
    owner, admin, member, member2, outsider = (users[n] for n in ("owen", "ada", "mia", "max", "olga"))
    team = await make_team(client, owner, "Sales")
    await add_member(client, team["id"], owner, admin, "ADMIN")
    await add_member(client, team["id"], owner, member)
    await add_member(client, team["id"], owner, member2)
    other = await make_team(client, outsider, "Elsewhere")
    collective = await _event_type(app, slug="meet-all", team_id=team["id"], scheduling_type="COLLECTIVE")
    round_robin = await _event_type(app, slug="meet-one", team_id=team["id"], scheduling_type="ROUND_ROBIN")
    managed = await _event_type(app, slug="managed", team_id=team["id"], scheduling_type="MANAGED")
    children = {
        u.id: await _event_type(app, slug="managed", owner_id=u.id, parent_id=managed) for u in (member, member2)
    }
    personal = {u.id: await _event_type(app, slug=f"own-{u.username}", owner_id=u.id) for u in users.values()}
    other_type = await _event_type(app, slug="elsewhere", team_id=other["id"], scheduling_type="COLLECTIVE")
    return World(
        team_id=team["id"],
        other_team_id=other["id"],
        owner=owner,
        admin=admin,
        member=member,
        member2=member2,
        outsider=outsider,
        zones={u.id: ZONES[name] for name, u in users.items()},
        team_types=(collective, round_robin, managed),
        managed_parent=managed,
        children=children,
        personal=personal,
        other_team_type=other_type,
    )


async def insert_bookings(app: FastAPI, specs: Sequence[BookingSpec], emails: dict[int, str]) -> dict[str, int]:
    """Write the bookings, their attendees and co-host rows (a co-host is an attendee too, with
    the co-host's own address, as booking writes it). Returns uid → id."""
    if not specs:
        return {}
    rows = [
        {
            "uid": s.uid,
            "user_id": s.organizer,
            "event_type_id": s.event_type,
            "title": f"Meeting {i}",
            "start_time": s.start,
            "end_time": s.start + timedelta(minutes=s.minutes),
            "status": s.status,
            "recurring_event_id": s.series,
            "from_reschedule": s.from_reschedule,
            "rescheduled": s.rescheduled,
            "absent_host": s.absent_host,
            "rating": s.rating,
            "responses": {},
            "booking_metadata": {},
            "created_at": s.created or s.start - timedelta(days=1),
            "updated_at": s.created or s.start - timedelta(days=1),
        }
        for i, s in enumerate(specs)
    ]
    async with app.state.sessionmaker() as session:
        result = await session.execute(insert(Booking).returning(Booking.id, Booking.uid), rows)
        ids = {uid: booking_id for booking_id, uid in result.all()}
        attendees = [
            {"booking_id": ids[s.uid], "name": g.name, "email": g.email, "time_zone": "UTC", "absent": g.absent}
            for s in specs
            for g in s.guests
        ] + [
            {"booking_id": ids[s.uid], "name": f"Host {h}", "email": emails[h], "time_zone": "UTC", "absent": False}
            for s in specs
            for h in s.co_hosts
        ]
        if attendees:
            await session.execute(insert(Attendee), attendees)
        co_hosts = [{"booking_id": ids[s.uid], "user_id": h} for s in specs for h in s.co_hosts]
        if co_hosts:
            await session.execute(insert(BookingHost), co_hosts)
        await session.commit()
    return ids


async def clear_bookings(app: FastAPI) -> None:
    async with app.state.sessionmaker() as session:
        for table in (BookingHost, Attendee, Booking):
            await session.execute(delete(table))
        await session.commit()


async def ask(
    client: httpx.AsyncClient, user: TestUser | None, what: str, body: dict[str, Any], status: int = 200
) -> Any:
    """``POST /v2/insights/bookings/<what>``; the answer's ``data`` (or the whole body when refused)."""
    response = await client.post(f"{INSIGHTS}/{what}", json=body, headers=user.headers if user else {})
    assert response.status_code == status, response.text
    payload = response.json()
    return payload["data"] if status == 200 else payload


def created_between(start: str, end: str) -> dict[str, Any]:
    return {"id": "createdAt", "value": {"type": "dr", "data": {"startDate": start, "endDate": end, "preset": "c"}}}


def started_between(start: str, end: str) -> dict[str, Any]:
    return {"id": "startTime", "value": {"type": "dr", "data": {"startDate": start, "endDate": end, "preset": "c"}}}
