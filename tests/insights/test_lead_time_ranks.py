"""Lead time's two forms agree with the leads sorted in Python: the ranks read from one sorted array
(PostgreSQL's) and the ranks found from per-bucket counts and lists (SQLite's, run on both
databases), on leads with ties, negative leads and leads on and around bucket edges, for several
bucket widths."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calapi.insights import queries
from calapi.insights.query import Audience, BookingFilters
from calapi.insights.service import PERCENTILES
from tests.conftest import BOTH_DATABASES
from tests.insights.conftest import NOW, BookingSpec, World, clear_bookings, insert_bookings

WIDTH = 60
# Leads in seconds: around the edges of 60-second buckets on both sides of zero, so that ties,
# buckets of one lead and ranks at a bucket's first and last place all occur.
EDGY = st.sampled_from([edge * WIDTH + step for edge in (-3, -1, 0, 1, 2, 50) for step in (-1, 0, 1)])
LEADS = st.lists(st.one_of(EDGY, st.integers(-7_200, 40 * 86_400)), min_size=1, max_size=60)


@BOTH_DATABASES
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(leads=LEADS, cancelled=st.lists(st.booleans(), min_size=60, max_size=60))
async def test_bucketed_and_sorted_ranks_agree_with_a_sort(
    app: FastAPI, client: httpx.AsyncClient, world: World, leads: list[int], cancelled: list[bool]
) -> None:
    await clear_bookings(app)
    organizer = world.member.id
    specs = [
        BookingSpec(
            organizer=organizer,
            start=NOW + timedelta(days=3),
            created=NOW + timedelta(days=3) - timedelta(seconds=lead),
            status="cancelled" if gone else "accepted",
        )
        for lead, gone in zip(leads, cancelled, strict=False)
    ]
    await insert_bookings(app, specs, {u.id: u.email for u in world.users})
    held = sorted(lead for lead, gone in zip(leads, cancelled, strict=False) if not gone)
    where = queries.booking_conditions(Audience(team_id=None, host_id=organizer), BookingFilters())
    async with app.state.sessionmaker() as session:
        found = [
            await queries.lead_time_ranks_by_hour(session, where, PERCENTILES, width=width)
            for width in (1, 7, WIDTH, queries.LEAD_BUCKET, 10**9)
        ]
        if session.bind.dialect.name == "postgresql":
            found.append(await queries.lead_time_ranks_sorted(session, where, PERCENTILES))
    if not held:
        expected: tuple[int, float | None, dict[int, int]] = (0, None, {})
    else:
        ranks = queries._wanted_ranks(len(held), PERCENTILES)
        expected = (len(held), sum(held) / len(held), {rank: held[rank - 1] for rank in ranks})
    for answer in found:
        assert answer == expected
