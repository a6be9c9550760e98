"""Bad insights input answers 400 in the v2 envelope, with a reason; never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import BOTH_DATABASES
from tests.insights.conftest import INSIGHTS, World, ask, created_between

PERIOD = created_between("2030-03-01", "2030-03-31")


def body(**fields: Any) -> dict[str, Any]:
    return {"scope": "user", "timeZone": "Europe/Berlin", "columnFilters": [PERIOD], **fields}


def column(column_id: str, kind: str, data: Any) -> dict[str, Any]:
    return {"id": column_id, "value": {"type": kind, "data": data}}


REFUSED = [
    (body(scope="org"), "scope org is not served"),
    (body(scope="everyone"), "scope"),
    ({"scope": "user", "columnFilters": [PERIOD]}, "timeZone"),
    (body(timeZone="Mars/Olympus"), "timeZone"),
    (body(scope="team"), "selectedTeamId is required when scope is team"),
    (body(selectedTeamId=2**40, scope="team"), "out of range"),
    (body(columnFilters=[PERIOD, column("bookingUid", "ss", "x")]), "'bookingUid' is not a column insights filter on"),
    (body(columnFilters=[PERIOD, column("eventTypeId", "t", {"operator": "equals", "operand": "1"})]), "type ss or ms"),
    (body(columnFilters=[PERIOD, column("eventTypeId", "ss", "one")]), "positive whole numbers"),
    (body(columnFilters=[PERIOD, column("userId", "ms", [1, 2])]), "userId filters one user at a time"),
    (body(columnFilters=[PERIOD, column("status", "ss", "accepted"), column("status", "ss", "pending")]), "twice"),
    (body(columnFilters=[PERIOD, column("status", "ms", ["upcoming"])]), "values must be among accepted"),
    (body(columnFilters=[PERIOD, column("attendeeEmail", "ss", "a@b.c")]), "type t"),
    (body(columnFilters=[PERIOD, column("attendeeEmail", "t", {"operator": "like", "operand": "a"})]), "operator"),
    (body(columnFilters=[PERIOD, column("status", "zz", [])]), "value"),
    (body(columnFilters=[created_between("2030-13-01", "2030-03-31")]), "startDate must be an ISO 8601 date"),
    (body(columnFilters=[created_between("2030-03-31", "2030-03-01")]), "startDate must not be after endDate"),
    (body(columnFilters=[column("startTime", "ss", 3)]), "type dr"),
    (body(columnFilters="all"), "columnFilters"),
    (body(columnFilters=[PERIOD] * 21), "columnFilters"),
]


@pytest.mark.parametrize(("payload", "reason"), REFUSED)
async def test_bad_bodies_answer_400_with_the_reason(client, world: World, payload: dict[str, Any], reason: str):
    answer = await ask(client, world.owner, "kpi-stats", payload, status=400)
    assert answer["status"] == "error"
    assert answer["error"]["code"] == "BadRequestException"
    assert reason in answer["error"]["message"], answer


@BOTH_DATABASES
async def test_a_period_is_needed_where_the_numbers_are_per_period(client, world: World, database_url):
    no_period = body(columnFilters=[])
    half_period = body(
        columnFilters=[{"id": "createdAt", "value": {"type": "dr", "data": {"startDate": "2030-03-01"}}}]
    )
    for route in ("kpi-stats", "event-trends", "average-duration", "revenue"):
        for payload in (no_period, half_period):
            answer = await ask(client, world.owner, route, payload, status=400)
            assert answer["error"]["message"].startswith("columnFilters must hold a date range")
    # rankings, busiest times and lead time are over whatever matches: all time without a range
    for route in ("members", "busiest-times", "lead-time"):
        await ask(client, world.owner, route, no_period)


@BOTH_DATABASES
async def test_extreme_dates_never_fail_the_server(client, world: World, database_url):
    for first, last in (("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31"), ("0001-01-01", "9999-12-31")):
        for route in (
            "kpi-stats",
            "event-trends",
            "average-duration",
            "members",
            "lead-time",
            "busiest-times",
            "revenue",
        ):
            response = await client.post(
                f"{INSIGHTS}/{route}",
                json=body(columnFilters=[created_between(first, last)]),
                headers=world.owner.headers,
            )
            assert response.status_code in (200, 400), (route, first, last, response.text)
            if response.status_code == 400:
                assert response.json()["error"]["code"] == "BadRequestException"


async def test_export_refuses_bad_query_parameters(client, world: World):
    cases = [
        ({"timeZone": "UTC"}, "scope"),
        ({"scope": "user", "timeZone": "Nowhere/Else"}, "timeZone"),
        ({"scope": "user", "timeZone": "UTC", "columnFilters": "[{"}, "columnFilters must be a JSON array"),
        ({"scope": "user", "timeZone": "UTC", "columnFilters": json.dumps([{"id": "status"}])}, "columnFilters"),
        ({"scope": "user", "timeZone": "UTC", "columnFilters": json.dumps({"id": "status"})}, "columnFilters"),
        ({"scope": "org", "timeZone": "UTC"}, "scope org is not served"),
    ]
    for params, reason in cases:
        response = await client.get(f"{INSIGHTS}/export", params=params, headers=world.owner.headers)
        assert response.status_code == 400, (params, response.text)
        assert reason in response.json()["error"]["message"], response.text
