"""``POST /v2/insights/bookings/revenue`` over bookings paid through localstripe: per currency the
amount paid and kept, the amount refunded and the paid bookings, against the week before, with a
series by local day; it agrees with ``GET /v1/payments`` and counts no one else's money."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from tests.bookings.conftest import make_schedule
from tests.payments.conftest import (
    CURRENCY,
    PRICE,
    at,
    book,
    make_event_type,
    pay,
    send_stripe_webhooks_to,
    v2,
    wait_until,
)
from tests.support.factories import make_user
from tests.teams.conftest import add_member, make_team
from tests.teams.team_booking_helpers import team_event

WEBHOOK = "/api/integrations/stripepayment/webhook"
REVENUE = "/v2/insights/bookings/revenue"
WEEK = ("2050-09-05", "2050-09-06", "2050-09-07", "2050-09-08", "2050-09-09")  # Monday to Friday
WEEK_BEFORE = "2050-09-01"  # a Thursday in the previous range of equal length (Aug 31 – Sep 4)
USD_PRICE = 1000
BOB_PRICE = 4000


def _body(**extra: Any) -> dict[str, Any]:
    started = {"id": "startTime", "value": {"type": "dr", "data": {"startDate": WEEK[0], "endDate": WEEK[-1]}}}
    return {"scope": "user", "timeZone": "Europe/London", "columnFilters": [started], **extra}


async def _ask(client: Any, user: Any, body: dict[str, Any], what: str = "revenue") -> Any:
    return await client.post(f"/v2/insights/bookings/{what}", json=body, headers=user.headers)


async def _paid(client: Any, stripe_client: Any, event_type_id: int, start: str, **extra: Any) -> dict:
    created = await book(client, event_type_id, start, **extra)
    assert created.status_code == 201, created.text
    booking = created.json()["data"]
    await pay(stripe_client, booking["payment"]["paymentIntentId"])

    async def accepted() -> bool:
        response = await client.get(f"/v2/bookings/{booking['uid']}", headers=v2())
        return response.json()["data"]["status"] == "accepted"

    await wait_until(accepted)
    return booking


def _figure(current: int, previous: int, delta: float) -> dict[str, Any]:
    return {"current": current, "previous": previous, "deltaPrevious": delta}


def _kept_and_refunded(payments: list[dict], booking_ids: set[int]) -> dict[str, tuple[int, int, int]]:
    """(paid and kept, refunded, paid bookings) per currency, summed from ``/v1/payments``."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for payment in payments:
        if payment["bookingId"] not in booking_ids or not payment["success"]:
            continue
        entry = out[payment["currency"]]
        if payment["refunded"]:
            entry[1] += payment["amount"]
        else:
            entry[0] += payment["amount"]
            entry[2] += 1
    return {currency: (paid, refunded, count) for currency, (paid, refunded, count) in out.items()}


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_revenue_per_currency_agrees_with_the_payments_and_counts_only_the_callers(
    client, alice, bob, paid_event, localstripe, served, stripe_client
):
    await send_stripe_webhooks_to(localstripe, served + WEBHOOK)
    usd_event = await make_event_type(
        client,
        alice,
        "paid-usd",
        metadata={"apps": {"stripe": {"enabled": True, "price": USD_PRICE, "currency": "usd"}}},
    )
    await make_schedule(client, bob)
    bob_event = await make_event_type(
        client, bob, "bob-paid", metadata={"apps": {"stripe": {"enabled": True, "price": BOB_PRICE, "currency": "eur"}}}
    )
    monday = await _paid(client, stripe_client, paid_event, at(WEEK[0], "10:00"))
    tuesday = await _paid(client, stripe_client, paid_event, at(WEEK[1], "10:00"))
    in_dollars = await _paid(client, stripe_client, usd_event, at(WEEK[1], "11:00"))
    refunded = await _paid(client, stripe_client, paid_event, at(WEEK[2], "10:00"))
    cancelled = await client.post(
        f"/v2/bookings/{refunded['uid']}/cancel", json={"cancellationReason": "Host is away"}, headers=v2(alice)
    )
    assert cancelled.status_code == 200 and cancelled.json()["data"]["payment"]["refunded"] is True, cancelled.text
    unpaid = (await book(client, paid_event, at(WEEK[3], "10:00"))).json()["data"]  # never paid: counts nowhere
    await _paid(client, stripe_client, paid_event, at(WEEK_BEFORE, "10:00"))
    await _paid(client, stripe_client, bob_event, at(WEEK[0], "10:00"))

    response = await _ask(client, alice, _body())
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["previousRange"] == {"startDate": "Aug 31, 2050", "endDate": "Sep 4, 2050"}
    assert data["currencies"] == [
        {
            "currency": CURRENCY,
            "paid": _figure(2 * PRICE, PRICE, 100.0),
            "refunded": _figure(PRICE, 0, 0.0),
            "paidBookings": _figure(2, 1, 100.0),
        },
        {
            "currency": "usd",
            "paid": _figure(USD_PRICE, 0, 0.0),
            "refunded": _figure(0, 0, 0.0),
            "paidBookings": _figure(1, 0, 0.0),
        },
    ]

    # the series: one point per local day of the week, every currency in each, summing to the totals
    series = data["series"]
    trends = (await _ask(client, alice, _body(), "event-trends")).json()["data"]
    assert [p["formattedDateFull"] for p in series] == [p["formattedDateFull"] for p in trends]
    assert len(series) == len(WEEK)
    by_day = [{c["currency"]: (c["paid"], c["refunded"], c["paidBookings"]) for c in p["currencies"]} for p in series]
    assert by_day == [
        {CURRENCY: (PRICE, 0, 1), "usd": (0, 0, 0)},
        {CURRENCY: (PRICE, 0, 1), "usd": (USD_PRICE, 0, 1)},
        {CURRENCY: (0, PRICE, 0), "usd": (0, 0, 0)},
        {CURRENCY: (0, 0, 0), "usd": (0, 0, 0)},
        {CURRENCY: (0, 0, 0), "usd": (0, 0, 0)},
    ]

    # the same bookings' payments as v1 lists them
    payments = (await client.get("/v1/payments", params={"apiKey": alice.key})).json()["payments"]
    this_week = {monday["id"], tuesday["id"], in_dollars["id"], refunded["id"], unpaid["id"]}
    assert _kept_and_refunded(payments, this_week) == {
        c["currency"]: (c["paid"]["current"], c["refunded"]["current"], c["paidBookings"]["current"])
        for c in data["currencies"]
    }

    # a filter narrows the money as it narrows the bookings: only the dollar event type
    only_usd = _body()
    only_usd["columnFilters"].append({"id": "eventTypeId", "value": {"type": "ss", "data": usd_event}})
    narrowed = (await _ask(client, alice, only_usd)).json()["data"]
    assert [(c["currency"], c["paid"]["current"]) for c in narrowed["currencies"]] == [("usd", USD_PRICE)]

    # Bob sees his own money only, and Alice cannot read his
    theirs = (await _ask(client, bob, _body())).json()["data"]["currencies"]
    assert [(c["currency"], c["paid"]["current"], c["paidBookings"]["current"]) for c in theirs] == [
        (CURRENCY, BOB_PRICE, 1)
    ]
    user_filter = {"id": "userId", "value": {"type": "ss", "data": bob.id}}
    refused = await _ask(client, alice, _body(columnFilters=[*_body()["columnFilters"], user_filter]))
    assert refused.status_code == 403, refused.text


