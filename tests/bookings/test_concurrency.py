"""Simultaneous creates against real server processes (real sockets): no double booking, no extra seat.

SQLite: one server process (one writer at a time, BEGIN IMMEDIATE). PostgreSQL: two server
processes on one database, requests spread over both, so only the database can keep them apart.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack

import httpx
from sqlalchemy import func, select

from calapi.bookings.models import Booking, BookingSeat
from tests.bookings.conftest import ATTENDEE, MONDAY, SEATS, at, booking_body, v2
from tests.conftest import BOTH_DATABASES
from tests.support.servers import running_server

SERVER_SETTINGS = {"rate_limit": "100000/minute", "run_worker": "false"}


def start_servers(stack: ExitStack, database_url: str, count: int) -> list[str]:
    return [stack.enter_context(running_server(database_url=database_url, **SERVER_SETTINGS)) for _ in range(count)]


async def fire(bases: list[str], bodies: list[dict], headers: dict[str, str] | None = None) -> list[httpx.Response]:
    """All bodies at once, spread round-robin over the servers; every request gets its own connection."""
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        return await asyncio.gather(
            *(
                http.post(f"{bases[i % len(bases)]}/v2/bookings", json=body, headers=v2(**(headers or {})))
                for i, body in enumerate(bodies)
            )
        )


async def count(app, model, *where) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


def servers_for(database_url: str) -> int:
    return 2 if database_url.startswith("postgresql") else 1


@BOTH_DATABASES
async def test_fifty_simultaneous_creates_for_one_slot_make_one_booking(app, database_url, event_types):
    with ExitStack() as stack:
        bases = start_servers(stack, database_url, servers_for(database_url))
        bodies = [
            booking_body(event_types.regular, at(MONDAY, "10:00"), attendee={**ATTENDEE, "email": f"b{i}@example.com"})
            for i in range(50)
        ]
        responses = await fire(bases, bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 49, [r.text for r in responses if r.status_code not in (201, 409)]
    for loser in (r for r in responses if r.status_code == 409):
        assert loser.json()["error"]["message"] == "User either already has booking at this time or is not available"
    assert await count(app, Booking, Booking.event_type_id == event_types.regular) == 1


@BOTH_DATABASES
async def test_thirty_simultaneous_seat_requests_fill_five_seats(app, database_url, event_types):
    with ExitStack() as stack:
        bases = start_servers(stack, database_url, servers_for(database_url))
        bodies = [
            booking_body(event_types.seated, at(MONDAY, "12:00"), attendee={**ATTENDEE, "email": f"s{i}@example.com"})
            for i in range(30)
        ]
        responses = await fire(bases, bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * SEATS + [409] * (30 - SEATS), [
        r.text for r in responses if r.status_code not in (201, 409)
    ]
    assert len({r.json()["data"]["uid"] for r in responses if r.status_code == 201}) == 1  # one meeting
    assert await count(app, Booking, Booking.event_type_id == event_types.seated) == 1
    assert await count(app, BookingSeat) == SEATS
