"""Creating bookings (``POST /v2/bookings``): regular, recurring, seated, needing confirmation.

The booking transaction (architecture invariant 1):

    begin_write → load the event type → lock_hosts(organizer, or every host of a team event) →
    load the engine's inputs with the same loader as GET /v2/slots → check_booking → (team) pick
    the organizer and co-hosts → insert booking + attendees (+ seats, + co-host rows) + outbox
    events → flush

The caller's session commits (SessionDep), which releases the PostgreSQL advisory lock; on SQLite
the write lock taken at BEGIN IMMEDIATE serialises the whole sequence. So of N simultaneous
requests for one slot exactly one finds it free; the others see its booking and get 409.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability import holds
from calapi.availability import hosts as availability_hosts
from calapi.bookings import details, events, team
from calapi.bookings.locks import lock_hosts, lock_seat_slot
from calapi.bookings.models import Attendee, Booking, BookingSeat, BookingStatus
from calapi.bookings.results import BookingResult, CreatedBookings, EventTypeRef, OrganizerRef, TeamRef
from calapi.core.errors import AppError, BadRequest, NotFound
from calapi.core.limits import InputLimits
from calapi.core.wire import (
    METADATA_MAX_KEY_LENGTH,
    METADATA_MAX_KEYS,
    METADATA_MAX_VALUE_LENGTH,
)
from calapi.db import begin_write
from calapi.event_types import service as event_types_service
from calapi.event_types.models import EventType
from calapi.jobs.outbox import record_events
from calapi.schedules import service as schedules_service
from calapi.scheduling import BookingCheck, BookingRequest, RefusalReason, check_booking
from calapi.teams.models import Team
from calapi.users.models import User

# --- messages (contract §2.6.2) -------------------------------------------------------------------

PAST = "Attempting to book a meeting in the past."
HOST_UNAVAILABLE = "User either already has booking at this time or is not available"
SEATS_FULL = "No more seats left at this seated booking."
NO_CONTACT = (
    "attendee email or phone property is wrong,Attendee must have at least one contact method (email or phone number) "
)
METADATA_RULE = (
    "metadata must be an object with up to 50 keys, each key name up to 40 characters, and values with a maximum "
    "length of 500 characters."
)
RECURRENCE_TOO_HIGH = "Provided recurrence count is higher than the event type's recurring event count."
FIXED_LENGTH = (
    "Can't specify 'lengthInMinutes' because event type does not have multiple possible lengths. Please, remove the "
    "'lengthInMinutes' field from the request."
)
NO_EVENT_TYPE = "Either eventTypeId or eventTypeSlug + username or eventTypeSlug + teamSlug must be provided"
CANT_BOOK_AT = 'The event type can\'t be booked at the "start" time provided.'
_REFUSAL_TEXT = {
    RefusalReason.MINIMUM_NOTICE: "It is within the event type's minimum booking notice.",
    RefusalReason.BOOKING_WINDOW: "It is outside the event type's booking window (how far ahead it can be booked).",
    RefusalReason.BOOKING_LIMIT: "The event type's booking limit for that period has been reached.",
    RefusalReason.DURATION_LIMIT: "The event type's limit on booked minutes for that period has been reached.",
    RefusalReason.OUTSIDE_AVAILABILITY: "It is outside the host's availability.",
}

# Booking location types → the ``{value}`` Cal.com stores in ``responses.location``.
_INTEGRATION_IDS = {
    "cal-video": "integrations:daily",
    "google-meet": "integrations:google:meet",
    "zoom": "integrations:zoom",
    "office365-video": "integrations:office365_video",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
_URLISH = re.compile(r"^(https?://|www\.)", re.IGNORECASE)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$")
_MAX_OCCURRENCES = 730  # a series is bounded however the event type is set


class BookingRefused(AppError):
    """A business-rule refusal with a machine-readable ``reason`` in the error details."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.details = {"message": message, "error": self.reason_phrase, "statusCode": self.status, "reason": reason}


class SlotUnavailable(BookingRefused):
    status, code = 409, "ConflictException"


class NotBookableAt(BookingRefused):
    status, code = 400, "BadRequestException"


