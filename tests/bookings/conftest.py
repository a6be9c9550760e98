"""Shared booking fixtures: a host with a UTC working week and one event type of each kind, all made
through the HTTP API, plus ``book`` — a ``POST /v2/bookings`` with sensible defaults.

Bookings are made in September 2050 (far from the real clock, so notice and "past" never bite):
2050-09-05 is a Monday; the host works Monday–Friday 09:00–17:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

BOOKINGS_VERSION = "2024-08-13"
MONDAY = "2050-09-05"
ATTENDEE = {"name": "Jane Booker", "email": "jane@example.com", "timeZone": "Europe/Rome", "language": "it"}
SEATS = 5
OCCURRENCES = 4
OMIT = object()  # ``book(..., key=OMIT)`` leaves ``key`` out of the body


def at(day: str, clock: str) -> str:
    """``at(MONDAY, "10:00")`` → ``"2050-09-05T10:00:00.000Z"`` (UTC)."""
    return f"{day}T{clock}:00.000Z"


def v2(user: Any = None, version: str = BOOKINGS_VERSION, **extra: str) -> dict[str, str]:
    return {**(user.headers if user else {}), "cal-api-version": version, **extra}


@dataclass(frozen=True)
class EventTypes:
    """Ids of the host's event types (slug = attribute name)."""

    regular: int
    seated: int
    confirm: int
    recurring: int
    variable: int


async def make_schedule(client: httpx.AsyncClient, user: Any, *, time_zone: str = "UTC") -> int:
    body = {
        "name": "Working hours",
        "timeZone": time_zone,
        "isDefault": True,
        "availability": [
            {"days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"], "startTime": "09:00", "endTime": "17:00"}
        ],
    }
    response = await client.post("/v2/schedules", json=body, headers=v2(user, "2024-06-11"))
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


async def make_event_type(client: httpx.AsyncClient, user: Any, slug: str, **fields: Any) -> int:
    body = {"lengthInMinutes": 30, "title": slug.title(), "slug": slug, "minimumBookingNotice": 0, **fields}
    response = await client.post("/v2/event-types", json=body, headers=v2(user, "2024-06-14"))
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


async def make_event_types(client: httpx.AsyncClient, user: Any) -> EventTypes:
    return EventTypes(
        regular=await make_event_type(client, user, "regular"),
        seated=await make_event_type(
            client,
            user,
            "seated",
            seats={"seatsPerTimeSlot": SEATS, "showAttendeeInfo": False, "showAvailabilityCount": True},
        ),
        confirm=await make_event_type(
            client, user, "confirm", confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": True}
        ),
        recurring=await make_event_type(
            client, user, "recurring", recurrence={"interval": 1, "occurrences": OCCURRENCES, "frequency": "weekly"}
        ),
        variable=await make_event_type(client, user, "variable", lengthInMinutesOptions=[15, 30, 60]),
    )


@pytest.fixture
async def host_schedule(client: httpx.AsyncClient, alice: Any) -> int:
    """Alice's default schedule: Monday–Friday 09:00–17:00 UTC."""
    return await make_schedule(client, alice)


@pytest.fixture
async def event_types(client: httpx.AsyncClient, alice: Any, host_schedule: int) -> EventTypes:
    """Alice's event types: regular (30 min), seated (5 seats, attendees hidden), confirm (requires
    confirmation), recurring (weekly × 4), variable (15/30/60, default 30). No minimum notice."""
    return await make_event_types(client, alice)


def booking_body(event_type_id: int | None, start_iso: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"start": start_iso, "eventTypeId": event_type_id, "attendee": dict(ATTENDEE)}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not OMIT}


async def book(
    client: httpx.AsyncClient, event_type_id: int | None, start_iso: str, **overrides: Any
) -> httpx.Response:
    """``POST /v2/bookings``; keyword arguments replace body keys (``OMIT`` drops one).

    ``headers=`` (extra request headers, e.g. a user's ``Authorization``) is not a body key.
    """
    headers = overrides.pop("headers", None) or {}
    return await client.post(
        "/v2/bookings", json=booking_body(event_type_id, start_iso, **overrides), headers=v2(**headers)
    )


@pytest.fixture
async def stranger(app: Any) -> Any:
    """A second booker with its own cookie jar (the first client's slot holds are someone else's)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
