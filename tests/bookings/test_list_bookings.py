"""GET /v2/bookings: scope, every filter, sorting, the pagination object, bad input, flat query count.

Bookings here are written as rows (``seed``): the list is about reading what exists — past,
cancelled, created at chosen instants — which the create endpoint cannot make. The lifecycle
tests create theirs through the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from calapi.bookings.models import Attendee, Booking
from calapi.core.clock import request_now
from tests.bookings.conftest import v2
from tests.conftest import BOTH_DATABASES
from tests.core.test_query_counts import count_statements

NOW = datetime(2050, 9, 1, 12, tzinfo=UTC)
JANE = ("Jane Booker", "jane@example.com")


def t(days: float, hours: float = 0) -> datetime:
    return NOW + timedelta(days=days, hours=hours)


async def seed(app: FastAPI, rows: Iterable[dict[str, Any]]) -> list[str]:
    """Insert bookings (with their attendees) as rows; returns their uids in order.

    Keys: user_id, start (datetime), minutes=30, status="accepted", event_type_id=None,
    attendees=[(name, email)], recurring_event_id=None, created_at, updated_at, uid.
    """
    uids = []
    async with app.state.sessionmaker() as session:
        for row in rows:
            uid = row.get("uid") or uuid.uuid4().hex
            start = row["start"]
            booking = Booking(
                uid=uid,
                user_id=row["user_id"],
                event_type_id=row.get("event_type_id"),
                title=row.get("title", "Meeting"),
                start_time=start,
                end_time=start + timedelta(minutes=row.get("minutes", 30)),
                status=row.get("status", "accepted"),
                recurring_event_id=row.get("recurring_event_id"),
                responses={"name": JANE[0], "email": JANE[1]},
                created_at=row.get("created_at", NOW),
                updated_at=row.get("updated_at", NOW),
            )
            session.add(booking)
            await session.flush()
            for name, email in row.get("attendees", [JANE]):
                session.add(
                    Attendee(booking_id=booking.id, name=name, email=email, time_zone="Europe/Rome", locale="it")
                )
            uids.append(uid)
        await session.commit()
    return uids


@pytest.fixture
def frozen_now(app: FastAPI) -> datetime:
    app.dependency_overrides[request_now] = lambda: NOW
    return NOW


async def listed(client, user, **params: Any) -> dict[str, Any]:
    response = await client.get("/v2/bookings", params=params, headers=v2(user))
    assert response.status_code == 200, response.text
    return response.json()


def uids_of(body: dict[str, Any]) -> list[str]:
    return [b["uid"] for b in body["data"]]


# ---------------------------------------------------------------- pagination


async def test_pagination_object_follows_the_contract_formulas(app, client, alice, frozen_now):
    await seed(app, [{"user_id": alice.id, "start": t(1, i)} for i in range(35)])

    first = await listed(client, alice, take=10)
    assert len(first["data"]) == 10
    assert first["pagination"] == {
        "returnedItems": 10,
        "totalItems": 35,
        "itemsPerPage": 10,
        "remainingItems": 25,
        "currentPage": 1,
        "totalPages": 4,
        "hasNextPage": True,
        "hasPreviousPage": False,
    }
    beyond = await listed(client, alice, take=10, skip=40)
    assert beyond["data"] == []
    assert beyond["pagination"] == {
        "returnedItems": 0,
        "totalItems": 35,
        "itemsPerPage": 10,
        "remainingItems": 0,
        "currentPage": 4,
        "totalPages": 4,
        "hasNextPage": False,
        "hasPreviousPage": True,
    }
    last = await listed(client, alice, take=10, skip=30)
    assert len(last["data"]) == 5
    assert last["pagination"]["returnedItems"] == 5 and last["pagination"]["currentPage"] == 4
    assert last["pagination"]["hasNextPage"] is False

    # Pages do not overlap and together hold every booking once.
    seen = []
    for skip in range(0, 35, 10):
        seen += uids_of(await listed(client, alice, take=10, skip=skip))
    assert len(seen) == len(set(seen)) == 35

    default = await listed(client, alice)
    assert default["pagination"]["itemsPerPage"] == 100 and len(default["data"]) == 35
    # parseInt + absolute value, as Cal.com
    assert (await listed(client, alice, take="-5"))["pagination"]["itemsPerPage"] == 5


async def test_empty_list_has_zero_pages(client, alice, frozen_now):
    body = await listed(client, alice)
    assert body["data"] == []
    assert body["pagination"] == {
        "returnedItems": 0,
        "totalItems": 0,
        "itemsPerPage": 100,
        "remainingItems": 0,
        "currentPage": 0,
        "totalPages": 0,
        "hasNextPage": False,
        "hasPreviousPage": False,
    }


# ---------------------------------------------------------------- scope


async def test_scope_is_what_the_caller_organises_or_attends(app, client, alice, bob, frozen_now):
    mine, attending, others = await seed(
        app,
        [
            {"user_id": alice.id, "start": t(1)},
            {"user_id": bob.id, "start": t(2), "attendees": [("Alice", alice.email)]},
            {"user_id": bob.id, "start": t(3)},
        ],
    )
    assert uids_of(await listed(client, alice)) == [mine, attending]
    assert uids_of(await listed(client, bob)) == [attending, others]
    unauthenticated = await client.get("/v2/bookings", headers=v2())
    assert unauthenticated.status_code == 401


# ---------------------------------------------------------------- status


@BOTH_DATABASES
async def test_status_filters_and_their_default_orders(app, client, alice, frozen_now):
    series = uuid.uuid4().hex
    rows = {
        "upcoming": {"start": t(1)},
        "upcoming_later": {"start": t(2)},
        "pending": {"start": t(3), "status": "pending"},
        "series_accepted": {"start": t(4), "recurring_event_id": series},
        "series_pending": {"start": t(5), "recurring_event_id": series, "status": "pending"},
        "past": {"start": t(-2)},
        "past_older": {"start": t(-3)},
        "cancelled": {"start": t(6), "status": "cancelled"},
        "rejected": {"start": t(-1), "status": "rejected"},
    }
    uids = dict(zip(rows, await seed(app, [{"user_id": alice.id, **r} for r in rows.values()]), strict=True))

    def names(body: dict[str, Any]) -> list[str]:
        by_uid = {v: k for k, v in uids.items()}
        return [by_uid[u] for u in uids_of(body)]

    assert names(await listed(client, alice, status="upcoming")) == [
        "upcoming",
        "upcoming_later",
        "pending",
        "series_accepted",
    ]
    assert names(await listed(client, alice, status="recurring")) == ["series_accepted", "series_pending"]
    assert names(await listed(client, alice, status="unconfirmed")) == ["pending", "series_pending"]
    # One status of the past kind and no sort: newest first.
    assert names(await listed(client, alice, status="past")) == ["past", "past_older"]
    assert names(await listed(client, alice, status="cancelled")) == ["cancelled", "rejected"]
    # Several statuses: an OR, ordered by start ascending.
    assert names(await listed(client, alice, status="past,cancelled")) == [
        "past_older",
        "past",
        "rejected",
        "cancelled",
    ]
    assert names(await listed(client, alice, status="past", sortStart="asc")) == ["past_older", "past"]
    assert len((await listed(client, alice))["data"]) == len(rows)


async def test_bad_status_take_and_filters_are_400_with_a_reason(client, alice, frozen_now):
    cases = [
        ({"status": ""}, "status cannot be empty."),
        ({"status": "upcoming,soon"}, "Invalid status. Allowed are upcoming, recurring, past, cancelled, unconfirmed"),
        ({"take": "251"}, "take must not be greater than 250"),
        ({"take": "0"}, "take must not be less than 1"),
        ({"take": "ten"}, "take must be an integer number, got 'ten'"),
        ({"eventTypeIds": "1,x"}, "eventTypeIds must be a comma-separated list of integers, got '1,x'"),
        ({"afterStart": "yesterday"}, "afterStart must be a valid ISO 8601 date string, got 'yesterday'"),
        ({"sortStart": "up"}, "sortStart must be one of the following values: asc, desc"),
    ]
    for params, message in cases:
        response = await client.get("/v2/bookings", params=params, headers=v2(alice))
        assert response.status_code == 400, params
        body = response.json()
        assert body["status"] == "error"
        assert body["error"]["code"] == "BadRequestException"
        assert body["error"]["message"] == message
    assert (await client.get("/v2/bookings", params={"take": "250"}, headers=v2(alice))).status_code == 200


# ---------------------------------------------------------------- other filters and sorts


async def test_filters_by_attendee_uid_event_type_and_instants(app, client, alice, event_types, frozen_now):
    plus = ("Max Plus", "max+tag@example.com")
    a, b, c, d = await seed(
        app,
        [
            {
                "user_id": alice.id,
                "start": t(1),
                "event_type_id": event_types.regular,
                "created_at": t(-10),
                "updated_at": t(-1),
            },
            {
                "user_id": alice.id,
                "start": t(2),
                "event_type_id": event_types.confirm,
                "attendees": [plus],
                "created_at": t(-9),
                "updated_at": t(-2),
            },
            {
                "user_id": alice.id,
                "start": t(3),
                "event_type_id": event_types.regular,
                "attendees": [("Ann", "ann@example.com")],
                "created_at": t(-8),
                "updated_at": t(-3),
            },
            {"user_id": alice.id, "start": t(4), "minutes": 60, "created_at": t(-7), "updated_at": t(-4)},
        ],
    )
    assert uids_of(await listed(client, alice, attendeeEmail=" jane@example.com ")) == [a, d]
    # "+" arrives as a space in a query string; Cal.com turns inner spaces back into "+".
    response = await client.get("/v2/bookings?attendeeEmail=max+tag@example.com", headers=v2(alice))
    assert uids_of(response.json()) == [b]
    assert uids_of(await listed(client, alice, attendeeName="Ann")) == [c]
    assert uids_of(await listed(client, alice, bookingUid=c)) == [c]
    assert uids_of(await listed(client, alice, eventTypeIds=f"{event_types.regular},{event_types.confirm}")) == [
        a,
        b,
        c,
    ]
    assert uids_of(await listed(client, alice, eventTypeId=str(event_types.confirm))) == [b]
    assert uids_of(
        await listed(client, alice, afterStart=t(2).isoformat(), beforeEnd=(t(3) + timedelta(minutes=30)).isoformat())
    ) == [b, c]
    assert uids_of(
        await listed(client, alice, afterCreatedAt=t(-9).isoformat(), beforeCreatedAt=t(-8).isoformat())
    ) == [b, c]
    assert uids_of(
        await listed(client, alice, afterUpdatedAt=t(-3).isoformat(), beforeUpdatedAt=t(-2).isoformat())
    ) == [b, c]
    # Teams do not exist yet, so no booking belongs to one: a team filter matches nothing.
    assert uids_of(await listed(client, alice, teamsIds="1,2")) == []
    assert uids_of(await listed(client, alice, teamId="1")) == []

    assert uids_of(await listed(client, alice, sortStart="desc")) == [d, c, b, a]
    assert uids_of(await listed(client, alice, sortEnd="desc")) == [d, c, b, a]
    assert uids_of(await listed(client, alice, sortCreated="desc")) == [d, c, b, a]
    assert uids_of(await listed(client, alice, sortUpdatedAt="asc")) == [d, c, b, a]
    # The first sort present wins, in the order sortStart, sortEnd, sortCreated, sortUpdatedAt.
    assert uids_of(await listed(client, alice, sortUpdatedAt="asc", sortCreated="desc", sortEnd="asc")) == [a, b, c, d]


# ---------------------------------------------------------------- statements


@BOTH_DATABASES
async def test_statement_count_does_not_grow_with_the_page(app, client, alice, bob, event_types, frozen_now):
    async def statements_for_list(user) -> tuple[int, int]:
        await listed(client, user)  # the key's first use records lastUsedAt; count the steady state
        with count_statements(app) as statements:
            body = await listed(client, user)
        return len(statements), len(body["data"])

    await seed(app, [{"user_id": alice.id, "start": t(1), "event_type_id": event_types.regular}])
    one, listed_one = await statements_for_list(alice)
    await seed(
        app,
        [
            {
                "user_id": bob.id,
                "start": t(1, i),
                "event_type_id": event_types.regular,
                "attendees": [JANE, ("Zed", f"z{i}@example.com")],
            }
            for i in range(50)
        ],
    )
    fifty, listed_fifty = await statements_for_list(bob)
    assert (listed_one, listed_fifty) == (1, 50)
    assert one == fifty
    assert fifty <= 8  # count, page, attendees, event types, organizers (+ the key lookup on PostgreSQL)
