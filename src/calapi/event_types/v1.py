"""API v1 ``/event-types`` (``?apiKey=``), over the event types service.

A v1 body is translated into the v2 wire fields the service stores (``length`` →
``lengthInMinutes``, ``periodType`` → ``bookingWindow``, ``requiresConfirmation`` →
``confirmationPolicy`` …) and validated by the v2 schema, so both versions obey one set of rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from calapi.core import authorization, v1
from calapi.core.api_schemas import V1Message, declare, v1_created, v1_one
from calapi.core.auth import Principal, V1Principal
from calapi.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from calapi.core.presenters import wire, wire_all
from calapi.core.wire import TimeZoneName
from calapi.db import SessionDep
from calapi.event_types import api_schemas as declared
from calapi.event_types import custom_input_service, pricing, team_service
from calapi.event_types import service as event_types_service
from calapi.event_types.commands import EventTypeFields, NewEventType
from calapi.event_types.custom_inputs_v1 import present as present_custom_input
from calapi.event_types.models import EventType, EventTypeCustomInput
from calapi.event_types.output import (
    LIMIT_KEYS,
    PrismaLocation,
    prisma_limits,
    prisma_locations,
    prisma_period,
    stored_location,
)
from calapi.event_types.schemas import CreateEventTypeInput, UpdateEventTypeInput
from calapi.event_types.service import EventTypeView
from calapi.event_types.team_service import HostView
from calapi.teams import access
from calapi.users.models import User

router = v1.v1_router(tags=["v1 Event types"])

_RRULE_FREQUENCIES = {0: "yearly", 1: "monthly", 2: "weekly"}  # rrule's YEARLY, MONTHLY, WEEKLY
_RRULE_NUMBERS = {name: number for number, name in _RRULE_FREQUENCIES.items()}
_TEAM_ONLY = ("teamId", "schedulingType", "hosts", "parentId", "assignAllTeamMembers")


# --- output -------------------------------------------------------------------------------------


def present_event_type(
    event_type: EventType,
    owner: User | None,
    hosts: tuple[HostView, ...] = (),
    custom_inputs: Sequence[EventTypeCustomInput] = (),
) -> declared.V1EventType:
    """A personal event type (``owner``: its user, ``custom_inputs``: its own), or a team's with its
    ``hosts``."""
    settings = event_type.settings or {}
    seats = event_type.seats if event_type.seats and not event_type.seats.get("disabled") else None
    recurrence = event_type.recurrence if event_type.recurrence and not event_type.recurrence.get("disabled") else None
    schedule_id = event_type.schedule_id
    if schedule_id is None and event_type.team_id is None and owner is not None:
        schedule_id = owner.default_schedule_id  # v1 falls back to the owner's default schedule
    username = owner.username if owner is not None else None
    return declared.V1EventType.model_construct(
        id=event_type.id,
        title=event_type.title,
        slug=event_type.slug,
        length=event_type.length_in_minutes,
        hidden=event_type.hidden,
        position=settings.get("position", 0),
        userId=event_type.owner_id,
        teamId=event_type.team_id,
        scheduleId=schedule_id,
        eventName=settings.get("customName"),
        timeZone=settings.get("timeZone"),
        **prisma_period(event_type.booking_window),
        requiresConfirmation=event_type.requires_confirmation,
        recurringEvent=(
            declared.V1RecurringEvent.model_construct(
                freq=_RRULE_NUMBERS[recurrence["frequency"]],
                count=recurrence["occurrences"],
                interval=recurrence["interval"],
            )
            if recurrence
            else None
        ),
        disableGuests=settings.get("disableGuests", False),
        hideCalendarNotes=settings.get("hideCalendarNotes", False),
        minimumBookingNotice=event_type.minimum_booking_notice,
        beforeEventBuffer=event_type.before_event_buffer,
        afterEventBuffer=event_type.after_event_buffer,
        schedulingType=event_type.scheduling_type,
        price=pricing.shown_price(event_type.event_metadata)[0],
        currency=pricing.shown_price(event_type.event_metadata)[1],
        slotInterval=event_type.slot_interval,
        parentId=event_type.parent_id,
        successRedirectUrl=settings.get("successRedirectUrl"),
        description=event_type.description,
        locations=prisma_locations(event_type.locations),
        metadata=_metadata(event_type),
        seatsPerTimeSlot=seats["seatsPerTimeSlot"] if seats else None,
        seatsShowAttendees=seats["showAttendeeInfo"] if seats else False,
        seatsShowAvailabilityCount=seats["showAvailabilityCount"] if seats else True,
        bookingFields=custom_input_service.with_booking_fields(
            event_type.booking_fields or event_types_service.DEFAULT_BOOKING_FIELDS, custom_inputs
        ),
        bookingLimits=prisma_limits(event_type.booking_limits_count),
        onlyShowFirstAvailableSlot=event_type.only_show_first_available_slot,
        durationLimits=prisma_limits(event_type.booking_limits_duration),
        children=[],
        hosts=[declared.V1Host.model_construct(userId=h.host.user_id, isFixed=h.host.is_fixed) for h in hosts],
        customInputs=[present_custom_input(row) for row in custom_inputs],
        link=f"/{username}/{event_type.slug}" if username else None,
        hashedLink=[],
    )


def _present(view: EventTypeView) -> declared.V1EventType:
    return present_event_type(view.event_type, view.owner, custom_inputs=view.custom_inputs)


# --- input ----------------------------------------------------------------------------------------


class RecurringEventV1(BaseModel):
    model_config = ConfigDict(extra="ignore")  # dtstart, until, tzid: not modelled, like v2's recurrence

    freq: int = Field(ge=0, le=2)
    count: int = Field(ge=1)
    interval: int = Field(ge=1)


class EditEventTypeV1(BaseModel):
    """PATCH body (strict): every field optional."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    slug: str | None = None
    length: int | None = None
    description: str | None = None
    hidden: bool | None = None
    position: int | None = None
    eventName: str | None = None
    timeZone: TimeZoneName | None = None
    periodType: Literal["UNLIMITED", "ROLLING", "RANGE"] | None = None
    periodStartDate: str | None = None
    periodEndDate: str | None = None
    periodDays: int | None = None
    periodCountCalendarDays: bool | None = None
    requiresConfirmation: bool | None = None
    disableGuests: bool | None = None
    hideCalendarNotes: bool | None = None
    minimumBookingNotice: int | None = None
    beforeEventBuffer: int | None = None
    afterEventBuffer: int | None = None
    price: float | None = None
    currency: str | None = None
    slotInterval: int | None = None
    successRedirectUrl: str | None = None
    locations: list[PrismaLocation] | None = None
    bookingLimits: dict[Literal["PER_DAY", "PER_WEEK", "PER_MONTH", "PER_YEAR"], int] | None = None
    durationLimits: dict[Literal["PER_DAY", "PER_WEEK", "PER_MONTH", "PER_YEAR"], int] | None = None
    onlyShowFirstAvailableSlot: bool | None = None
    seatsPerTimeSlot: int | None = None
    seatsShowAttendees: bool | None = None
    seatsShowAvailabilityCount: bool | None = None
    scheduleId: int | None = None
    # Team event types are served by /v2/teams/{teamId}/event-types; v1 refuses them (docs/v1.md).
    teamId: int | None = None
    schedulingType: str | None = None
    hosts: list[dict[str, Any]] | None = None
    parentId: int | None = None
    assignAllTeamMembers: bool | None = None
    metadata: dict[str, Any] | None = None  # ``disableStandardEmails.all`` turns the default emails off


