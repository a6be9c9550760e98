"""Simultaneous confirms of overlapping pending bookings against real server processes: at most one wins.

The bookings need confirmation and their event does not block unconfirmed time, so twenty pending
bookings of one host overlap. Confirming is a compare-and-swap under the host lock with an engine
re-check, so exactly one becomes accepted and the others get 409 and stay pending.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack

import httpx
from sqlalchemy import func, select

from calapi.bookings.models import Booking
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, make_event_type, v2
from tests.conftest import BOTH_DATABASES
from tests.support.servers import running_server

SERVER_SETTINGS = {"rate_limit": "100000/minute", "run_worker": "false"}
CONFIRMS = 20


@BOTH_DATABASES
async def test_twenty_simultaneous_confirms_of_overlapping_bookings_accept_one(
    app, client, alice, host_schedule, database_url
):
    event_type = await make_event_type(
        client, alice, "open-confirm", confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": False}
    )
    uids = []
    for i in range(CONFIRMS):
        # Staggered by a minute: every pair overlaps, no two are the same booking.
        response = await book(
            client, event_type, at(MONDAY, f"10:{i:02d}"), attendee={**ATTENDEE, "email": f"p{i}@example.com"}
        )
        assert response.status_code == 201, response.text
        assert response.json()["data"]["status"] == "pending"
        uids.append(response.json()["data"]["uid"])

    servers = 2 if database_url.startswith("postgresql") else 1
    with ExitStack() as stack:
        bases = [
            stack.enter_context(running_server(database_url=database_url, **SERVER_SETTINGS)) for _ in range(servers)
        ]
        limits = httpx.Limits(max_connections=CONFIRMS, max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            responses = await asyncio.gather(
                *(
                    http.post(f"{bases[i % servers]}/v2/bookings/{uid}/confirm", headers=v2(alice))
                    for i, uid in enumerate(uids)
                )
            )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (CONFIRMS - 1), [r.text for r in responses if r.status_code not in (200, 409)]
    for loser in (r for r in responses if r.status_code == 409):
        assert "its host already has an accepted booking" in loser.json()["error"]["message"]
    async with app.state.sessionmaker() as session:
        accepted = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.event_type_id == event_type, Booking.status == "accepted")
        )
        pending = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.event_type_id == event_type, Booking.status == "pending")
        )
    assert (accepted, pending) == (1, CONFIRMS - 1)
