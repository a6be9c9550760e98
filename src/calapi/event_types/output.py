"""Event types on the wire (EventTypeOutput_2024_06_14), shared by the personal and team routers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from calapi.core.errors import BadRequest
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
        "locations": event_type.locations
        if event_type.locations is not None
        else event_types_service.DEFAULT_LOCATIONS,
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


# --- the row fields of Cal.com's older shapes (API v1, legacy v2) ---------------------------------

LIMIT_KEYS = {"PER_DAY": "day", "PER_WEEK": "week", "PER_MONTH": "month", "PER_YEAR": "year"}


def prisma_period(window: dict[str, Any] | None) -> dict[str, Any]:
    """The booking window as Cal.com's event type row stores it (``periodType``, ``periodDays`` …),
    which API v1 and the legacy v2 list both show."""
    if not window or window.get("disabled"):
        return {
            "periodType": "UNLIMITED",
            "periodStartDate": None,
            "periodEndDate": None,
            "periodDays": None,
            "periodCountCalendarDays": None,
        }
    if window["type"] == "range":
        start, end = window["value"]
        return {
            "periodType": "RANGE",
            "periodStartDate": f"{start}T00:00:00.000Z",
            "periodEndDate": f"{end}T00:00:00.000Z",
            "periodDays": None,
            "periodCountCalendarDays": None,
        }
    return {
        "periodType": "ROLLING",
        "periodStartDate": None,
        "periodEndDate": None,
        "periodDays": window["value"],
        "periodCountCalendarDays": window["type"] == "calendarDays",
    }


def prisma_limits(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """Stored limits as the row's ``bookingLimits``/``durationLimits`` (``PER_DAY`` …), or None."""
    if not stored or stored.get("disabled"):
        return None
    return {wire: stored[key] for wire, key in LIMIT_KEYS.items() if stored.get(key) is not None}


# --- locations in Cal.com's stored (Prisma) shape: v1 and the legacy v2 family ----------------------


class PrismaLocation(BaseModel):
    """A location as Cal.com stores it (``{"type": "inPerson", "address": …}``); other keys ignored."""

    model_config = ConfigDict(extra="ignore")

    type: str = Field(max_length=255)
    link: str | None = None
    address: str | None = None
    hostPhoneNumber: str | None = None


def prisma_locations(locations: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Stored (v2 wire) locations in Cal.com's stored shape."""
    if locations is None:
        return None
    out = []
    for item in locations:
        kind = item.get("type")
        if kind == "address":
            out.append({"type": "inPerson", "address": item["address"]})
        elif kind == "link":
            out.append({"type": "link", "link": item["link"]})
        elif kind == "phone":
            out.append({"type": "userPhone", "hostPhoneNumber": item["phone"]})
        elif kind == "integration":
            out.append(
                {
                    "type": "integrations:daily"
                    if item.get("integration") == "cal-video"
                    else f"integrations:{item.get('integration')}"
                }
            )
        else:
            out.append({"type": kind})
    return out


def stored_location(item: PrismaLocation) -> dict[str, Any]:
    """A location in Cal.com's stored shape as the v2 wire location calapi stores."""
    if item.type == "inPerson":
        return {"type": "address", "address": item.address or "", "public": True}
    if item.type == "link":
        return {"type": "link", "link": item.link or "", "public": True}
    if item.type == "userPhone":
        return {"type": "phone", "phone": item.hostPhoneNumber or "", "public": True}
    if item.type == "integrations:daily":
        return {"type": "integration", "integration": "cal-video"}
    if item.type == "attendeeInPerson":
        return {"type": "attendeeAddress"}
    if item.type == "phone":
        return {"type": "attendeePhone"}
    raise BadRequest(f"invalid_enum_value in 'locations': location type {item.type!r} is not supported")
