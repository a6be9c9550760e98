"""Legacy ``GET /v2/event-types`` (no ``cal-api-version``, or 2024-04-15 / 2024-06-11; contract §1.2).

Cal.com's older contract lists the caller's event types grouped by profile:
``data: {eventTypeGroups: [{teamId, bookerUrl, membershipRole, profile, metadata, eventTypes}], profiles}``,
each event type in the old flat shape (``length``, ``hidden``, ``userId``, …). Same service as the
2024-06-14 list (``list_visible``). Only the caller's personal group is listed: team event types
stay under ``/v2/teams/{teamId}/event-types``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from calapi.core.auth import CurrentPrincipal
from calapi.core.envelopes import success
from calapi.core.versioning import V2024_04_15, V2024_06_11, V2024_06_14, legacy_router
from calapi.db import SessionDep
from calapi.event_types import service as event_types_service
from calapi.event_types.models import EventType

router = legacy_router([V2024_04_15, V2024_06_11], successor=V2024_06_14, prefix="/v2/event-types", tags=["Event Types (legacy)"])


def legacy_event_type_output(event_type: EventType) -> dict[str, Any]:
    """The 2024-04-15 ``EventTypeOutput`` fields calapi stores."""
    settings = event_type.settings or {}
    seats = event_type.seats or {}
    return {
        "id": event_type.id,
        "title": event_type.title,
        "slug": event_type.slug,
        "description": event_type.description,
        "length": event_type.length_in_minutes,
        "hidden": event_type.hidden,
        "position": 0,
        "userId": event_type.owner_id,
        "teamId": event_type.team_id,
        "schedulingType": event_type.scheduling_type,
        "scheduleId": event_type.schedule_id,
        "locations": event_type.locations or [],
        "bookingFields": event_type.booking_fields or event_types_service.DEFAULT_BOOKING_FIELDS,
        "offsetStart": event_type.offset_start,
        "minimumBookingNotice": event_type.minimum_booking_notice,
        "beforeEventBuffer": event_type.before_event_buffer,
        "afterEventBuffer": event_type.after_event_buffer,
        "slotInterval": event_type.slot_interval,
        "requiresConfirmation": event_type.requires_confirmation,
        "seatsPerTimeSlot": event_type.seats_per_time_slot,
        "seatsShowAttendees": bool(seats.get("showAttendeeInfo", False)),
        "recurringEvent": event_type.recurrence,
        "eventName": settings.get("customName"),
        "successRedirectUrl": settings.get("successRedirectUrl"),
        "disableGuests": bool(settings.get("disableGuests", False)),
        "hideCalendarNotes": bool(settings.get("hideCalendarNotes", False)),
        "metadata": {
            **(event_type.event_metadata or {}),
            **({"multipleDuration": event_type.length_in_minutes_options} if event_type.length_in_minutes_options else {}),
        },
        "price": 0,
        "currency": "usd",
    }


@router.get("", operation_id="legacy_event_types_list")
async def list_event_types(request: Request, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    listing = await event_types_service.list_visible(session, principal.user_id)
    owner = listing.owner
    profile = {
        "slug": getattr(owner, "username", None),
        "name": getattr(owner, "name", None),
        "image": getattr(owner, "avatar_url", None) or "",
    }
    group = {
        "teamId": None,
        "bookerUrl": str(request.base_url).rstrip("/"),
        "membershipRole": None,
        "profile": profile,
        "metadata": {"membershipCount": 1, "readOnly": False},
        "eventTypes": [legacy_event_type_output(e) for e in listing.event_types],
    }
    return success({"eventTypeGroups": [group], "profiles": [{**profile, "teamId": None, "membershipRole": None, "membershipCount": 1, "readOnly": False}]})
