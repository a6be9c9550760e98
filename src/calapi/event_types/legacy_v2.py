"""Legacy ``/v2/event-types`` (no ``cal-api-version``, or 2024-04-15 / 2024-06-11; contract §1.2).

Writes and reads by id (what Cal.com's SDK calls without a version header): ``POST`` (201) and
``PATCH /{id}`` answer the event type in the older flat shape below, ``GET /{id}`` answers it as
``data.eventType``, ``DELETE /{id}`` answers ``{id, length, slug, title}``. The body uses the older
names (``length``, locations as Cal.com stores them); it is mapped to the 2024-06-14 fields and
validated by that schema, and goes to the same event-types service.

The list:

Cal.com answers this version with its web app's ``getEventTypesByViewer``:
``data: {eventTypeGroups, profiles, allUsersAcrossAllEventTypes}``. The first group is the caller's
own event types; then one group per team the caller has accepted (not organizations), with the
team's event types (a MEMBER does not see MANAGED ones). Each event type is the stored row in
Cal.com's older flat shape (``length``, ``hidden``, ``userId``, ``periodType`` …) plus ``userIds``
(its hosts, or its owner). ``allUsersAcrossAllEventTypes`` is a JavaScript ``Map`` in Cal.com, which
JSON writes as ``{}``. Same services as the 2024-06-14 list and the team event types routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import Field, StrictBool, StrictInt, ValidationError
from starlette.requests import Request

from calapi.core.api_schemas import Envelope, declare
from calapi.core.auth import CurrentPrincipal
from calapi.core.envelopes import success
from calapi.core.presenters import wire
from calapi.core.versioning import V2024_04_15, V2024_06_11, V2024_06_14, legacy_router
from calapi.core.wire import WireModel
from calapi.db import SessionDep
from calapi.event_types import api_schemas as declared
from calapi.event_types import custom_input_service, pricing, team_service
from calapi.event_types import service as event_types_service
from calapi.event_types.commands import EventTypeFields, NewEventType
from calapi.event_types.models import EventType, EventTypeCustomInput
from calapi.event_types.output import PrismaLocation, prisma_limits, prisma_locations, prisma_period, stored_location
from calapi.event_types.schemas import CreateEventTypeInput, UpdateEventTypeInput
from calapi.event_types.service import EventTypeView
from calapi.event_types.team_service import TeamGroup

router = legacy_router(
    [V2024_04_15, V2024_06_11], successor=V2024_06_14, prefix="/v2/event-types", tags=["Event Types (legacy)"]
)


def present_event_type(
    event_type: EventType, user_ids: list[int], custom_inputs: Sequence[EventTypeCustomInput] = ()
) -> declared.LegacyEventType:
    """An event type row as ``getEventTypesByViewer`` lists it (the fields calapi stores; its
    ``custom_inputs`` among the booking fields)."""
    settings = event_type.settings or {}
    seats = event_type.seats or {}
    return declared.LegacyEventType.model_construct(
        id=event_type.id,
        title=event_type.title,
        slug=event_type.slug,
        description=event_type.description,
        length=event_type.length_in_minutes,
        hidden=event_type.hidden,
        position=0,
        userId=event_type.owner_id,
        teamId=event_type.team_id,
        parentId=event_type.parent_id,
        schedulingType=event_type.scheduling_type,
        assignAllTeamMembers=event_type.assign_all_team_members,
        scheduleId=event_type.schedule_id,
        timeZone=settings.get("timeZone"),
        locations=prisma_locations(event_type.locations) or [],
        bookingFields=custom_input_service.with_booking_fields(
            event_type.booking_fields or event_types_service.DEFAULT_BOOKING_FIELDS, custom_inputs
        ),
        offsetStart=event_type.offset_start,
        minimumBookingNotice=event_type.minimum_booking_notice,
        beforeEventBuffer=event_type.before_event_buffer,
        afterEventBuffer=event_type.after_event_buffer,
        slotInterval=event_type.slot_interval,
        **prisma_period(event_type.booking_window),
        requiresConfirmation=event_type.requires_confirmation,
        seatsPerTimeSlot=event_type.seats_per_time_slot,
        seatsShowAttendees=bool(seats.get("showAttendeeInfo", False)),
        seatsShowAvailabilityCount=bool(seats.get("showAvailabilityCount", True)),
        onlyShowFirstAvailableSlot=event_type.only_show_first_available_slot,
        recurringEvent=event_type.recurrence,
        bookingLimits=prisma_limits(event_type.booking_limits_count),
        durationLimits=prisma_limits(event_type.booking_limits_duration),
        eventName=settings.get("customName"),
        successRedirectUrl=settings.get("successRedirectUrl"),
        disableGuests=bool(settings.get("disableGuests", False)),
        hideCalendarNotes=bool(settings.get("hideCalendarNotes", False)),
        lockTimeZoneToggleOnBookingPage=bool(settings.get("lockTimeZoneToggleOnBookingPage", False)),
        requiresBookerEmailVerification=bool(settings.get("requiresBookerEmailVerification", False)),
        metadata={
            **(event_type.event_metadata or {}),
            **(
                {"multipleDuration": event_type.length_in_minutes_options}
                if event_type.length_in_minutes_options
                else {}
            ),
        },
        price=pricing.shown_price(event_type.event_metadata)[0],
        currency=pricing.shown_price(event_type.event_metadata)[1],
        hashedLink=[],
        children=[],
        managedBy={"admins": []},
        userIds=user_ids,
    )


def _present_profile(group: declared.LegacyEventTypeGroup) -> declared.LegacyProfileEntry:
    return declared.LegacyProfileEntry.model_construct(
        **wire(group.profile), **wire(group.metadata), teamId=group.teamId, membershipRole=group.membershipRole
    )


def _present_team_group(group: TeamGroup, booker_url: str) -> declared.LegacyEventTypeGroup:
    team = group.team
    slug = (f"team/{team.slug}" if team.parent_id is None else team.slug) if team.slug else None
    return declared.LegacyEventTypeGroup.model_construct(
        teamId=team.id,
        parentId=team.parent_id,
        bookerUrl=booker_url,
        membershipRole=group.role,
        # Cal.com falls back to a third-party avatar service; calapi sends no data elsewhere.
        profile=declared.LegacyProfile.model_construct(image=team.logo_url or "", name=team.name, slug=slug),
        metadata=declared.LegacyGroupMetadata.model_construct(
            membershipCount=group.member_count, readOnly=group.role == "MEMBER"
        ),
        eventTypes=[present_event_type(v.event_type, [h.host.user_id for h in v.hosts]) for v in group.event_types],
    )


@router.get("", operation_id="legacy_event_types_list", **declare(Envelope[declared.LegacyEventTypeListing]))
async def list_event_types(request: Request, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    viewer = await team_service.list_by_viewer(session, principal.user_id)
    owner = viewer.owner
    booker_url = str(request.base_url).rstrip("/")
    personal = declared.LegacyEventTypeGroup.model_construct(
        teamId=None,
        bookerUrl=booker_url,
        membershipRole=None,
        profile=declared.LegacyProfile.model_construct(
            slug=owner.username, name=owner.name, image=owner.avatar_url or ""
        ),
        eventTypes=[present_event_type(e, [principal.user_id], viewer.custom_inputs.get(e.id, ())) for e in viewer.own],
        metadata=declared.LegacyGroupMetadata.model_construct(membershipCount=1, readOnly=False),
    )
    groups = [personal, *(_present_team_group(g, booker_url) for g in viewer.teams)]
    listing = declared.LegacyEventTypeListing.model_construct(
        eventTypeGroups=groups, profiles=[_present_profile(g) for g in groups], allUsersAcrossAllEventTypes={}
    )
    return success(wire(listing))


# ---------------------------------------------------------------- writes and reads by id


class LegacyEventTypeUpdate(WireModel):
    """The fields Cal.com's legacy create accepts, all optional (its update takes at least these)."""

    length: StrictInt | None = Field(default=None, ge=1)
    slug: str | None = None
    title: str | None = None
    description: str | None = None
    hidden: StrictBool | None = None
    locations: list[PrismaLocation] | None = Field(default=None, max_length=100)
    disableGuests: StrictBool | None = None
    slotInterval: StrictInt | None = Field(default=None, ge=0)
    minimumBookingNotice: StrictInt | None = Field(default=None, ge=0)
    beforeEventBuffer: StrictInt | None = Field(default=None, ge=0)
    afterEventBuffer: StrictInt | None = Field(default=None, ge=0)


