"""The availability cache across server processes sharing one database and one Redis.

Two ``calapi serve`` processes, each keeping listings in memory: a change made through one shows
in the other's next listing; fifty simultaneous creates on one slot, spread over both with their
caches warm, still make exactly one booking; and a listing a cache got wrong never lets a booking
through.
"""

from __future__ import annotations

from contextlib import ExitStack

import httpx
import pytest
from sqlalchemy import insert

from calapi.bookings.models import Booking
from calapi.db import make_engine
from tests.availability.support import changes_show_in_the_next_listing, listed
from tests.availability.test_cache_in_process import monday
from tests.bookings.conftest import ATTENDEE, MONDAY, at, booking_body, v2
from tests.bookings.test_concurrency import SERVER_SETTINGS, count, fire
from tests.conftest import BOTH_DATABASES
from tests.support.servers import running_server

pytestmark = pytest.mark.redis


@pytest.fixture
def settings_overrides(redis_url: str) -> dict[str, str]:
    """The test's own app publishes to the same Redis (the data it sets up are changes too)."""
    return {"redis_url": redis_url}


def two_servers(stack: ExitStack, database_url: str, redis_url: str) -> list[str]:
    return [
        stack.enter_context(running_server(database_url=database_url, redis_url=redis_url, **SERVER_SETTINGS))
        for _ in range(2)
    ]


@BOTH_DATABASES
async def test_a_change_through_one_process_shows_in_the_others_next_listing(
    app, alice, event_types, host_schedule, database_url, redis_url
):
    with ExitStack() as stack:
        writer, reader = two_servers(stack, database_url, redis_url)
        async with httpx.AsyncClient(timeout=60) as http:
            await changes_show_in_the_next_listing(
                http, http, alice, event_types, host_schedule, writer_base=writer, reader_base=reader
            )


@BOTH_DATABASES
async def test_fifty_creates_on_one_slot_with_warm_caches_make_one_booking(app, event_types, database_url, redis_url):
    with ExitStack() as stack:
        bases = two_servers(stack, database_url, redis_url)
        async with httpx.AsyncClient(timeout=60) as http:
            for base in bases:  # both caches hold the slot as free
                assert "10:00" in await listed(http, event_types.regular, base)
                assert "10:00" in await listed(http, event_types.regular, base)
            bodies = [
                booking_body(
                    event_types.regular, at(MONDAY, "10:00"), attendee={**ATTENDEE, "email": f"b{i}@example.com"}
                )
                for i in range(50)
            ]
            responses = await fire(bases, bodies)
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [201] + [409] * 49, [r.text for r in responses if r.status_code not in (201, 409)]
            for base in bases:
                assert "10:00" not in await listed(http, event_types.regular, base)
    assert await count(app, Booking, Booking.event_type_id == event_types.regular) == 1


@BOTH_DATABASES
async def test_a_listing_a_cache_got_wrong_never_lets_a_booking_through(
    app, alice, event_types, database_url, redis_url
):
    """A booking written around the change tracker leaves a process's listing stale for a while;
    booking the time it still lists is refused all the same, by the database."""
    with running_server(database_url=database_url, redis_url=redis_url, **SERVER_SETTINGS) as base:
        async with httpx.AsyncClient(timeout=60) as http:
            assert "10:00" in await listed(http, event_types.regular, base)
            engine = make_engine(database_url)  # nothing published: no process knows
            async with engine.begin() as connection:
                await connection.execute(
                    insert(Booking).values(
                        uid="around",
                        user_id=alice.id,
                        event_type_id=event_types.regular,
                        title="Around",
                        start_time=monday("10:00"),
                        end_time=monday("10:30"),
                        status="accepted",
                    )
                )
            await engine.dispose()
            assert "10:00" in await listed(http, event_types.regular, base)  # stale
            body = booking_body(
                event_types.regular, at(MONDAY, "10:00"), attendee={**ATTENDEE, "email": "late@example.com"}
            )
            refused = await http.post(f"{base}/v2/bookings", json=body, headers=v2())
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["message"] == "User either already has booking at this time or is not available"