class CreateEventTypeV1(EditEventTypeV1):
    title: str
    slug: str
    length: int
    recurringEvent: RecurringEventV1 | None = None
    children: list[Any] | None = None  # accepted and ignored, as Cal.com does
    userId: int | None = None


_STANDARD_EMAILS = {"host": "disableStandardEmailsToHosts", "attendee": "disableStandardEmailsToAttendees"}


def _standard_email_switches(given: Any) -> dict[str, bool]:
    """``metadata.disableStandardEmails`` (``{"all": {"host", "attendee"}}``) as v2's
    ``emailSettings``; its ``confirmation`` part is accepted and, like Cal.com without a workflow
    to replace the email, changes nothing."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise BadRequest("metadata.disableStandardEmails must be an object such as {'all': {'host': true}}")
    switches: dict[str, bool] = {}
    for part in ("all", "confirmation"):
        values = given.get(part)
        if values is None:
            continue
        if not isinstance(values, dict):
            raise BadRequest(f"metadata.disableStandardEmails.{part} must be an object with host and attendee")
        for who, key in _STANDARD_EMAILS.items():
            if who in values and not isinstance(values[who], bool):
                raise BadRequest(f"metadata.disableStandardEmails.{part}.{who} must be true or false")
            if part == "all" and who in values:
                switches[key] = values[who]
    return switches


def _metadata(event_type: EventType) -> dict[str, Any]:
    """The stored metadata, with the default emails' switch in it when one is off."""
    metadata = dict(event_type.event_metadata or {})
    if event_type.disable_standard_emails_host or event_type.disable_standard_emails_attendee:
        metadata["disableStandardEmails"] = {
            "all": {
                "host": bool(event_type.disable_standard_emails_host),
                "attendee": bool(event_type.disable_standard_emails_attendee),
            }
        }
    return metadata


