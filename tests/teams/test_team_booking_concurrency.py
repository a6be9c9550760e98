"""40 simultaneous bookings of one round-robin slot with 4 free hosts, against real server processes:
exactly 4 bookings, one per host, and 36 × 409 (SQLite: one process; PostgreSQL: two processes)."""

from __future__ import annotations

from contextlib import ExitStack

from sqlalchemy import select

from calapi.bookings.models import Booking
from tests.bookings.conftest import ATTENDEE, MONDAY, at, booking_body
from tests.bookings.test_concurrency import fire, servers_for, start_servers
from tests.conftest import BOTH_DATABASES
from tests.teams.team_booking_helpers import team_event, team_of


@BOTH_DATABASES
async def test_forty_simultaneous_bookings_of_one_round_robin_slot_give_one_per_host(app, client, alice, database_url):
    team_id, users = await team_of(app, client, alice, ["bob", "carol", "dave"])
    event_id = await team_event(client, alice, team_id, "demo", "roundRobin", [{"userId": u.id} for u in users])
    bodies = [
        booking_body(event_id, at(MONDAY, "10:00"), attendee={**ATTENDEE, "email": f"b{i}@example.com"})
        for i in range(40)
    ]
    with ExitStack() as stack:
        bases = start_servers(stack, database_url, servers_for(database_url))
        responses = await fire(bases, bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 4 + [409] * 36, [r.text for r in responses if r.status_code not in (201, 409)]
    winners = sorted(r.json()["data"]["hosts"][0]["id"] for r in responses if r.status_code == 201)
    assert winners == sorted(u.id for u in users)
    for loser in (r for r in responses if r.status_code == 409):
        assert (
            loser.json()["error"]["message"]
            == "One of the hosts either already has booking at this time or is not available"
        )
    async with app.state.sessionmaker() as session:
        organizers = (await session.scalars(select(Booking.user_id).where(Booking.event_type_id == event_id))).all()
    assert sorted(organizers) == sorted(u.id for u in users)
