"""The availability cache in one process (the in-process change log: SQLite embedded, or a single
process on PostgreSQL with ``CALAPI_AVAILABILITY_CACHE=process``).

A repeated listing reads nothing from the database; every change — through the API, through the
session's unit of work or its UPDATE / INSERT / DELETE statements — shows in the next listing; a
rolled-back change publishes nothing; and a listing the cache got wrong never lets a booking
through, because the booking is checked against the database.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, insert, select, update

from calapi.app import create_app
from calapi.availability.cache import AvailabilityCache
from calapi.availability.changes import LocalChangeLog
from calapi.availability.models import SlotReservation
from calapi.bookings.models import Booking
from calapi.config import load_settings
from calapi.db import make_engine
from calapi.slots.listing import SlotLimits, SlotsRequest, available_slots
from tests.availability.support import changes_show_in_the_next_listing, create, listed
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, make_event_type, make_schedule
from tests.conftest import BOTH_DATABASES
from tests.core.test_query_counts import count_statements


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    return {"availability_cache": "process"}  # what "auto" picks on SQLite; PostgreSQL too here


def local_log(app) -> LocalChangeLog:
    cache = app.state.availability_cache
    assert isinstance(cache, AvailabilityCache) and isinstance(cache.change_log, LocalChangeLog)
    return cache.change_log


async def test_the_embedded_set_up_keeps_listings_in_process(database_url):
    """``auto`` on SQLite with one process: in process."""
    app = create_app(load_settings(database_url=database_url, run_worker=False))
    local_log(app)
    await app.state.engine.dispose()


@BOTH_DATABASES
async def test_a_repeated_listing_reads_nothing(app, client, event_types, database_url):
    first = await listed(client, event_types.regular)
    with count_statements(app) as statements:
        again = await listed(client, event_types.regular)
    assert again == first and first
    assert statements == []


@BOTH_DATABASES
async def test_every_change_through_the_api_shows_in_the_next_listing(
    app, client, alice, event_types, host_schedule, database_url
):
    await changes_show_in_the_next_listing(client, client, alice, event_types, host_schedule)


def monday(clock: str) -> datetime:
    return datetime.fromisoformat(at(MONDAY, clock).replace("Z", "+00:00"))


@BOTH_DATABASES
async def test_statements_through_the_session_show_in_the_next_listing(app, client, alice, event_types, database_url):
    """Core INSERT / UPDATE / DELETE run with ``session.execute`` are seen too (their rows are
    read first with the statement's own WHERE clause)."""
    regular = event_types.regular
    full = await listed(client, regular)
    async with app.state.sessionmaker() as session:
        row = {"uid": "core-made", "user_id": alice.id, "event_type_id": regular, "title": "Core"}
        await session.execute(insert(Booking), [{**row, "start_time": monday("14:00"), "end_time": monday("14:30")}])
        await session.commit()
    assert "14:00" not in await listed(client, regular)
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Booking)
            .where(Booking.uid == "core-made")
            .values(start_time=monday("15:00"), end_time=monday("15:30"))
        )
        await session.commit()
    moved = await listed(client, regular)
    assert "14:00" in moved and "15:00" not in moved
    async with app.state.sessionmaker() as session:
        await session.execute(delete(Booking).where(Booking.uid == "core-made"))
        await session.commit()
    assert await listed(client, regular) == full
    async with app.state.sessionmaker() as session:  # a hold written through the unit of work
        session.add(a_hold(alice, regular, "unit-of-work"))
        await session.commit()
    assert "16:00" not in await listed(client, regular)


@BOTH_DATABASES
async def test_a_booking_handed_to_another_host_shows_for_both(app, client, alice, bob, event_types, database_url):
    """An UPDATE that sets the host: the rows' old host is read first, the new one from the statement."""
    await make_schedule(client, bob)
    bobs = await make_event_type(client, bob, "bobs")
    uid = await create(client, event_types.regular, "14:00")
    assert "14:00" in await listed(client, bobs) and "14:00" not in await listed(client, event_types.regular)
    async with app.state.sessionmaker() as session:
        await session.execute(update(Booking).where(Booking.uid == uid).values(user_id=bob.id))
        await session.commit()
    assert "14:00" not in await listed(client, bobs) and "14:00" in await listed(client, event_types.regular)