def _booking_window(body: EditEventTypeV1, sent: set[str]) -> dict[str, Any] | None:
    if "periodType" not in sent:
        return None
    if body.periodType == "UNLIMITED":
        return {"disabled": True}
    if body.periodType == "RANGE":
        if not body.periodStartDate or not body.periodEndDate:
            raise BadRequest(
                "custom in 'periodStartDate': periodStartDate and periodEndDate are required when periodType is RANGE"
            )
        return {"type": "range", "value": [body.periodStartDate[:10], body.periodEndDate[:10]]}
    if body.periodDays is None:
        raise BadRequest("custom in 'periodDays': periodDays is required when periodType is ROLLING")
    return {
        "type": "calendarDays" if body.periodCountCalendarDays else "businessDays",
        "value": body.periodDays,
        "rolling": False,
    }


def _v2_fields(body: EditEventTypeV1, *, existing: EventType | None = None) -> EventTypeFields:
    """The fields a v1 body means, validated by the 2024-06-14 schema (one set of rules); ``existing``:
    the stored event type an update completes a partial seats setting from."""
    sent = {name for name in body.model_fields_set if getattr(body, name) is not None}
    for name in _TEAM_ONLY:
        if name in sent:
            raise BadRequest(
                f"custom in '{name}': team event types are managed through /v2/teams/{{teamId}}/event-types"
            )
    wire: dict[str, Any] = {}
    for v1_name, v2_name in (
        ("title", "title"),
        ("slug", "slug"),
        ("length", "lengthInMinutes"),
        ("description", "description"),
        ("hidden", "hidden"),
        ("eventName", "customName"),
        ("disableGuests", "disableGuests"),
        ("hideCalendarNotes", "hideCalendarNotes"),
        ("minimumBookingNotice", "minimumBookingNotice"),
        ("beforeEventBuffer", "beforeEventBuffer"),
        ("afterEventBuffer", "afterEventBuffer"),
        ("slotInterval", "slotInterval"),
        ("successRedirectUrl", "successRedirectUrl"),
        ("onlyShowFirstAvailableSlot", "onlyShowFirstAvailableSlot"),
        ("scheduleId", "scheduleId"),
    ):
        if v1_name in sent:
            wire[v2_name] = getattr(body, v1_name)
    if "requiresConfirmation" in sent:
        wire["confirmationPolicy"] = (
            {"type": "always", "blockUnconfirmedBookingsInBooker": True}
            if body.requiresConfirmation
            else {"disabled": True}
        )
    if sent & {"seatsPerTimeSlot", "seatsShowAttendees", "seatsShowAvailabilityCount"}:
        current = (
            existing.seats if existing is not None and existing.seats and not existing.seats.get("disabled") else {}
        )
        per_slot = body.seatsPerTimeSlot if "seatsPerTimeSlot" in sent else current.get("seatsPerTimeSlot")
        if per_slot is None and "seatsPerTimeSlot" in body.model_fields_set:
            wire["seats"] = {"disabled": True}
        elif per_slot is not None:
            wire["seats"] = {
                "seatsPerTimeSlot": per_slot,
                "showAttendeeInfo": body.seatsShowAttendees
                if "seatsShowAttendees" in sent
                else current.get("showAttendeeInfo", False),
                "showAvailabilityCount": (
                    body.seatsShowAvailabilityCount
                    if "seatsShowAvailabilityCount" in sent
                    else current.get("showAvailabilityCount", True)
                ),
            }
    elif "seatsPerTimeSlot" in body.model_fields_set:  # sent as null: seats off
        wire["seats"] = {"disabled": True}
    window = _booking_window(body, sent)
    if window is not None:
        wire["bookingWindow"] = window
    if "locations" in sent:
        wire["locations"] = [stored_location(item) for item in body.locations or []]
    if "bookingLimits" in sent:
        wire["bookingLimitsCount"] = {LIMIT_KEYS[k]: v for k, v in (body.bookingLimits or {}).items()} or {
            "disabled": True
        }
    if "durationLimits" in sent:
        wire["bookingLimitsDuration"] = {LIMIT_KEYS[k]: v for k, v in (body.durationLimits or {}).items()} or {
            "disabled": True
        }
    if body.metadata is not None:
        metadata = dict(body.metadata)
        switches = _standard_email_switches(metadata.pop("disableStandardEmails", None))
        wire["metadata"] = metadata
        if switches:
            wire["emailSettings"] = switches
    if sent & {"price", "currency"}:
        # v1 keeps the price in columns of its own; calapi keeps it where v2 does (metadata.apps.stripe).
        base = wire.get("metadata", existing.event_metadata if existing is not None else None)
        amount = pricing.check_amount(body.price) if body.price is not None else None
        wire["metadata"] = pricing.with_price(base, amount=amount, currency=body.currency)
    if isinstance(body, CreateEventTypeV1) and body.recurringEvent is not None:
        r = body.recurringEvent
        wire["recurrence"] = {
            "frequency": _RRULE_FREQUENCIES[r.freq],
            "occurrences": r.count,
            "interval": r.interval,
        }
    schema = CreateEventTypeInput if isinstance(body, CreateEventTypeV1) else UpdateEventTypeInput
    fields = v1.parse(schema, wire).to_fields()
    # Stored and echoed; they change nothing calapi computes.
    if "position" in sent:
        fields = fields.plus(position=body.position)
    if "timeZone" in sent:
        fields = fields.plus(time_zone=body.timeZone)
    return fields


