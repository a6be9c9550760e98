"""v1 lists stay flat (statements do not grow with rows) and behave the same on both databases."""

from __future__ import annotations

from tests.bookings.conftest import MONDAY, at, book, event_types, host_schedule  # noqa: F401 - fixtures
from tests.conftest import BOTH_DATABASES
from tests.core.test_query_counts import count_statements


@BOTH_DATABASES
async def test_booking_list_costs_the_same_for_2_or_6_bookings(app, api, client, alice, event_types, database_url):
    async def statements_for_list() -> int:
        await api.get(alice, "/bookings")  # warm: lastUsedAt and caches
        with count_statements(app) as statements:
            response = await api.get(alice, "/bookings", params={"attendeeEmail": "JANE@EXAMPLE.COM"})
        assert response.status_code == 200
        return len(statements)

    for hour in ("10", "11"):
        assert (await book(client, event_types.regular, at(MONDAY, f"{hour}:00"))).status_code == 201
    few = await statements_for_list()
    for hour in ("12", "13", "14", "15"):
        assert (await book(client, event_types.regular, at(MONDAY, f"{hour}:00"))).status_code == 201
    many = await statements_for_list()
    assert few == many
    listed = (
        await api.get(alice, "/bookings", params={"attendeeEmail": "JANE@EXAMPLE.COM", "take": 4, "page": 2})
    ).json()["bookings"]
    assert [b["startTime"] for b in listed] == [at(MONDAY, "14:00"), at(MONDAY, "15:00")]