# --- input -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendeeInput:
    name: str
    time_zone: str
    email: str | None = None
    phone_number: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class HostOverrides:
    """Rules a host of the event type may set aside for a booking they make themselves.

    Honoured only when the authenticated caller is one of the event type's hosts (silently
    ignored otherwise). Nothing here lets a booking overlap a host's busy or held time.
    """

    out_of_bounds: bool = False  # the booking window and the minimum notice
    skip_limits: bool = False  # booking-count and duration limits


@dataclass(frozen=True)
class NewBooking:
    """A parsed create body (wire names resolved; values still to be checked against the event type)."""

    start: str
    attendee: AttendeeInput
    event_type_id: int | None = None
    event_type_slug: str | None = None
    username: str | None = None
    team_slug: str | None = None
    guests: tuple[str, ...] = ()
    location: dict[str, Any] | str | None = None
    meeting_url: str | None = None
    responses: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] | None = None
    length_in_minutes: int | None = None
    recurrence_count: int | None = None
    host_subset_ids: tuple[int, ...] = ()  # team events: only these round-robin hosts
    host_overrides: HostOverrides = HostOverrides()
    responses_field: str = "bookingFieldsResponses"  # the answers' name on the caller's wire, for messages


def parse_start(value: str) -> datetime:
    """A strict ISO-8601 instant; no offset means UTC (Cal.com parses ``start`` in UTC)."""
    if not isinstance(value, str) or not _ISO.match(value):
        raise BadRequest(
            f"start property is wrong,start must be a valid ISO 8601 date string, got {str(value)[:64]!r} "
        )
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"start property is wrong,start {value[:64]!r} is not a real date and time ") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _check_metadata(metadata: dict[str, Any] | None) -> None:
    if metadata is None:
        return
    ok = isinstance(metadata, dict) and len(metadata) <= METADATA_MAX_KEYS
    for key, value in metadata.items() if ok else ():
        if len(key) > METADATA_MAX_KEY_LENGTH or not (
            (isinstance(value, str) and len(value) <= METADATA_MAX_VALUE_LENGTH)
            or (isinstance(value, (int, float)) and not isinstance(value, bool))
            or isinstance(value, bool)
        ):
            ok = False
            break
    if not ok:
        raise BadRequest(METADATA_RULE)


def check_input_limits(new: NewBooking, limits: InputLimits) -> None:
    """Every size a booker controls, before anything is read or stored (the same for every API version)."""
    limits.check_name("attendee name", new.attendee.name)
    limits.check_guests("guests", new.guests)
    limits.check_responses(new.responses_field, new.responses)
    location = new.location.values() if isinstance(new.location, dict) else [new.location]
    for value in location:
        limits.check_location("location", value)


def _check_attendee(attendee: AttendeeInput) -> None:
    if not attendee.email and not attendee.phone_number:
        raise BadRequest(NO_CONTACT)
    if attendee.email and not _EMAIL.match(attendee.email):
        raise BadRequest("attendee.email property is wrong,email must be an email ")
    if attendee.phone_number and not _PHONE.match(re.sub(r"[\s().-]", "", attendee.phone_number)):
        raise BadRequest("attendee.phoneNumber property is wrong,phoneNumber must be a valid phone number ")


# --- the event type ----------------------------------------------------------------------------------


# Built once: the booking hot path's first read.
_EVENT_TYPE_OWNER_TEAM = (
    select(EventType, User, Team)
    .outerjoin(User, User.id == EventType.owner_id)
    .outerjoin(Team, Team.id == EventType.team_id)
    .where(EventType.id == bindparam("event_type_id"))
)


