"""GET /v2/slots costs the same number of statements for 1 booking or 200, for 1 host or 10."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from calapi.availability import hosts as availability_hosts
from tests.conftest import BOTH_DATABASES
from tests.core.test_query_counts import count_statements
from tests.slots.conftest import NOW
from tests.slots.seed import add_bookings, add_hold, give_schedule, make_event_type
from tests.slots.test_slots_api import V
from tests.support.factories import make_user


def quarter_hours(count: int, first_day: int = 5) -> list[tuple[datetime, datetime]]:
    """`count` 15-minute bookings spread over working hours of consecutive weekdays."""
    spans = []
    day = datetime(2050, 9, first_day, 8, tzinfo=UTC)
    while len(spans) < count:
        if day.weekday() < 5:
            for i in range(32):
                if len(spans) == count:
                    break
                start = day + timedelta(minutes=15 * i)
                spans.append((start, start + timedelta(minutes=15)))
        day += timedelta(days=1)
    return spans


async def statements_for_listing(app, client, event_id: int) -> list[str]:
    params = {"eventTypeId": event_id, "start": "2050-09-01", "end": "2050-10-31"}
    with count_statements(app) as statements:
        response = await client.get("/v2/slots", params=params, headers=V)
    assert response.status_code == 200, response.text
    return statements


@BOTH_DATABASES
async def test_listing_statements_do_not_grow_with_bookings(app, client, alice, bob, clock, database_url):
    await give_schedule(app, alice.id)
    await give_schedule(app, bob.id)
    alice_event = await make_event_type(app, alice.id)
    alice_other = await make_event_type(app, alice.id, slug="other", after_event_buffer=5)
    bob_event = await make_event_type(app, bob.id)
    bob_other = await make_event_type(app, bob.id, slug="other", after_event_buffer=5)

    # One booking of each kind (the listed event's own, another event's) and one hold …
    await add_bookings(app, alice.id, alice_event, quarter_hours(1))
    await add_bookings(app, alice.id, alice_other, quarter_hours(1, first_day=6))
    await add_hold(app, alice.id, alice_event, datetime(2050, 9, 7, 9, tzinfo=UTC), 30, NOW + timedelta(minutes=5))
    # … against 200 bookings of each kind and 50 holds.
    await add_bookings(app, bob.id, bob_event, quarter_hours(200))
    await add_bookings(app, bob.id, bob_other, quarter_hours(200, first_day=20))
    for i in range(50):
        await add_hold(
            app,
            bob.id,
            bob_event,
            datetime(2050, 10, 3, tzinfo=UTC) + timedelta(hours=i),
            30,
            NOW + timedelta(minutes=5),
        )

    few = await statements_for_listing(app, client, alice_event)
    many = await statements_for_listing(app, client, bob_event)
    assert len(few) == len(many)
    # event type, hosts' schedules + rows, bookings with their event types' buffers and holds in one
    # statement (+ BEGIN on SQLite); which hosts have a selected calendar: a statement of the
    # availability cache's setup (SQLite), or rows of the busy statement (PostgreSQL without Redis:
    # no cache). No host has one: no calendar busy times are read.
    selects = 4 if database_url.startswith("sqlite") else 3
    assert len([s for s in many if s.lstrip().upper().startswith("SELECT")]) == selects


@BOTH_DATABASES
async def test_host_inputs_load_in_constant_statements_for_1_or_10_hosts(app, alice, clock, database_url):
    users = [alice] + [await make_user(app, f"host{i}") for i in range(9)]
    event_ids = {}
    for user in users:
        await give_schedule(app, user.id)
        event_ids[user.id] = await make_event_type(app, user.id, before_event_buffer=10)
        await add_bookings(app, user.id, event_ids[user.id], quarter_hours(20))
        await add_hold(
            app, user.id, event_ids[user.id], datetime(2050, 9, 8, 9, tzinfo=UTC), 30, NOW + timedelta(minutes=5)
        )

    async def load(user_ids: list[int]):
        async with app.state.sessionmaker() as session:
            with count_statements(app) as statements:
                inputs = await availability_hosts.load_host_inputs(
                    session, user_ids, schedule_id=None, start=NOW, end=NOW + timedelta(days=60), now=NOW
                )
        return inputs.hosts, statements

    one, one_statements = await load([alice.id])
    ten, ten_statements = await load([u.id for u in users])
    assert len(one) == 1 and len(ten) == 10
    assert all(len(h.busy) == 20 and len(h.reservations) == 1 and h.schedule.weekly for h in ten)
    assert len(one_statements) == len(ten_statements)
    # schedules + rows; bookings with their event types' buffers, holds and which hosts have a
    # selected calendar in one statement (none has one: no calendar busy times to read)
    assert len([s for s in ten_statements if s.lstrip().upper().startswith("SELECT")]) == 2
