"""API v1 ``/attendees`` (``?apiKey=``): attendees of the caller's bookings (system admins: all)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from calapi.bookings import attendees as attendees_service
from calapi.bookings.api_schemas import V1AttendeeRow
from calapi.bookings.models import Attendee
from calapi.bookings.service import queries
from calapi.core import authorization, v1
from calapi.core.api_schemas import V1Message, declare, v1_created, v1_one
from calapi.core.auth import Principal, V1Principal
from calapi.core.errors import Forbidden, NotFound
from calapi.core.limits import InputLimitsDep
from calapi.core.wire import TimeZoneName
from calapi.db import SessionDep

router = v1.v1_router(tags=["v1 Attendees"])

_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def attendee_output(attendee: Attendee) -> dict[str, Any]:
    return {
        "id": attendee.id,
        "bookingId": attendee.booking_id,
        "name": attendee.name,
        "email": attendee.email,
        "timeZone": attendee.time_zone,
    }


class CreateAttendeeV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bookingId: int
    email: str = Field(pattern=_EMAIL, max_length=320)
    name: str = Field(min_length=1, max_length=255)
    timeZone: TimeZoneName


class EditAttendeeV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, pattern=_EMAIL, max_length=320)
    name: str | None = Field(default=None, min_length=1, max_length=255)
    timeZone: TimeZoneName | None = None

    def changes(self) -> dict[str, Any]:
        columns = {"email": "email", "name": "name", "timeZone": "time_zone"}
        return {columns[k]: v for k, v in self.model_dump(exclude_unset=True).items() if v is not None}


async def _check(session: SessionDep, principal: Principal, attendee_id: int) -> None:
    organizer = await attendees_service.organizer_of(session, attendee_id)
    missing = NotFound(f"Attendee with id: {attendee_id} not found")
    authorization.acting_owner(principal, organizer, refusal=missing, missing=missing)


@router.get("/attendees", operation_id="v1_attendees_list", **declare(v1_one("attendees", list[V1AttendeeRow])))
async def list_attendees(principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    organizers = authorization.user_filter(principal, [])
    return v1.many(
        "attendees", [attendee_output(a) for a in await attendees_service.list_for_organizers(session, organizers)]
    )


@router.post("/attendees", operation_id="v1_attendees_create", **declare(v1_created("attendee", V1AttendeeRow)))
async def create_attendee(
    body: CreateAttendeeV1, principal: V1Principal, session: SessionDep, limits: InputLimitsDep
) -> dict[str, Any]:
    booking = await queries.booking_by_id(session, body.bookingId)
    # Another user's booking and a missing one answer alike: 403 Forbidden, as v1.
    authorization.acting_owner(
        principal,
        booking.user_id if booking else None,
        refusal=Forbidden("Forbidden"),
        missing=NotFound(f"Booking with id: {body.bookingId} not found"),
    )
    limits.check_attendee_added(body.bookingId, len(await attendees_service.of_booking(session, body.bookingId)))
    attendee = await attendees_service.add(
        session, body.bookingId, name=body.name, email=body.email, time_zone=body.timeZone
    )
    return v1.created("attendee", attendee_output(attendee), "Attendee")


@router.get("/attendees/{id}", operation_id="v1_attendees_get", **declare(v1_one("attendee", V1AttendeeRow)))
async def get_attendee(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    await _check(session, principal, id)
    return v1.one("attendee", attendee_output(await attendees_service.get(session, id)))


@router.patch("/attendees/{id}", operation_id="v1_attendees_update", **declare(v1_one("attendee", V1AttendeeRow)))
async def update_attendee(id: int, body: EditAttendeeV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    await _check(session, principal, id)
    return v1.one("attendee", attendee_output(await attendees_service.update(session, id, body.changes())))


@router.delete("/attendees/{id}", operation_id="v1_attendees_delete", **declare(V1Message))
async def delete_attendee(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    await _check(session, principal, id)
    await attendees_service.delete(session, id)
    return v1.deleted("Attendee", id)
