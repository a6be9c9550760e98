"""API v1 ``/selected-calendars``, ``/destination-calendars``, ``/connected-calendars`` and
``/booking-references`` (``?apiKey=``) over the calendars service.

System admins list everyone's rows (or those of the ``userId`` filter) and act on any row; anyone
else sees their own, and another user's id answers as one that does not exist (404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from calapi.calendars import api_schemas as declared
from calapi.calendars import integrations, service
from calapi.calendars.commands import CalendarRef, DestinationFields, ReferenceFields
from calapi.calendars.models import BookingReference, DestinationCalendar, SelectedCalendar
from calapi.calendars.settings import calendar_settings
from calapi.core import authorization, v1
from calapi.core.api_schemas import V1Message, declare, v1_created, v1_one
from calapi.core.auth import Principal, V1Principal
from calapi.core.clock import Now
from calapi.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from calapi.db import SessionDep
from calapi.users import service as users_service

router = v1.v1_router(tags=["v1 Calendars"])

Int32 = Annotated[int, Field(ge=1, le=2**31 - 1)]


# ---------------------------------------------------------------- presenters


def selected_output(row: SelectedCalendar) -> dict[str, Any]:
    return {
        "userId": row.user_id,
        "integration": row.integration,
        "externalId": row.external_id,
        "credentialId": row.credential_id,
        "eventTypeId": None,
    }


def destination_output(row: DestinationCalendar) -> dict[str, Any]:
    return {
        "id": row.id,
        "integration": row.integration,
        "externalId": row.external_id,
        "eventTypeId": row.event_type_id,
        "bookingId": row.booking_id,
        # Cal.com links an event type's destination to the event type only.
        "userId": None if row.event_type_id is not None else row.user_id,
        "credentialId": row.credential_id,
    }


def reference_output(row: BookingReference) -> dict[str, Any]:
    return {
        "id": row.id,
        "type": row.type,
        "uid": row.uid,
        "meetingId": row.meeting_id,
        "meetingPassword": row.meeting_password,
        "meetingUrl": row.meeting_url,
        "bookingId": row.booking_id,
        "externalCalendarId": row.external_calendar_id,
        "deleted": row.deleted,
        "credentialId": row.credential_id,
    }


# ---------------------------------------------------------------- selected calendars


class SelectedCalendarV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    integration: str = Field(min_length=1, max_length=32)
    externalId: str = Field(min_length=1, max_length=2048)
    credentialId: Int32 | None = None
    userId: Int32 | None = None


class EditSelectedCalendarV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    integration: str | None = Field(default=None, min_length=1, max_length=32)
    externalId: str | None = Field(default=None, min_length=1, max_length=2048)
    credentialId: Int32 | None = None
    userId: Int32 | None = None


def parse_selected_id(raw: str) -> tuple[int, CalendarRef]:
    """``{userId}_{integration}_{externalId}``: the user id before the first ``_``, the rest split
    at the first ``_calendar_`` (the integration gets ``_calendar`` back), as Cal.com parses it."""
    user_id, _, rest = raw.partition("_")
    if not user_id.isdigit() or len(user_id) > 10:
        raise BadRequest("userId is not a number")
    integration, _, external_id = rest.partition("_calendar_")
    if not integration:
        raise BadRequest("Missing integration")
    if not external_id:
        raise BadRequest("Missing externalId")
    return int(user_id), CalendarRef(f"{integration}_calendar", external_id)


def _selected_owner(principal: Principal, user_id: int, raw: str) -> int:
    if not authorization.may_act_for(principal, user_id):
        raise NotFound(f"Selected calendar with id: {raw} not found")
    return user_id


def _not_found_selected(raw: str) -> NotFound:
    return NotFound(f"Selected calendar with id: {raw} not found")


@router.get(
    "/selected-calendars",
    operation_id="v1_selected_calendars_list",
    **declare(v1_one("selected_calendars", list[declared.V1SelectedCalendar])),
)
async def list_selected(
    principal: V1Principal,
    session: SessionDep,
    userId: Annotated[list[int], Query()] = [],  # noqa: B006
) -> dict[str, Any]:
    owners = authorization.user_filter(principal, userId, refusal=Forbidden("ADMIN required"))
    rows = await service.list_selected(session, owners)
    return v1.many("selected_calendars", [selected_output(r) for r in rows])


@router.post(
    "/selected-calendars",
    operation_id="v1_selected_calendars_create",
    **declare(v1_created("selected_calendar", declared.V1SelectedCalendar)),
)
async def create_selected(body: SelectedCalendarV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = authorization.acting_user(principal, body.userId, refusal=Forbidden("ADMIN required for userId"))
    if owner != principal.user_id:
        with v1.reworded(not_found=NotFound("User not found")):
            await users_service.get(session, owner)
    ref = CalendarRef(body.integration, body.externalId, body.credentialId)
    row = await service.select_calendar(session, owner, ref)
    return v1.created("selected_calendar", selected_output(row), "Selected Calendar")


SelectedId = Annotated[str, Path(max_length=2200)]


@router.get(
    "/selected-calendars/{id:path}",
    operation_id="v1_selected_calendars_get",
    **declare(v1_one("selected_calendar", declared.V1SelectedCalendar)),
)
async def get_selected(id: SelectedId, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user_id, ref = parse_selected_id(id)
    owner = _selected_owner(principal, user_id, id)
    with v1.reworded(not_found=_not_found_selected(id)):
        row = await service.find_selected(session, owner, ref)
    return v1.one("selected_calendar", selected_output(row))


@router.patch(
    "/selected-calendars/{id:path}",
    operation_id="v1_selected_calendars_update",
    **declare(v1_one("selected_calendar", declared.V1SelectedCalendar)),
)
async def update_selected(
    id: SelectedId, body: EditSelectedCalendarV1, principal: V1Principal, session: SessionDep
) -> dict[str, Any]:
    user_id, ref = parse_selected_id(id)
    if body.userId is not None and body.userId != user_id:
        authorization.require_admin(principal, Forbidden("ADMIN required for userId"))
        raise BadRequest("A selected calendar cannot move to another user: select it for that user instead")
    owner = _selected_owner(principal, user_id, id)
    target = CalendarRef(body.integration or ref.integration, body.externalId or ref.external_id, body.credentialId)
    with v1.reworded(not_found=_not_found_selected(id)):
        current = await service.find_selected(session, owner, ref)
    row = await service.move_selected(
        session, owner, CalendarRef(ref.integration, ref.external_id, current.credential_id), target
    )
    return v1.one("selected_calendar", selected_output(row))


@router.delete("/selected-calendars/{id:path}", operation_id="v1_selected_calendars_delete", **declare(V1Message))
async def delete_selected(id: SelectedId, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user_id, ref = parse_selected_id(id)
    owner = _selected_owner(principal, user_id, id)
    with v1.reworded(not_found=_not_found_selected(id)):
        await service.unselect_calendar(session, owner, ref)
    return v1.deleted("Selected Calendar", id)


# ---------------------------------------------------------------- destination calendars


class DestinationCalendarV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    integration: str = Field(min_length=1, max_length=32)
    externalId: str = Field(min_length=1, max_length=2048)
    eventTypeId: Int32 | None = None
    bookingId: Int32 | None = None
    userId: Int32 | None = None


class EditDestinationCalendarV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    integration: str | None = Field(default=None, min_length=1, max_length=32)
    externalId: str | None = Field(default=None, min_length=1, max_length=2048)
    eventTypeId: Int32 | None = None
    bookingId: Int32 | None = None
    userId: Int32 | None = None


def _destination_missing(destination_id: int) -> NotFound:
    return NotFound(f"Destination calendar with id: {destination_id} not found")


async def _destination_owner(session: SessionDep, principal: Principal, destination_id: int) -> int:
    owner = await service.destination_owner(session, destination_id)
    missing = _destination_missing(destination_id)
    return authorization.acting_owner(principal, owner, refusal=missing, missing=missing)


@router.get(
    "/destination-calendars",
    operation_id="v1_destination_calendars_list",
    **declare(v1_one("destinationCalendars", list[declared.V1DestinationCalendar])),
)
async def list_destinations(
    principal: V1Principal,
    session: SessionDep,
    userId: Annotated[list[int], Query()] = [],  # noqa: B006
) -> dict[str, Any]:
    owners = authorization.user_filter(principal, userId, refusal=v1.admin_required("ADMIN required", status=401))
    rows = await service.list_destinations(session, owners)
    return v1.many("destinationCalendars", [destination_output(r) for r in rows])


@router.post(
    "/destination-calendars",
    operation_id="v1_destination_calendars_create",
    **declare(v1_created("destinationCalendar", declared.V1DestinationCalendar)),
)
async def create_destination(
    body: DestinationCalendarV1, principal: V1Principal, session: SessionDep
) -> dict[str, Any]:
    # Cal.com's order: a non-admin may not name a user; an admin must.
    if not principal.is_admin and body.userId is not None:
        raise Unauthorized("ADMIN required for `userId`")
    if principal.is_admin and body.userId is None:
        raise BadRequest("`userId` required")
    owner = body.userId or principal.user_id
    fields = DestinationFields(body.integration, body.externalId, body.eventTypeId, body.bookingId)
    row = await service.create_destination(session, owner, fields)
    return v1.created("destinationCalendar", destination_output(row), "Destination calendar")


@router.get(
    "/destination-calendars/{id}",
    operation_id="v1_destination_calendars_get",
    **declare(v1_one("destinationCalendar", declared.V1DestinationCalendar)),
)
async def get_destination(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _destination_owner(session, principal, id)
    with v1.reworded(not_found=_destination_missing(id)):
        row = await service.get_destination(session, owner, id)
    return v1.one("destinationCalendar", destination_output(row))


@router.patch(
    "/destination-calendars/{id}",
    operation_id="v1_destination_calendars_update",
    **declare(v1_one("destinationCalendar", declared.V1DestinationCalendar)),
)
async def update_destination(
    id: int, body: EditDestinationCalendarV1, principal: V1Principal, session: SessionDep
) -> dict[str, Any]:
    owner = await _destination_owner(session, principal, id)
    if body.userId is not None and body.userId != owner:
        raise BadRequest("A destination calendar cannot move to another user")
    fields = DestinationFields(body.integration, body.externalId, body.eventTypeId, body.bookingId)
    with v1.reworded(not_found=_destination_missing(id)):
        row = await service.update_destination(session, owner, id, fields)
    return v1.one("destinationCalendar", destination_output(row))


@router.delete("/destination-calendars/{id}", operation_id="v1_destination_calendars_delete", **declare(V1Message))
async def delete_destination(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _destination_owner(session, principal, id)
    await service.delete_destination(session, owner, id)
    return {"message": "OK, Destination Calendar removed successfully"}


# ---------------------------------------------------------------- connected calendars


@router.get(
    "/connected-calendars",
    operation_id="v1_connected_calendars_list",
    **declare(list[declared.V1ConnectedCalendar]),
)
async def list_connected(
    principal: V1Principal,
    session: SessionDep,
    request: Request,
    now: Now,
    userId: Annotated[list[int], Query()] = [],  # noqa: B006
) -> list[dict[str, Any]]:
    owners = authorization.user_filter(principal, userId, refusal=v1.admin_required("ADMIN required", status=403))
    config = calendar_settings(request.app.state.settings)
    connections = await service.connected(session, owners, now=now, config=config)
    return [  # a bare array, as Cal.com sends it
        {
            "name": integrations.name_of(c.credential.type),
            "appId": integrations.APP_IDS.get(c.credential.type),
            "userId": c.credential.user_id,
            "integration": c.credential.type,
            "calendars": [
                {"externalId": s.external_id, "name": s.name, "primary": s.primary, "readOnly": s.read_only}
                for s in c.calendars
            ],
        }
        for c in connections
    ]


# ---------------------------------------------------------------- booking references


class BookingReferenceV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bookingId: Int32
    type: str = Field(min_length=1, max_length=64)
    uid: str = Field(min_length=1, max_length=255)
    meetingId: str | None = Field(default=None, max_length=255)
    meetingPassword: str | None = Field(default=None, max_length=255)
    meetingUrl: str | None = Field(default=None, max_length=2048)
    externalCalendarId: str | None = Field(default=None, max_length=2048)
    deleted: bool | None = None
    credentialId: Int32 | None = None


class EditBookingReferenceV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bookingId: Int32 | None = None
    type: str | None = Field(default=None, min_length=1, max_length=64)
    uid: str | None = Field(default=None, min_length=1, max_length=255)
    meetingId: str | None = Field(default=None, max_length=255)
    meetingPassword: str | None = Field(default=None, max_length=255)
    meetingUrl: str | None = Field(default=None, max_length=2048)
    externalCalendarId: str | None = Field(default=None, max_length=2048)
    deleted: bool | None = None
    credentialId: Int32 | None = None


_REFERENCE_FIELDS = {
    "bookingId": "booking_id",
    "type": "type",
    "uid": "uid",
    "meetingId": "meeting_id",
    "meetingPassword": "meeting_password",
    "meetingUrl": "meeting_url",
    "externalCalendarId": "external_calendar_id",
    "deleted": "deleted",
    "credentialId": "credential_id",
}


def _reference_fields(body: BaseModel) -> ReferenceFields:
    given = body.model_dump(exclude_unset=True)
    values = {_REFERENCE_FIELDS[k]: v for k, v in given.items()}
    return ReferenceFields(**values, given=frozenset(values))


def _reference_missing(reference_id: int) -> NotFound:
    return NotFound(f"Booking reference with id: {reference_id} not found")


async def _reference_scope(session: SessionDep, principal: Principal, reference_id: int) -> int | None:
    """The organizer whose bookings bound this call (None: a system admin's, unbound)."""
    owner = await service.reference_owner(session, reference_id)
    missing = _reference_missing(reference_id)
    authorization.acting_owner(principal, owner, refusal=missing, missing=missing)
    return None if principal.is_admin else principal.user_id


@router.get(
    "/booking-references",
    operation_id="v1_booking_references_list",
    **declare(v1_one("booking_references", list[declared.V1BookingReference])),
)
async def list_references(principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    rows = await service.list_references(session, None if principal.is_admin else principal.user_id)
    return v1.many("booking_references", [reference_output(r) for r in rows])


@router.post(
    "/booking-references",
    operation_id="v1_booking_references_create",
    **declare(v1_created("booking_reference", declared.V1BookingReference)),
)
async def create_reference(body: BookingReferenceV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    scope = None if principal.is_admin else principal.user_id
    row = await service.create_reference(session, _reference_fields(body), organizer_id=scope)
    return v1.created("booking_reference", reference_output(row), "Booking reference")


@router.get(
    "/booking-references/{id}",
    operation_id="v1_booking_references_get",
    **declare(v1_one("booking_reference", declared.V1BookingReference)),
)
async def get_reference(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    await _reference_scope(session, principal, id)
    return v1.one("booking_reference", reference_output(await service.get_reference(session, id)))


@router.patch(
    "/booking-references/{id}",
    operation_id="v1_booking_references_update",
    **declare(v1_one("booking_reference", declared.V1BookingReference)),
)
async def update_reference(
    id: int, body: EditBookingReferenceV1, principal: V1Principal, session: SessionDep
) -> dict[str, Any]:
    scope = await _reference_scope(session, principal, id)
    row = await service.update_reference(session, id, _reference_fields(body), organizer_id=scope)
    return v1.one("booking_reference", reference_output(row))


@router.delete("/booking-references/{id}", operation_id="v1_booking_references_delete", **declare(V1Message))
async def delete_reference(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    await _reference_scope(session, principal, id)
    await service.delete_reference(session, id)
    return {"message": f"BookingReference with id: {id} deleted"}
