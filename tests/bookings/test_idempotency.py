"""``Idempotency-Key`` on booking create / cancel / reschedule: replay for retries, 422 for another body."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack

import httpx
from sqlalchemy import func, select

from calapi.bookings.models import Booking
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, booking_body, v2
from tests.bookings.test_concurrency import SERVER_SETTINGS, servers_for
from tests.conftest import BOTH_DATABASES
from tests.support.servers import running_server


async def booking_count(app) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Booking)))


@BOTH_DATABASES
async def test_ten_parallel_retries_with_one_key_make_one_booking(app, database_url, event_types):
    body = booking_body(event_types.regular, at(MONDAY, "10:00"))
    with ExitStack() as stack:
        bases = [
            stack.enter_context(running_server(database_url=database_url, **SERVER_SETTINGS))
            for _ in range(servers_for(database_url))
        ]
        limits = httpx.Limits(max_connections=10, max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            responses = await asyncio.gather(
                *(
                    http.post(
                        f"{bases[i % len(bases)]}/v2/bookings", json=body, headers=v2(**{"Idempotency-Key": "retry-1"})
                    )
                    for i in range(10)
                )
            )
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
    assert len({r.content for r in responses}) == 1  # byte-identical answers
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 9
    assert await booking_count(app) == 1


@BOTH_DATABASES
async def test_same_key_with_another_body_is_422(client, app, event_types):
    key = {"Idempotency-Key": "k-2"}
    first = await book(client, event_types.regular, at(MONDAY, "10:00"), headers=key)
    assert first.status_code == 201
    other = await book(client, event_types.regular, at(MONDAY, "11:00"), headers=key)
    assert other.status_code == 422, other.text
    assert other.json()["error"]["message"].startswith("Idempotency-Key was already used with a different request body")
    # Key order and spacing do not make a body "different".
    again = await client.post(
        "/v2/bookings",
        content=httpx.Request(
            "POST", "/", json=dict(reversed(list(booking_body(event_types.regular, at(MONDAY, "10:00")).items())))
        ).content,
        headers=v2(**key, **{"content-type": "application/json"}),
    )
    assert again.status_code == 201 and again.json() == first.json()
    assert await booking_count(app) == 1


async def test_errors_are_replayed_and_keys_are_per_caller(client, alice, event_types):
    taken = await book(client, event_types.regular, at(MONDAY, "10:00"))
    assert taken.status_code == 201
    key = {"Idempotency-Key": "k-3"}
    refused = await book(client, event_types.regular, at(MONDAY, "10:00"), headers=key)
    assert refused.status_code == 409
    assert (await book(client, event_types.regular, at(MONDAY, "10:00"), headers=key)).json() == refused.json()
    # Another caller using the same key string is a different key.
    theirs = await book(
        client, event_types.regular, at(MONDAY, "11:00"), attendee={**ATTENDEE}, headers={**key, **alice.headers}
    )
    assert theirs.status_code == 201


async def test_cancel_retry_replays_the_first_answer(client, event_types):
    uid = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]["uid"]
    key = {"Idempotency-Key": "cancel-1"}
    first = await client.post(f"/v2/bookings/{uid}/cancel", json={"cancellationReason": "ill"}, headers=v2(**key))
    assert first.status_code == 200, first.text
    retry = await client.post(f"/v2/bookings/{uid}/cancel", json={"cancellationReason": "ill"}, headers=v2(**key))
    assert retry.status_code == 200 and retry.json() == first.json()
    fresh = await client.post(f"/v2/bookings/{uid}/cancel", json={"cancellationReason": "ill"}, headers=v2())
    assert fresh.status_code == 400  # without the key it is a second cancel: already cancelled


def client_from(app, address: str) -> httpx.AsyncClient:
    """A client whose connection comes from ``address``."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url="http://testserver"
    )


async def test_anonymous_callers_at_other_addresses_have_their_own_keys(app, event_types):
    key = {"Idempotency-Key": "checkout-1"}
    async with client_from(app, "198.51.100.1") as first_caller, client_from(app, "203.0.113.7") as second_caller:
        first = await book(first_caller, event_types.regular, at(MONDAY, "10:00"), headers=key)
        assert first.status_code == 201, first.text
        # Another person whose client happens to pick the same key string books their own slot.
        second = await book(
            second_caller,
            event_types.regular,
            at(MONDAY, "11:00"),
            attendee={**ATTENDEE, "email": "sam@example.com"},
            headers=key,
        )
        assert second.status_code == 201, second.text
        assert second.json()["data"]["uid"] != first.json()["data"]["uid"]
        assert "idempotent-replayed" not in second.headers
        # The first caller's retry is still a replay.
        retry = await book(first_caller, event_types.regular, at(MONDAY, "10:00"), headers=key)
        assert retry.status_code == 201 and retry.headers["idempotent-replayed"] == "true"
        assert retry.json() == first.json()
    assert await booking_count(app) == 2


async def test_a_refreshed_key_is_the_same_caller(client, alice, event_types):
    key = {"Idempotency-Key": "checkout-2"}
    first = await book(client, event_types.regular, at(MONDAY, "10:00"), headers={**key, **alice.headers})
    assert first.status_code == 201, first.text
    refreshed = await client.post("/v2/api-keys/refresh", headers=alice.headers)
    new_key = {"Authorization": f"Bearer {refreshed.json()['data']['apiKey']}"}
    retry = await book(client, event_types.regular, at(MONDAY, "10:00"), headers={**key, **new_key})
    assert retry.status_code == 201 and retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
