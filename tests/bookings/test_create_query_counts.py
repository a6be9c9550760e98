"""A booking create costs a fixed number of statements, however busy the host already is.

The outbox rows of one create (BOOKING_CREATED, MEETING_STARTED, MEETING_ENDED and their three
dispatch jobs) go out as one INSERT for the events and one for the jobs on PostgreSQL. On SQLite,
SQLAlchemy inserts the events row by row: it cannot promise there that a multi-row INSERT …
RETURNING gives the ids back in the rows' order (pairing each event with its job needs that); a
statement there is a call into the same process, not a round trip. The jobs need no ids back: one
statement on both.
"""

from __future__ import annotations

from tests.bookings.conftest import MONDAY, at, book
from tests.conftest import BOTH_DATABASES
from tests.core.test_query_counts import count_statements


def writes_to(statements: list[str], table: str) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "))


@BOTH_DATABASES
async def test_create_statements_are_flat_and_events_are_batched(app, client, alice, event_types, database_url):
    async def create(clock: str, **fields: object) -> list[str]:
        with count_statements(app) as statements:
            response = await book(client, event_types.regular, at(MONDAY, clock), **fields)
        assert response.status_code == 201, response.text
        return list(statements)

    await create("09:00")
    second = await create("10:00")  # one booking to see (and the event types behind bookings: one read)
    for hour in range(11, 16):  # the host's day fills up
        await create(f"{hour}:00")
    last = await create("16:00")

    assert len(second) == len(last), (second, last)
    per_event = 1 if database_url.startswith("postgresql") else 3
    assert writes_to(last, "domain_events") == per_event
    assert writes_to(last, "jobs") == 1  # no ids to read back: one statement everywhere
    # The workers' wake-up is the jobs table's trigger (PostgreSQL), not a statement of its own.
    assert not [s for s in last if "NOTIFY" in s.upper()]
    assert writes_to(last, "bookings") == 1
    # Guests are attendees too: on PostgreSQL still one statement for the attendee rows.
    with_guests = await create("16:30", guests=["g1@example.com", "g2@example.com"])
    assert writes_to(with_guests, "attendees") == (1 if per_event == 1 else 3)
    assert len(with_guests) == len(last) + (0 if per_event == 1 else 2)
    # The busy bookings and the holds are one statement (one round trip under the host's lock).
    holds_reads = [s for s in last if s.lstrip().upper().startswith("SELECT") and "slot_reservations" in s]
    assert len(holds_reads) == 1, holds_reads
    assert "bookings" in holds_reads[0] and "booking_hosts" in holds_reads[0]
    # Without custom inputs or workflows: the event type's read says it has no custom inputs (no
    # read of them), and one workflow probe says no timed workflow covers it (planning reads nothing).
    assert not [s for s in last if s.lstrip().upper().startswith("SELECT EVENT_TYPE_CUSTOM_INPUTS.")]
    assert len([s for s in last if "workflow" in s.lower()]) == 1, [s for s in last if "workflow" in s.lower()]
    if per_event == 1:
        # PostgreSQL, after BEGIN: event type (+ host lock), workflow probe, schedule, busy + holds,
        # booking, attendees, events, jobs.
        assert len(last) == 8, last