async def _find_event_type(session: AsyncSession, new: NewBooking) -> tuple[EventType, User | None, Team | None]:
    """The event type, its owner (None for a team event type) and its team (None for a personal one),
    in one statement."""
    if new.event_type_id is not None:
        row = (await session.execute(_EVENT_TYPE_OWNER_TEAM, {"event_type_id": new.event_type_id})).first()
        if row is None or (row[1] is None and row[0].team_id is None):
            raise NotFound(f"Event type with id {new.event_type_id} not found.")
        return row[0], row[1], row[2]
    if new.team_slug is not None:
        if new.event_type_slug is None:
            raise BadRequest(NO_EVENT_TYPE)
        found = (
            await session.execute(
                select(Team, EventType)
                .outerjoin(EventType, (EventType.team_id == Team.id) & (EventType.slug == new.event_type_slug))
                .where(Team.slug == new.team_slug)
            )
        ).first()
        if found is None:
            raise NotFound(f"Team with slug {new.team_slug} not found")
        if found[1] is None:
            raise NotFound(f"Event type with slug {new.event_type_slug} belonging to team {new.team_slug} not found.")
        return found[1], None, found[0]
    if new.event_type_slug is None or new.username is None:
        raise BadRequest(NO_EVENT_TYPE)
    by_username = (
        await session.execute(
            select(User, EventType, Team)
            .outerjoin(EventType, (EventType.owner_id == User.id) & (EventType.slug == new.event_type_slug))
            .outerjoin(Team, Team.id == EventType.team_id)
            .where(User.username == new.username)
        )
    ).first()
    if by_username is None:
        raise NotFound(f"User with username {new.username} not found")
    if by_username[1] is None:
        raise NotFound(f"Event type with slug {new.event_type_slug} belonging to user {new.username} not found.")
    return by_username[1], by_username[0], by_username[2]


def _duration(event_type: EventType, requested: int | None) -> int:
    options = list(event_type.length_in_minutes_options or [])
    variable = len(options) > 1 or (len(options) == 1 and options[0] != event_type.length_in_minutes)
    if requested is None:
        return event_type.length_in_minutes
    if not variable:
        raise BadRequest(FIXED_LENGTH)
    if requested != event_type.length_in_minutes and requested not in options:
        allowed = ", ".join(str(n) for n in sorted({event_type.length_in_minutes, *options}))
        raise BadRequest(
            f"Provided 'lengthInMinutes' is not one of the possible lengths for the event type. The possible lengths are: {allowed}"
        )
    return requested


# --- location ----------------------------------------------------------------------------------------


def _integration_id(name: str) -> str:
    return _INTEGRATION_IDS.get(name, "integrations:" + name.removesuffix("-video").replace("-", "_"))


def _event_location(event_type: EventType, kind: str) -> dict[str, Any] | None:
    return next((loc for loc in (event_type.locations or []) if loc.get("type") == kind), None)


def _resolve_location(
    event_type: EventType, given: dict[str, Any] | str | None, meeting_url: str | None
) -> tuple[str | None, dict[str, str] | None]:
    """(``booking.location`` text, ``responses.location`` as ``{value, optionValue}``)."""
    if given is None and meeting_url:
        given = meeting_url
    if isinstance(given, str):
        # Legacy string: accepted without checking the event type's locations (contract §2.6.2).
        text = given.strip()
        if _URLISH.match(text):
            return text, {"value": "link", "optionValue": text}
        if _PHONE.match(re.sub(r"[\s().-]", "", text)):
            return text, {"value": "phone", "optionValue": text}
        return text, {"value": "somewhereElse", "optionValue": text}
    locations = event_type.locations or []
    if given is None:
        # No choice made: the event type's first location, when it needs nothing from the booker.
        first = locations[0] if locations else None
        if first is None:
            return None, None
        given = {"type": first["type"], **({"integration": first["integration"]} if "integration" in first else {})}
        if first["type"] in ("attendeeAddress", "attendeePhone", "attendeeDefined"):
            return None, None
    kind = given.get("type")
    allowed_types = [loc.get("type") for loc in locations]
    matches = kind in allowed_types and kind != "organizersDefaultApp"
    if kind == "integration":
        matches = any(
            loc.get("type") == "integration" and loc.get("integration") == given.get("integration") for loc in locations
        )
    if not matches:
        listed = ", ".join(str(t) for t in allowed_types)
        raise BadRequest(
            f"Booking location with type {kind} not valid for event type with id={event_type.id}. The event type has "
            f"following location types: {listed}, and only these types are allowed for booking location."
        )
    configured = _event_location(event_type, kind) or {}
    if kind == "address":
        return configured.get("address"), {"value": "inPerson", "optionValue": ""}
    if kind == "link":
        return configured.get("link"), {"value": "link", "optionValue": ""}
    if kind == "phone":
        return configured.get("phone"), {"value": "userPhone", "optionValue": ""}
    if kind == "integration":
        ident = _integration_id(given["integration"])
        return ident, {"value": ident, "optionValue": ""}
    needs = {
        "attendeeAddress": ("address", "attendeeInPerson"),
        "attendeePhone": ("phone", "phone"),
        "attendeeDefined": ("location", "somewhereElse"),
    }
    key, value = needs[kind]
    text = given.get(key)
    if not isinstance(text, str) or not text.strip():
        raise BadRequest(f"location.{key} property is wrong,{key} is required for a location of type {kind} ")
    return text, {"value": value, "optionValue": text}