class LegacyEventTypeCreate(LegacyEventTypeUpdate):
    length: StrictInt = Field(ge=1)
    slug: str
    title: str


_SAME_NAME = (
    "slug",
    "title",
    "description",
    "hidden",
    "disableGuests",
    "minimumBookingNotice",
    "beforeEventBuffer",
    "afterEventBuffer",
)


def _fields(body: LegacyEventTypeUpdate, schema: type[UpdateEventTypeInput]) -> EventTypeFields:
    """The 2024-06-14 fields the legacy body means, checked by that schema (one set of rules)."""
    sent = {name for name in body.model_fields_set if getattr(body, name) is not None}
    given: dict[str, Any] = {name: getattr(body, name) for name in _SAME_NAME if name in sent}
    if "length" in sent:
        given["lengthInMinutes"] = body.length
    if "slotInterval" in sent and body.slotInterval:  # 0 is the legacy "no interval"
        given["slotInterval"] = body.slotInterval
    if "locations" in sent:
        given["locations"] = [stored_location(item) for item in body.locations or []]
    try:
        return schema.model_validate(given).to_fields()
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None


def _present(view: EventTypeView) -> declared.LegacyEventType:
    owner_id = view.event_type.owner_id
    return present_event_type(view.event_type, [owner_id] if owner_id else [], view.custom_inputs)


@router.post(
    "", status_code=201, operation_id="legacy_event_types_create", **declare(Envelope[declared.LegacyEventType], 201)
)
async def create_event_type(
    body: LegacyEventTypeCreate, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    command = NewEventType.of(_fields(body, CreateEventTypeInput))
    view = await event_types_service.create(session, principal.user_id, command)
    return success(wire(_present(view)))


@router.get("/{eventTypeId}", operation_id="legacy_event_types_get", **declare(Envelope[declared.LegacyEventTypeOne]))
async def get_event_type(eventTypeId: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    view = await event_types_service.get_for_owner(session, principal.user_id, eventTypeId)
    return success(wire(declared.LegacyEventTypeOne.model_construct(eventType=_present(view))))


@router.patch("/{eventTypeId}", operation_id="legacy_event_types_update", **declare(Envelope[declared.LegacyEventType]))
async def update_event_type(
    eventTypeId: int, body: LegacyEventTypeUpdate, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    fields = _fields(body, UpdateEventTypeInput)
    view = await event_types_service.update(session, principal.user_id, eventTypeId, fields)
    return success(wire(_present(view)))


@router.delete(
    "/{eventTypeId}", operation_id="legacy_event_types_delete", **declare(Envelope[declared.LegacyDeletedEventType])
)
async def delete_event_type(eventTypeId: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    deleted = await event_types_service.delete(session, principal.user_id, eventTypeId)
    gone = declared.LegacyDeletedEventType.model_construct(
        id=deleted.id, length=deleted.length_in_minutes, slug=deleted.slug, title=deleted.title
    )
    return success(wire(gone))
