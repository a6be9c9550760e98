"""What the availability-cache tests share: Monday's listed start times, and the changes a host's
availability goes through (each made through the API of whichever server is given)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.bookings.conftest import ATTENDEE, MONDAY, at, booking_body, v2

SLOTS_VERSION = "2024-09-04"


async def listed(http: httpx.AsyncClient, event_type_id: int, base: str = "") -> list[str]:
    """The UTC clock times (``HH:MM``) listed for Monday."""
    params = {"eventTypeId": event_type_id, "start": MONDAY, "end": MONDAY}
    response = await http.get(f"{base}/v2/slots", params=params, headers={"cal-api-version": SLOTS_VERSION})
    assert response.status_code == 200, response.text
    return [slot["start"][11:16] for slot in response.json()["data"].get(MONDAY, [])]


async def create(http: httpx.AsyncClient, event_type_id: int, clock: str, base: str = "", **body: Any) -> str:
    attendee = {**ATTENDEE, "email": f"{clock.replace(':', '')}@example.com"}
    response = await http.post(
        f"{base}/v2/bookings",
        json=booking_body(event_type_id, at(MONDAY, clock), attendee=attendee, **body),
        headers=v2(),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["uid"])


async def cancel(http: httpx.AsyncClient, uid: str, base: str = "") -> None:
    response = await http.post(f"{base}/v2/bookings/{uid}/cancel", json={"cancellationReason": "Off"}, headers=v2())
    assert response.status_code == 200, response.text


async def reschedule(http: httpx.AsyncClient, uid: str, clock: str, base: str = "") -> str:
    response = await http.post(f"{base}/v2/bookings/{uid}/reschedule", json={"start": at(MONDAY, clock)}, headers=v2())
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["uid"])


async def hold(http: httpx.AsyncClient, event_type_id: int, clock: str, base: str = "") -> str:
    body = {"eventTypeId": event_type_id, "slotStart": at(MONDAY, clock)}
    response = await http.post(f"{base}/v2/slots/reservations", json=body, headers={"cal-api-version": SLOTS_VERSION})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["reservationUid"])


async def release(http: httpx.AsyncClient, uid: str, base: str = "") -> None:
    response = await http.delete(f"{base}/v2/slots/reservations/{uid}", headers={"cal-api-version": SLOTS_VERSION})
    assert response.status_code == 200, response.text


async def set_hours(http: httpx.AsyncClient, user: Any, schedule_id: int, start: str, end: str, base: str = "") -> None:
    body = {
        "availability": [
            {"days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"], "startTime": start, "endTime": end}
        ]
    }
    response = await http.patch(f"{base}/v2/schedules/{schedule_id}", json=body, headers=v2(user, "2024-06-11"))
    assert response.status_code == 200, response.text


async def set_after_buffer(
    http: httpx.AsyncClient, user: Any, event_type_id: int, minutes: int, base: str = ""
) -> None:
    response = await http.patch(
        f"{base}/v2/event-types/{event_type_id}", json={"afterEventBuffer": minutes}, headers=v2(user, "2024-06-14")
    )
    assert response.status_code == 200, response.text


async def changes_show_in_the_next_listing(
    writer: httpx.AsyncClient,
    reader: httpx.AsyncClient,
    alice: Any,
    event_types: Any,
    schedule_id: int,
    *,
    writer_base: str = "",
    reader_base: str = "",
) -> None:
    """Each change made through ``writer`` shows in ``reader``'s next listing, its cache warm before."""
    regular, other = event_types.regular, event_types.variable
    w, r = writer_base, reader_base

    async def listing() -> list[str]:
        return await listed(reader, regular, r)

    full = await listing()
    assert {"10:00", "11:00", "12:00", "13:00", "14:00", "15:00"} <= set(full)
    assert await listing() == full  # warm

    uid = await create(writer, regular, "10:00", w)  # a booking
    assert "10:00" not in await listing()
    await cancel(writer, uid, w)  # its cancellation
    assert await listing() == full

    held = await hold(writer, regular, "11:00", w)  # a hold
    assert "11:00" not in await listing()
    await release(writer, held, w)
    assert await listing() == full

    moved = await reschedule(writer, await create(writer, regular, "12:00", w), "13:00", w)  # a reschedule
    after_move = await listing()
    assert "12:00" in after_move and "13:00" not in after_move
    await cancel(writer, moved, w)
    assert await listing() == full

    await create(writer, other, "09:00", w)  # another event type's booking, then its buffer
    assert "09:00" not in await listing() and "09:30" in await listing()
    await set_after_buffer(writer, alice, other, 30, w)
    assert "09:30" not in await listing()

    await set_hours(writer, alice, schedule_id, "09:00", "12:00", w)  # the host's schedule
    assert max(await listing()) == "11:30"