# --- booking fields ----------------------------------------------------------------------------------

_STRING_TYPES = ("phone", "address", "text", "textarea", "url")
_ARRAY_TYPES = ("multiemail", "multiselect", "checkbox")


def _js_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"


def _check_booking_fields(event_type: EventType, responses: dict[str, Any], attendee: AttendeeInput) -> None:
    for spec in event_type.booking_fields or []:
        slug = spec.get("slug")
        if spec.get("isDefault") and slug != "smsReminderNumber":
            if (
                slug == "attendeePhoneNumber"
                and spec.get("required")
                and not spec.get("hidden")
                and not attendee.phone_number
            ):
                raise BadRequest(
                    'Missing attendee phone number - it is required by the event type. Pass it as "attendee.phoneNumber" string in the request.'
                )
            continue
        kind = spec.get("type")
        value = responses.get(slug)
        if value is None:
            if spec.get("required") and not spec.get("hidden"):
                raise BadRequest(
                    f"Missing required booking field response: {slug} - it is required by the event type. Pass it in "
                    f'"bookingFieldsResponses.{slug}".'
                )
            continue
        expected = (
            "string"
            if kind in _STRING_TYPES
            else "number"
            if kind == "number"
            else "boolean"
            if kind == "boolean"
            else "array"
            if kind in _ARRAY_TYPES
            else "string or number"
            if kind in ("select", "radio")
            else None
        )
        received = _js_type(value)
        if expected is not None and received not in expected.split(" or "):
            raise BadRequest(
                f"Invalid type for booking field '{slug}'. Expected type {expected} (compatible with field type '{kind}'), "
                f"but received {received}."
            )
        options = [str(o) for o in spec.get("options") or []]
        if options and kind in ("select", "radio", "multiselect", "checkbox"):
            for item in value if isinstance(value, list) else [value]:
                if str(item) not in options:
                    raise BadRequest(
                        f"Invalid option '{item}' for booking field '{slug}'. Allowed options are: {', '.join(options)}."
                    )


# --- recurrence --------------------------------------------------------------------------------------