def a_hold(alice, event_type_id: int, uid: str) -> SlotReservation:
    return SlotReservation(
        uid=uid,
        event_type_id=event_type_id,
        user_id=alice.id,
        slot_start=monday("16:00"),
        slot_end=monday("16:30"),
        release_at=datetime(2100, 1, 1, tzinfo=UTC),
    )


@BOTH_DATABASES
async def test_a_rolled_back_change_publishes_nothing(app, client, alice, event_types, database_url):
    await listed(client, event_types.regular)
    log = local_log(app)
    before = log.seq
    async with app.state.sessionmaker() as session:
        await session.execute(update(Booking).where(Booking.user_id == alice.id).values(title="x"))
        session.add(a_hold(alice, event_types.regular, "rolled-back"))
        await session.flush()
        await session.rollback()
    assert log.seq == before
    assert "16:00" in await listed(client, event_types.regular)
    async with app.state.sessionmaker() as session:
        session.add(a_hold(alice, event_types.regular, "committed"))
        await session.commit()
    assert log.seq == before + 1
    assert "16:00" not in await listed(client, event_types.regular)


@BOTH_DATABASES
async def test_a_listing_the_cache_got_wrong_never_lets_a_booking_through(
    app, client, alice, event_types, database_url
):
    """A booking written around the change tracker (another tool, raw SQL) leaves the listing stale
    for a while; booking the time it still lists is refused all the same."""
    regular = event_types.regular
    assert "10:00" in await listed(client, regular)
    engine = make_engine(database_url)  # not the app's sessions: nothing is published
    async with engine.begin() as connection:
        await connection.execute(
            insert(Booking).values(
                uid="around",
                user_id=alice.id,
                event_type_id=regular,
                title="Around",
                start_time=monday("10:00"),
                end_time=monday("10:30"),
                status="accepted",
            )
        )
    await engine.dispose()
    assert "10:00" in await listed(client, regular)  # stale, as expected of a cache
    refused = await book(client, regular, at(MONDAY, "10:00"), attendee={**ATTENDEE, "email": "late@example.com"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["message"] == "User either already has booking at this time or is not available"
    await create(client, regular, "10:30")  # the time next to it is still bookable


async def test_a_session_that_read_before_a_change_does_not_keep_its_old_snapshot(app, client, alice, event_types):
    """SQLite keeps a read transaction's first snapshot. A listing on a session that read before a
    booking was committed must not keep (under the change log's newer number) what that old
    snapshot shows: it reads in a transaction of its own."""
    regular = event_types.regular
    request = SlotsRequest(monday("00:00"), monday("23:59"), event_type_id=regular)
    limits = SlotLimits(366, 10_000)
    cache = app.state.availability_cache
    read_only = app.state.engine.execution_options(sqlite_read_only=True)
    async with app.state.sessionmaker(bind=read_only) as early:
        await early.scalar(select(Booking.id).limit(1))  # its snapshot: before the booking below
        await create(client, regular, "10:00")
        found = await available_slots(early, request, now=monday("00:00"), booker_uid=None, limits=limits, cache=cache)
    assert "10:00" not in [slot.start.strftime("%H:%M") for slot in found.listing.slots]
    assert "10:00" not in await listed(client, regular)


@BOTH_DATABASES
async def test_a_listing_in_a_transaction_that_wrote_keeps_nothing_uncommitted(
    app, client, alice, event_types, database_url
):
    """A session that wrote sees its own uncommitted rows: what it lists is not kept for others."""
    regular = event_types.regular
    request = SlotsRequest(monday("00:00"), monday("23:59"), event_type_id=regular)
    cache = app.state.availability_cache
    async with app.state.sessionmaker() as session:
        session.add(a_hold(alice, regular, "uncommitted"))
        await session.flush()
        await available_slots(
            session, request, now=monday("00:00"), booker_uid=None, limits=SlotLimits(366, 10_000), cache=cache
        )
        await session.rollback()
    assert "16:00" in await listed(client, regular)
