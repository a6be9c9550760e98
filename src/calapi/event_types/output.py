"""Event types on the wire (EventTypeOutput_2024_06_14), shared by the personal and team routers."""

from __future__ import annotations

from typing import Any

from calapi.event_types import service as event_types_service
from calapi.event_types.models import EventType

DISABLED = {"disabled": True}
# Cal.com's defaults for profile colours we do not store.
BRAND_COLOR, DARK_BRAND_COLOR = "#292929", "#fafafa"


def _user_output(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "username": user.username,
        "avatarUrl": user.avatar_url,
        "brandColor": BRAND_COLOR,
        "darkBrandColor": DARK_BRAND_COLOR,
        "weekStart": user.week_start,
        "metadata": user.user_metadata or {},
    }


def _booking_window(stored: dict[str, Any] | None) -> dict[str, Any]:
    if not stored or stored.get("disabled"):
        return dict(DISABLED)
    if stored["type"] == "range":
        return {"type": "range", "value": stored["value"]}
    return {"type": stored["type"], "value": stored["value"], "rolling": bool(stored.get("rolling", False))}


def event_type_output(event_type: EventType, owner: Any, *, strip_hidden_fields: bool = False) -> dict[str, Any]:
    settings = event_type.settings or {}
    booking_fields = event_type.booking_fields or event_types_service.DEFAULT_BOOKING_FIELDS
    if strip_hidden_fields:
        booking_fields = [f for f in booking_fields if not f.get("hidden")]
    data: dict[str, Any] = {
        "id": event_type.id,
        "ownerId": event_type.owner_id,
        "lengthInMinutes": event_type.length_in_minutes,
    }
    if event_type.length_in_minutes_options:
        data["lengthInMinutesOptions"] = event_type.length_in_minutes_options
    data |= {
        "title": event_type.title,
        "slug": event_type.slug,
        "description": event_type.description or "",
        "locations": event_type.locations if event_type.locations is not None else event_types_service.DEFAULT_LOCATIONS,
        "bookingFields": booking_fields,
        "recurrence": event_type.recurrence,
        "disableGuests": settings.get("disableGuests", False),
        "slotInterval": event_type.slot_interval,
        "minimumBookingNotice": event_type.minimum_booking_notice,
        "beforeEventBuffer": event_type.before_event_buffer,
        "afterEventBuffer": event_type.after_event_buffer,
        "metadata": event_type.event_metadata or {},
        "price": 0,
        "currency": "usd",
        "lockTimeZoneToggleOnBookingPage": settings.get("lockTimeZoneToggleOnBookingPage", False),
        "forwardParamsSuccessRedirect": True,
        "successRedirectUrl": settings.get("successRedirectUrl"),
        "isInstantEvent": False,
        "users": [_user_output(owner)] if owner is not None else [],
        "scheduleId": event_type.schedule_id,
    }
    if event_type.booking_limits_count:
        data["bookingLimitsCount"] = event_type.booking_limits_count
    if event_type.booking_limits_duration:
        data["bookingLimitsDuration"] = event_type.booking_limits_duration
    data |= {
        "onlyShowFirstAvailableSlot": event_type.only_show_first_available_slot,
        "offsetStart": event_type.offset_start,
        "bookingWindow": _booking_window(event_type.booking_window),
    }
    if "bookerLayouts" in settings:
        data["bookerLayouts"] = settings["bookerLayouts"]
    data["confirmationPolicy"] = event_type.confirmation_policy or dict(DISABLED)
    data["requiresBookerEmailVerification"] = settings.get("requiresBookerEmailVerification", False)
    data["hideCalendarNotes"] = settings.get("hideCalendarNotes", False)
    if "color" in settings:
        data["color"] = settings["color"]
    data["seats"] = event_type.seats or dict(DISABLED)
    if settings.get("customName") is not None:
        data["customName"] = settings["customName"]
    if "destinationCalendar" in settings:
        data["destinationCalendar"] = settings["destinationCalendar"]
    data |= {
        "useDestinationCalendarEmail": settings.get("useDestinationCalendarEmail", False),
        "hideCalendarEventDetails": settings.get("hideCalendarEventDetails", False),
        "hideOrganizerEmail": settings.get("hideOrganizerEmail", False),
        "calVideoSettings": settings.get("calVideoSettings"),
        "hidden": event_type.hidden,
        "bookingRequiresAuthentication": settings.get("bookingRequiresAuthentication", False),
    }
    return data