def _add_months(moment: datetime, months: int) -> datetime | None:
    """The same wall-clock day ``months`` later, or None when that month has no such day (RRULE skips it)."""
    total = moment.month - 1 + months
    try:
        return moment.replace(year=moment.year + total // 12, month=total % 12 + 1)
    except ValueError:
        return None


def occurrence_starts(first: datetime, recurrence: dict[str, Any], count: int, time_zone: str) -> list[datetime]:
    """Starts of a series: every ``interval`` weeks / months / years from ``first``, at the same
    wall-clock time in the booker's zone (so a weekly 10:00 stays 10:00 across DST)."""
    zone = ZoneInfo(time_zone)
    local = first.astimezone(zone).replace(tzinfo=None)
    interval = int(recurrence.get("interval") or 1)
    frequency = recurrence.get("frequency", "weekly")
    starts: list[datetime] = []
    step = 0
    while len(starts) < count and step < _MAX_OCCURRENCES * 2:
        if frequency == "weekly":
            candidate: datetime | None = local + timedelta(weeks=interval * step)
        elif frequency == "monthly":
            candidate = _add_months(local, interval * step)
        else:
            candidate = _add_months(local, 12 * interval * step)
        step += 1
        if candidate is not None:
            starts.append(candidate.replace(tzinfo=zone).astimezone(UTC))
    return starts


# --- the check ---------------------------------------------------------------------------------------


def refusal_for(check: BookingCheck, *, minimum_notice: int, team_event: bool = False) -> AppError:
    reason = check.reason
    assert reason is not None
    if reason is RefusalReason.SEATS_FULL:
        return SlotUnavailable(SEATS_FULL, reason="seats_full")
    if reason in (RefusalReason.BUSY, RefusalReason.RESERVED):
        return SlotUnavailable(
            team.TEAM_HOST_UNAVAILABLE if team_event else HOST_UNAVAILABLE,
            reason="slot_unavailable" if reason is RefusalReason.BUSY else "slot_reserved",
        )
    text = _REFUSAL_TEXT[reason]
    if reason is RefusalReason.MINIMUM_NOTICE:
        text = f"It is within the event type's minimum booking notice of {minimum_notice} minutes."
    return NotBookableAt(f"{CANT_BOOK_AT} {text}", reason=reason.value)


def _requires_confirmation(event_type: EventType, start: datetime, now: datetime) -> bool:
    if not event_type.requires_confirmation:
        return False
    policy = event_type.confirmation_policy or {}
    threshold = policy.get("noticeThreshold")
    if policy.get("type") == "time" and threshold:
        unit = 60 if threshold.get("unit") == "hours" else 1
        # Only bookings made closer to the start than the threshold need confirmation.
        return start - now < timedelta(minutes=int(threshold.get("count", 0)) * unit)
    return True


def new_booking_uid() -> str:
    return secrets.token_urlsafe(16)


def _phone_placeholder_email(phone: str) -> str:
    return re.sub(r"\D", "", phone) + "@sms.cal.com"


# --- team hosts --------------------------------------------------------------------------------------


async def _assign_team_hosts(
    session: AsyncSession,
    event_type_id: int,
    hosts: team.TeamHosts,
    checks: list[BookingCheck],
    *,
    start: datetime,
    time_zone: str,
) -> tuple[int, list[int]]:
    """(organizer id, co-host ids) of a team booking whose every occurrence passed the engine.

    Collective: the first host organises, the others are co-hosts. Round-robin: the fixed hosts
    are co-hosts and one round-robin host free for every occurrence organises (``team`` module).
    """
    if hosts.scheduling_type == team.COLLECTIVE or not hosts.round_robin:
        ids = [h.user_id for h in hosts.fixed]
        return ids[0], ids[1:]
    free = set.intersection(*(set(c.free_host_ids) for c in checks))
    candidates = [h for h in hosts.round_robin if h.user_id in free]
    if not candidates:
        # Each occurrence has a free host, but no one host is free for all of them.
        raise SlotUnavailable(team.TEAM_HOST_UNAVAILABLE, reason="slot_unavailable")
    chosen = await team.choose_round_robin_host(session, event_type_id, candidates, start=start, time_zone=time_zone)
    return chosen.user_id, [h.user_id for h in hosts.fixed]


# --- create ------------------------------------------------------------------------------------------


async def create_booking(
    session: AsyncSession,
    new: NewBooking,
    *,
    now: datetime,
    viewer_user_id: int | None,
    limits: InputLimits,
    booker_uid: str | None = None,
) -> CreatedBookings:
    """Check and insert a booking (or a series, or a seat) in the caller's transaction."""
    check_input_limits(new, limits)
    await begin_write(session)  # SQLite: take the write lock before the first statement
    start = parse_start(new.start)
    _check_attendee(new.attendee)
    _check_metadata(new.metadata)
    if start < now:
        raise BadRequest(PAST)

    event_type, owner, event_team = await _find_event_type(session, new)
    team_hosts: team.TeamHosts | None = None
    if owner is None:
        if event_type.scheduling_type == team.MANAGED:
            raise team.managed_parent_refusal(event_type.id)
        team_hosts = await team.load_team_hosts(session, event_type, new.host_subset_ids)
        host_ids = team_hosts.all_ids
    else:
        host_ids = [owner.id]
    duration = _duration(event_type, new.length_in_minutes)
    location_text, location_response = _resolve_location(event_type, new.location, new.meeting_url)
    _check_booking_fields(event_type, new.responses, new.attendee)

    recurrence = event_type.recurrence if event_type.recurrence and not event_type.recurrence.get("disabled") else None
    if recurrence is not None:
        occurrences = int(recurrence.get("occurrences") or 1)
        if new.recurrence_count is not None and new.recurrence_count > occurrences:
            raise BadRequest(RECURRENCE_TOO_HIGH)
        count = min(new.recurrence_count or occurrences, _MAX_OCCURRENCES)
        starts = occurrence_starts(start, recurrence, count, new.attendee.time_zone)
    else:
        starts = [start]
    seated = event_type.seats_per_time_slot is not None

    # Lock, then read: everything the engine sees below was committed before we held the lock.
    # A team booking locks every host it may use (ascending ids), so the round-robin choice
    # below sees every concurrent booking of these hosts.
    await lock_hosts(session, host_ids)
    if seated:
        for occurrence in starts:
            await lock_seat_slot(session, event_type.id, occurrence)
    slot_event = event_types_service.SlotEventType(
        id=event_type.id,
        owner_id=event_type.owner_id,
        length=event_type.length_in_minutes,
        length_options=tuple(event_type.length_in_minutes_options or ()),
        slot_interval=event_type.slot_interval,
        minimum_notice=event_type.minimum_booking_notice if event_type.minimum_booking_notice is not None else 120,
        before_buffer=event_type.before_event_buffer or 0,
        after_buffer=event_type.after_event_buffer or 0,
        offset_start=event_type.offset_start or 0,
        only_first_slot=bool(event_type.only_show_first_available_slot),
        seats_per_slot=event_type.seats_per_time_slot,
        requires_confirmation=bool(event_type.requires_confirmation),
        schedule_id=event_type.schedule_id,
        booking_window=event_type.booking_window,
        booking_limits_count=event_type.booking_limits_count,
        booking_limits_duration=event_type.booking_limits_duration,
        confirmation_policy=event_type.confirmation_policy,
        team_id=event_type.team_id,
        scheduling_type=event_type.scheduling_type,
        parent_id=event_type.parent_id,
    )
    if viewer_user_id is not None and viewer_user_id in host_ids:
        if new.host_overrides.out_of_bounds:
            slot_event = replace(slot_event, booking_window=None, minimum_notice=0)
        if new.host_overrides.skip_limits:
            slot_event = replace(slot_event, booking_limits_count=None, booking_limits_duration=None)
    found = await schedules_service.load_host_availability(
        session, user_ids=host_ids, schedule_id=event_type.schedule_id
    )
    # Hosts in the order they were added: the first one's zone is the event's zone (as GET /v2/slots).
    availability = {i: found[i] for i in host_ids if i in found}
    host = next(iter(availability.values()), None)
    rules = slot_event.rules(week_start=host.week_start if host else 0)
    lo, hi = availability_hosts.data_window(rules, starts[0], starts[-1] + timedelta(minutes=duration), now)
    fixed_ids = team_hosts.fixed_ids if team_hosts is not None else frozenset()
    hosts = (
        await availability_hosts.complete_hosts(session, availability, lo, hi, now, fixed_ids=fixed_ids)
        if availability
        else ()
    )
    checks: list[BookingCheck] = []
    for occurrence in starts:
        check = check_booking(
            BookingRequest(
                hosts=hosts,
                rules=rules,
                now=now,
                start=occurrence,
                duration=duration,
                time_zone=new.attendee.time_zone,
                booker_uid=booker_uid,
            )
        )
        if not hosts or not check.ok:
            if not hosts:
                raise NotBookableAt(
                    f"{CANT_BOOK_AT} {_REFUSAL_TEXT[RefusalReason.OUTSIDE_AVAILABILITY]}", reason="outside_availability"
                )
            raise refusal_for(check, minimum_notice=rules.minimum_notice, team_event=team_hosts is not None)
        checks.append(check)
    co_host_ids: list[int] = []
    if team_hosts is None:
        assert owner is not None
        organizer = owner
    else:
        organizer_id, co_host_ids = await _assign_team_hosts(
            session, event_type.id, team_hosts, checks, start=start, time_zone=host.time_zone if host else "UTC"
        )
        users = await team.load_users(session, [organizer_id, *co_host_ids])
        organizer = users[organizer_id]
        co_hosts = [users[i] for i in co_host_ids if i in users]

    status = BookingStatus.pending if _requires_confirmation(event_type, start, now) else BookingStatus.accepted
    email = new.attendee.email or _phone_placeholder_email(new.attendee.phone_number or "")
    language = new.attendee.language or "en"
    guests = [g for g in dict.fromkeys(new.guests) if g != email] if not seated else []
    responses: dict[str, Any] = {"name": new.attendee.name, "email": new.attendee.email or ""}
    if new.attendee.phone_number:
        responses["attendeePhoneNumber"] = new.attendee.phone_number
    if guests:
        responses["guests"] = guests
    if location_response is not None:
        responses["location"] = location_response
    responses.update({k: v for k, v in new.responses.items() if k not in ("name", "email")})
    notes = responses.get("notes") if isinstance(responses.get("notes"), str) else None
    title = f"{event_type.title} between {organizer.name or organizer.username or 'unknown'} and {new.attendee.name}"
    recurring_id = str(uuid.uuid4()) if recurrence is not None else None
    organizer_ref = OrganizerRef.of(organizer)
    event_ref = EventTypeRef.of(event_type, TeamRef.of(event_team))

    made: list[BookingResult] = []
    seat_uid: str | None = None
    for occurrence, check in zip(starts, checks, strict=True):
        end = occurrence + timedelta(minutes=duration)
        attendee = Attendee(
            name=new.attendee.name,
            email=email,
            time_zone=new.attendee.time_zone,
            locale=language,
            phone_number=new.attendee.phone_number,
            absent=False,
        )
        joined: Booking | None = None
        if seated and check.booking_uid is not None:
            joined = await session.scalar(select(Booking).where(Booking.uid == check.booking_uid))
        if joined is not None:
            booking = joined
        else:
            uid = new_booking_uid()
            booking = Booking(
                uid=uid,
                user_id=organizer.id,
                event_type_id=event_type.id,
                title=title,
                description=notes,
                start_time=occurrence,
                end_time=end,
                status=status.value,
                recurring_event_id=recurring_id,
                location=location_text,
                responses=None if seated else responses,
                booking_metadata=new.metadata or {},
                ical_uid=f"{uid}@calapi",
                rescheduled=False,
                absent_host=False,
            )
            session.add(booking)
        attendee_rows = [attendee]
        if not seated:
            attendee_rows += [
                Attendee(name="", email=g, time_zone=new.attendee.time_zone, locale=language, absent=False)
                for g in guests
            ]
        if joined is None and co_host_ids:
            # Collective co-hosts and round-robin mandatory hosts are attendees (contract §2.6.2).
            attendee_rows += [
                Attendee(
                    name=u.name or u.username or "",
                    email=u.email,
                    time_zone=u.time_zone,
                    locale=u.locale or "en",
                    absent=False,
                )
                for u in co_hosts
            ]
        await session.flush()  # booking.id for the attendees
        for row in attendee_rows:
            row.booking_id = booking.id
        session.add_all(attendee_rows)
        if joined is None and co_host_ids:
            session.add_all(team.co_host_rows(booking.id, co_host_ids))
        seat: BookingSeat | None = None
        if seated:
            await session.flush()
            seat = BookingSeat(
                reference_uid=str(uuid.uuid4()),
                booking_id=booking.id,
                attendee_id=attendee.id,
                responses=responses,
                seat_metadata=new.metadata or {},
            )
            session.add(seat)
            seat_uid = seat.reference_uid
        trigger = events.BOOKING_REQUESTED if booking.status == BookingStatus.pending.value else events.BOOKING_CREATED
        if joined is None:
            all_attendees: list[Attendee] = attendee_rows
            result = BookingResult(
                booking,
                tuple(attendee_rows),
                organizer_ref,
                event_ref,
                seats={attendee.id: seat} if seat else {},
            )
        else:
            # A seat joined an existing meeting: its answer lists every seat (when the viewer may see them).
            await session.flush()
            result = await details.load_result(session, booking)
            all_attendees = list(result.attendees)
        recorded = [  # payloads from the rows as built; record_events flushes the rows first
            events.booking_event(
                trigger,
                booking,
                attendees=all_attendees,
                organizer=organizer,
                event_type=event_type,
                extra={
                    **({"seatUid": seat_uid} if seat_uid else {}),
                    **({"schedulingType": team_hosts.scheduling_type} if team_hosts is not None else {}),
                }
                or None,
            )
        ]
        if joined is None and booking.status == BookingStatus.accepted.value:
            recorded += events.meeting_events(booking, attendees=all_attendees, organizer=organizer)
        await record_events(session, recorded)
        made.append(result)
    if booker_uid:
        await holds.release(session, booker_uid)  # the booker's own hold has done its job
    await session.flush()
    return CreatedBookings(tuple(made), series=recurrence is not None, seat_uid=seat_uid)
