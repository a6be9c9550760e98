"""Event types on the wire: the 2024-06-14 presenters (personal and team routers) and the pieces of
Cal.com's older row shape that API v1 and legacy v2 share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field

from calapi.core.errors import BadRequest
from calapi.event_types import api_schemas as declared
from calapi.event_types import custom_input_service, pricing
from calapi.event_types import service as event_types_service
from calapi.event_types.models import EventType, EventTypeCustomInput
from calapi.event_types.service import EventTypeView
from calapi.event_types.team_service import HostView, TeamEventTypeView
from calapi.teams.models import Team
from calapi.users.models import User

DISABLED = {"disabled": True}
# Cal.com's defaults for profile colours we do not store.
BRAND_COLOR, DARK_BRAND_COLOR = "#292929", "#fafafa"
WIRE_SCHEDULING = {"COLLECTIVE": "collective", "ROUND_ROBIN": "roundRobin", "MANAGED": "managed"}
PRIORITY_LABELS = {0: "lowest", 1: "low", 2: "medium", 3: "high", 4: "highest"}


def _present_user(user: User) -> declared.EventTypeUser:
    return declared.EventTypeUser.model_construct(
        id=user.id,
        name=user.name,
        username=user.username,
        avatarUrl=user.avatar_url,
        brandColor=BRAND_COLOR,
        darkBrandColor=DARK_BRAND_COLOR,
        weekStart=user.week_start,
        metadata=user.user_metadata or {},
    )


def _booking_window(stored: dict[str, Any] | None) -> dict[str, Any]:
    if not stored or stored.get("disabled"):
        return dict(DISABLED)
    if stored["type"] == "range":
        return {"type": "range", "value": stored["value"]}
    return {"type": stored["type"], "value": stored["value"], "rolling": bool(stored.get("rolling", False))}


def _fields(
    event_type: EventType,
    owner: tuple[int, list[declared.EventTypeUser]] | None,
    *,
    strip: bool,
    custom_inputs: Sequence[EventTypeCustomInput] = (),
    destination: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The 2024-06-14 fields (by declared name, in the order sent), the optional ones only when
    set; ``owner``: a personal event type's ``ownerId`` and ``users`` (a team's are told after);
    ``custom_inputs`` are shown as booking fields after the event type's own."""
    settings = event_type.settings or {}
    booking_fields = custom_input_service.with_booking_fields(
        event_type.booking_fields or event_types_service.DEFAULT_BOOKING_FIELDS, custom_inputs
    )
    if strip:
        booking_fields = [f for f in booking_fields if not f.get("hidden")]
    data: dict[str, Any] = {"id": event_type.id}
    if owner is not None:
        data["ownerId"] = owner[0]
    data["lengthInMinutes"] = event_type.length_in_minutes
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
        "price": pricing.shown_price(event_type.event_metadata)[0],
        "currency": pricing.shown_price(event_type.event_metadata)[1],
        "lockTimeZoneToggleOnBookingPage": settings.get("lockTimeZoneToggleOnBookingPage", False),
        "forwardParamsSuccessRedirect": True,
        "successRedirectUrl": settings.get("successRedirectUrl"),
        "isInstantEvent": False,
    }
    if owner is not None:
        data["users"] = owner[1]
    data["scheduleId"] = event_type.schedule_id
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
    # Where its bookings are written now, whichever API version set (or removed) it; null once set
    # and since removed.
    if destination is not None:
        data["destinationCalendar"] = destination
    elif "destinationCalendar" in settings:
        data["destinationCalendar"] = None
    data |= {
        "useDestinationCalendarEmail": settings.get("useDestinationCalendarEmail", False),
        "hideCalendarEventDetails": settings.get("hideCalendarEventDetails", False),
        "hideOrganizerEmail": settings.get("hideOrganizerEmail", False),
        "calVideoSettings": settings.get("calVideoSettings"),
        "hidden": event_type.hidden,
        "bookingRequiresAuthentication": settings.get("bookingRequiresAuthentication", False),
    }
    if event_type.disable_standard_emails_host or event_type.disable_standard_emails_attendee:
        data["emailSettings"] = event_types_service.email_settings(event_type)
    return data