# --- routes ---------------------------------------------------------------------------------------


async def _owner(session: SessionDep, principal: Principal, event_type_id: int) -> int:
    owner = await event_types_service.owner_of(session, event_type_id)
    # v1 answers 403 Forbidden for another user's id and for a missing one alike (quirk 15).
    return authorization.acting_owner(
        principal,
        owner,
        refusal=Forbidden("Forbidden"),
        missing=NotFound(f"Event type with id: {event_type_id} not found"),
    )


@router.get(
    "/event-types", operation_id="v1_event_types_list", **declare(v1_one("event_types", list[declared.V1EventType]))
)
async def list_event_types(
    principal: V1Principal,
    session: SessionDep,
    userId: Annotated[list[int], Query()] = [],  # noqa: B006
    slug: str | None = None,
) -> dict[str, Any]:
    users = authorization.user_filter(principal, userId, refusal=Unauthorized("ADMIN required")) or [principal.user_id]
    views = await event_types_service.list_for_owners(session, users, slug=slug)
    return v1.many("event_types", wire_all(_present(v) for v in views))


@router.post(
    "/event-types", operation_id="v1_event_types_create", **declare(v1_created("event_type", declared.V1EventType))
)
async def create_event_type(body: CreateEventTypeV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = authorization.acting_user(principal, body.userId, refusal=Unauthorized("ADMIN required for `userId`"))
    view = await event_types_service.create(session, owner, NewEventType.of(_v2_fields(body)))
    return v1.created("event_type", wire(_present(view)), "Event type")


@router.get(
    "/event-types/{id}", operation_id="v1_event_types_get", **declare(v1_one("event_type", declared.V1EventType))
)
async def get_event_type(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _owner(session, principal, id)
    return v1.one("event_type", wire(_present(await event_types_service.get_for_owner(session, owner, id))))


@router.patch(
    "/event-types/{id}", operation_id="v1_event_types_update", **declare(v1_one("event_type", declared.V1EventType))
)
async def update_event_type(
    id: int, body: EditEventTypeV1, principal: V1Principal, session: SessionDep
) -> dict[str, Any]:
    owner = await _owner(session, principal, id)
    view = await event_types_service.update_from(session, owner, id, lambda stored: _v2_fields(body, existing=stored))
    return v1.one("event_type", wire(_present(view)))


@router.delete("/event-types/{id}", operation_id="v1_event_types_delete", **declare(V1Message))
async def delete_event_type(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await event_types_service.owner_of(session, id)
    # Cal.com answers 404 with a literal "${id}"; calapi fills the id in (docs/v1.md).
    missing = NotFound(f"Event type with ID {id} not found")
    owner = authorization.acting_owner(principal, owner, refusal=missing, missing=missing)
    await event_types_service.delete(session, owner, id)
    return v1.deleted("Event Type", id)


@router.get(
    "/teams/{teamId}/event-types",
    operation_id="v1_team_event_types_list",
    **declare(v1_one("event_types", list[declared.V1EventType])),
)
async def list_team_event_types(teamId: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    """A team's event types for its members (system admins: any team's). Cal.com filters by
    membership in the query, so a team you are not in — or that does not exist — is ``[]``."""
    if not (await access.actor_in(session, principal, teamId)).is_member:
        return v1.many("event_types", [])
    try:
        views = await team_service.list_for_team(session, teamId)
    except NotFound:
        return v1.many("event_types", [])
    return v1.many("event_types", wire_all(present_event_type(v.event_type, None, v.hosts) for v in views))