def _error(response: Any) -> tuple[int, Any]:
    return response.status_code, response.json()["error"]


async def test_team_scope_is_refused_as_every_insights_route_refuses_it(app, client, alice, bob):
    """A member cannot read a teammate's money, and another team's id answers as kpi-stats does."""
    stranger = await make_user(app, "olga")
    team = await make_team(client, alice, "Sales")
    await add_member(client, team["id"], alice, bob)
    other = await make_team(client, stranger, "Elsewhere")
    teammate = {"id": "userId", "value": {"type": "ss", "data": alice.id}}
    cases = [
        (bob, _body(scope="team", selectedTeamId=team["id"], columnFilters=[*_body()["columnFilters"], teammate])),
        (alice, _body(scope="team", selectedTeamId=other["id"])),
        (bob, _body(scope="team", selectedTeamId=other["id"] + 1000)),
        (alice, _body(scope="team")),
    ]
    for user, body in cases:
        revenue = await _ask(client, user, body)
        kpi = await _ask(client, user, body, "kpi-stats")
        assert revenue.status_code in (400, 403), revenue.text
        assert _error(revenue) == _error(kpi)
    # the member in the team's scope: only their own bookings (none of the team's are paid)
    own = await _ask(client, bob, _body(scope="team", selectedTeamId=team["id"]))
    assert own.status_code == 200 and own.json()["data"]["currencies"] == [], own.text


async def test_revenue_needs_a_period(client, alice):
    response = await client.post(REVENUE, json={"scope": "user", "timeZone": "UTC"}, headers=alice.headers)
    assert response.status_code == 400, response.text
    assert "date range" in response.json()["error"]["message"]


async def test_a_teams_money_for_its_managers_and_a_members_own_for_the_member(
    app, client, alice, host_schedule, localstripe, served, stripe_client
):
    """Paid bookings of two team event types, one hosted by the owner and one by a member: the
    owner sees both, the member only the one they host, in the team's scope."""
    await send_stripe_webhooks_to(localstripe, served + WEBHOOK)
    team = await make_team(client, alice, "Sales")
    mel = await make_user(app, "mel")
    await add_member(client, team["id"], alice, mel)
    await make_schedule(client, mel)
    price = {"metadata": {"apps": {"stripe": {"enabled": True, "price": PRICE, "currency": CURRENCY}}}}
    owners = await team_event(client, alice, team["id"], "owners", "COLLECTIVE", [{"userId": alice.id}], **price)
    members = await team_event(client, alice, team["id"], "members", "COLLECTIVE", [{"userId": mel.id}], **price)
    await _paid(client, stripe_client, owners, at(WEEK[0], "10:00"))
    await _paid(client, stripe_client, members, at(WEEK[1], "10:00"))
    await _paid(client, stripe_client, members, at(WEEK[2], "10:00"))

    def money(answer: Any) -> list[tuple[str, int, int]]:
        assert answer.status_code == 200, answer.text
        return [
            (c["currency"], c["paid"]["current"], c["paidBookings"]["current"])
            for c in answer.json()["data"]["currencies"]
        ]

    in_team = _body(scope="team", selectedTeamId=team["id"])
    assert money(await _ask(client, alice, in_team)) == [(CURRENCY, 3 * PRICE, 3)]
    assert money(await _ask(client, mel, in_team)) == [(CURRENCY, 2 * PRICE, 2)]
    narrowed = _body(scope="team", selectedTeamId=team["id"])
    narrowed["columnFilters"].append({"id": "userId", "value": {"type": "ss", "data": mel.id}})
    assert money(await _ask(client, alice, narrowed)) == [(CURRENCY, 2 * PRICE, 2)]
    # kpi-stats counts the same bookings
    kpi = (await _ask(client, mel, in_team, "kpi-stats")).json()["data"]
    assert kpi["created"]["count"] == 2