def present_event_type(view: EventTypeView, *, strip_hidden_fields: bool = False) -> declared.EventType:
    """A personal event type (EventTypeOutput_2024_06_14); ``users`` is its owner."""
    event_type, owner = view.event_type, view.owner
    users = [_present_user(owner)] if owner is not None else []
    return declared.EventType.model_construct(
        **_fields(
            event_type,
            (cast(int, event_type.owner_id), users),
            strip=strip_hidden_fields,
            custom_inputs=view.custom_inputs,
            destination=view.destination,
        )
    )


def _present_host(view: HostView, scheduling_type: str | None) -> declared.TeamEventTypeHost:
    user, host = view.user, view.host
    round_robin: dict[str, Any] = {}
    if scheduling_type == "ROUND_ROBIN":
        round_robin = {
            "mandatory": host.is_fixed,
            "priority": PRIORITY_LABELS.get(host.priority, "medium"),
            "weight": host.effective_weight,  # beyond Cal.com: 100 unless a client set one
        }
    return declared.TeamEventTypeHost.model_construct(
        userId=user.id, name=user.name, username=user.username, **round_robin, avatarUrl=user.avatar_url
    )


def _present_team(team: Team) -> declared.TeamSummary:
    return declared.TeamSummary.model_construct(
        id=team.id,
        name=team.name,
        slug=team.slug,
        bannerUrl=team.banner_url,
        logoUrl=team.logo_url,
        weekStart=team.week_start,
        brandColor=team.brand_color,
        darkBrandColor=team.dark_brand_color,
        theme=team.theme,
    )


def present_team_event_type(
    view: TeamEventTypeView, *, strip_hidden_fields: bool = False, hosts_limit: int | None = None
) -> declared.TeamEventType:
    """A team event type (TeamEventTypeOutput_2024_06_14); a managed child's one host is its member."""
    event_type = view.event_type
    if view.owner is not None:
        owner = view.owner
        hosts = [
            declared.TeamEventTypeHost.model_construct(
                userId=owner.id, name=owner.name, username=owner.username, avatarUrl=owner.avatar_url
            )
        ]
    else:
        shown = view.hosts if hosts_limit is None else view.hosts[:hosts_limit]
        hosts = [_present_host(h, event_type.scheduling_type) for h in shown]
    return declared.TeamEventType.model_construct(
        **_fields(event_type, None, strip=strip_hidden_fields, destination=view.destination),
        teamId=view.team.id,
        ownerId=event_type.owner_id,
        parentEventTypeId=event_type.parent_id,
        hosts=hosts,
        assignAllTeamMembers=event_type.assign_all_team_members,
        schedulingType=WIRE_SCHEDULING.get(event_type.scheduling_type or ""),
        team=_present_team(view.team),
    )


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


def prisma_locations(locations: list[dict[str, Any]] | None) -> list[declared.StoredLocation] | None:
    """Stored (2024-06-14) locations in Cal.com's stored shape."""
    if locations is None:
        return None
    out = []
    for item in locations:
        kind: str = item["type"]  # every stored location has one (the 2024-06-14 schema's discriminator)
        if kind == "address":
            shown = declared.StoredLocation.model_construct(type="inPerson", address=item["address"])
        elif kind == "link":
            shown = declared.StoredLocation.model_construct(type="link", link=item["link"])
        elif kind == "phone":
            shown = declared.StoredLocation.model_construct(type="userPhone", hostPhoneNumber=item["phone"])
        elif kind == "integration":
            integration = item.get("integration")
            name = "integrations:daily" if integration == "cal-video" else f"integrations:{integration}"
            shown = declared.StoredLocation.model_construct(type=name)
        else:
            shown = declared.StoredLocation.model_construct(type=kind)
        out.append(shown)
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
