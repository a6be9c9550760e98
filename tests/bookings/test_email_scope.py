"""An email change through the API does not widen which bookings a user can list.

Booking lists show what the caller organises and what the caller's *proven* address attends. A user
who asks for a new address (``PATCH /v2/me`` or a self-edit with ``PATCH /v1/users/{id}``) gets it
stored as pending: the answers keep showing the proven address in ``email`` (what Cal.com answers
with email verification on), and the lists keep matching that address only. A system admin's edit
proves the address, as when an admin creates the user.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from calapi.users.models import User
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, v2
from tests.conftest import BOTH_DATABASES

VICTIM = ATTENDEE["email"]  # the address attending Alice's booking


async def _booked(client: httpx.AsyncClient, event_type_id: int, clock: str, email: str) -> dict[str, Any]:
    response = await book(client, event_type_id, at(MONDAY, clock), attendee={**ATTENDEE, "email": email})
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def _v2_uids(client: httpx.AsyncClient, user: Any, **params: str) -> set[str]:
    response = await client.get("/v2/bookings", params=params, headers=v2(user))
    assert response.status_code == 200, response.text
    return {b["uid"] for b in response.json()["data"]}


async def _legacy_uids(client: httpx.AsyncClient, user: Any) -> set[str]:
    response = await client.get("/v2/bookings", params={"filters[status]": "upcoming"}, headers=user.headers)
    assert response.status_code == 200, response.text
    return {b["uid"] for b in response.json()["data"]["bookings"]}


async def _v1_ids(client: httpx.AsyncClient, user: Any, **params: Any) -> set[int]:
    response = await client.get("/v1/bookings", params={"apiKey": user.key, **params})
    assert response.status_code == 200, response.text
    return {b["id"] for b in response.json()["bookings"]}


async def _pending_email(app: Any, user_id: int) -> tuple[str, str | None]:
    async with app.state.sessionmaker() as session:
        row = (await session.execute(select(User.email, User.pending_email).where(User.id == user_id))).one()
    return row.email, row.pending_email


async def _me_email(client: httpx.AsyncClient, user: Any) -> str:
    response = await client.get("/v2/me", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]["email"]


@BOTH_DATABASES
async def test_a_self_service_email_change_to_an_attendee_address_reveals_none_of_its_bookings(
    app, client, alice, bob, admin, event_types
):
    theirs = await _booked(client, event_types.regular, "10:00", VICTIM)
    own = await _booked(client, event_types.regular, "11:00", bob.email)  # Bob attends at his own address

    response = await client.patch("/v2/me", headers=bob.headers, json={"email": VICTIM.upper()})
    assert response.status_code == 200, response.text
    # As Cal.com answers with email verification on: ``email`` stays the proven address.
    assert response.json()["data"]["email"] == bob.email
    assert await _me_email(client, bob) == bob.email
    assert await _pending_email(app, bob.id) == (bob.email, VICTIM)

    # Every booking list Bob can call: his own attendance shows, the address he asked for does not.
    assert await _v2_uids(client, bob) == {own["uid"]}
    assert await _v2_uids(client, bob, attendeeEmail=VICTIM) == set()
    assert await _legacy_uids(client, bob) == {own["uid"]}
    assert theirs["id"] not in await _v1_ids(client, bob)
    # A system admin listing Bob's bookings (organised or attended) matches his proven address too.
    assert await _v1_ids(client, admin, userId=bob.id) == {own["id"]}
    # The address's real bookings are untouched for their host.
    assert await _v2_uids(client, alice) == {theirs["uid"], own["uid"]}


@BOTH_DATABASES
async def test_a_v1_self_edit_of_the_email_is_pending_as_well(app, client, bob, event_types):
    theirs = await _booked(client, event_types.regular, "10:00", VICTIM)

    response = await client.patch(f"/v1/users/{bob.id}", params={"apiKey": bob.key}, json={"email": VICTIM})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == bob.email
    got = await client.get(f"/v1/users/{bob.id}", params={"apiKey": bob.key})
    assert got.json()["user"]["email"] == bob.email
    assert await _pending_email(app, bob.id) == (bob.email, VICTIM)

    assert theirs["uid"] not in await _v2_uids(client, bob)
    assert theirs["uid"] not in await _legacy_uids(client, bob)
    assert theirs["id"] not in await _v1_ids(client, bob)


@BOTH_DATABASES
async def test_asking_for_the_proven_address_again_withdraws_the_pending_change(app, client, bob):
    assert (await client.patch("/v2/me", headers=bob.headers, json={"email": "new-bob@example.com"})).status_code == 200
    assert await _pending_email(app, bob.id) == (bob.email, "new-bob@example.com")

    response = await client.patch("/v2/me", headers=bob.headers, json={"email": bob.email})
    assert response.status_code == 200, response.text
    assert await _pending_email(app, bob.id) == (bob.email, None)


@BOTH_DATABASES
async def test_an_email_set_by_a_system_admin_is_proven(app, client, bob, admin, event_types):
    moved = "bobby@example.com"
    attended = await _booked(client, event_types.regular, "10:00", moved)

    response = await client.patch(f"/v1/users/{bob.id}", params={"apiKey": admin.key}, json={"email": moved})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == moved
    assert await _me_email(client, bob) == moved
    assert await _pending_email(app, bob.id) == (moved, None)
    assert await _v2_uids(client, bob) == {attended["uid"]}
    assert await _legacy_uids(client, bob) == {attended["uid"]}
