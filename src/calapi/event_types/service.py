"""Event types: what can be booked and the rules that shape its slots (``/v2/event-types``).

Services take typed fields (``calapi.event_types.commands``, already validated for shape by the
router's schema) and store them: the fields the slot engine reads go to columns, the structured
settings stay as their JSON documents in JSON columns (``{"disabled": true}`` included), and the
rest go to ``settings`` under their stored keys. Booking fields are stored merged with the default
system fields.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.core.errors import BadRequest, Forbidden, NotFound
from calapi.event_types import custom_input_service, pricing
from calapi.event_types.commands import Document, EventTypeFields, NewEventType
from calapi.event_types.models import EventType, EventTypeCustomInput
from calapi.schedules import service as schedules_service
from calapi.scheduling import EventRules, Limits, PeriodType, SchedulingType
from calapi.users import service as users_service
from calapi.users.models import User

DEFAULT_LOCATIONS: list[dict[str, Any]] = [{"type": "integration", "integration": "cal-video"}]

# The system booking fields every event type has, in Cal.com's order and output shape.
DEFAULT_BOOKING_FIELDS: list[dict[str, Any]] = [
    {"isDefault": True, "type": "name", "slug": "name", "required": True, "disableOnPrefill": False},
    {"isDefault": True, "type": "email", "slug": "email", "required": True, "hidden": False, "disableOnPrefill": False},
    {"isDefault": True, "type": "radioInput", "slug": "location", "required": False, "hidden": False},
    {"isDefault": True, "type": "text", "slug": "title", "required": True, "hidden": True},
    {"isDefault": True, "type": "textarea", "slug": "notes", "required": False, "hidden": False},
    {"isDefault": True, "type": "multiemail", "slug": "guests", "required": False, "hidden": False},
    {"isDefault": True, "type": "textarea", "slug": "rescheduleReason", "required": False, "hidden": False},
]
_SYSTEM_KEYS = ("label", "placeholder", "required", "hidden", "disableOnPrefill")

# Fields kept in a column of their own (field → column, where the names differ).
_COLUMNS = {
    "title": "title",
    "slug": "slug",
    "description": "description",
    "hidden": "hidden",
    "length_in_minutes": "length_in_minutes",
    "length_in_minutes_options": "length_in_minutes_options",
    "slot_interval": "slot_interval",
    "minimum_booking_notice": "minimum_booking_notice",
    "before_event_buffer": "before_event_buffer",
    "after_event_buffer": "after_event_buffer",
    "offset_start": "offset_start",
    "only_show_first_available_slot": "only_show_first_available_slot",
    "schedule_id": "schedule_id",
    "booking_window": "booking_window",
    "booking_limits_count": "booking_limits_count",
    "booking_limits_duration": "booking_limits_duration",
    "locations": "locations",
    "recurrence": "recurrence",
    "metadata": "event_metadata",
}
_LIMITS = ("booking_limits_count", "booking_limits_duration")
# Handled on their own below; the others go to ``settings`` under these keys (the 2024-06-14 names,
# which the answers of every version read).
_SPECIAL = ("seats", "confirmation_policy", "booking_fields", "email_settings")
_SETTINGS_KEYS = {
    "disable_guests": "disableGuests",
    "booker_layouts": "bookerLayouts",
    "requires_booker_email_verification": "requiresBookerEmailVerification",
    "hide_calendar_notes": "hideCalendarNotes",
    "lock_time_zone_toggle_on_booking_page": "lockTimeZoneToggleOnBookingPage",
    "color": "color",
    "custom_name": "customName",
    "destination_calendar": "destinationCalendar",
    "use_destination_calendar_email": "useDestinationCalendarEmail",
    "hide_calendar_event_details": "hideCalendarEventDetails",
    "success_redirect_url": "successRedirectUrl",
    "hide_organizer_email": "hideOrganizerEmail",
    "cal_video_settings": "calVideoSettings",
    "booking_requires_authentication": "bookingRequiresAuthentication",
    "position": "position",
    "time_zone": "timeZone",
}

SLUG_TAKEN = "User already has an event type with this slug."
EMAIL_FIELD_RULE = "checkIsEmailUserAccessible - Email booking field must be required and visible"


@dataclass(frozen=True)
class EventTypeView:
    """An event type, its owner and its custom inputs (oldest first)."""

    event_type: EventType
    owner: User | None
    custom_inputs: tuple[EventTypeCustomInput, ...] = ()
    destination: Document | None = None  # where its bookings are written (``destinations_of``)


def _not_found(event_type_id: int) -> NotFound:
    return NotFound(f"Event type with id {event_type_id} not found")


def _system_slug(item: dict[str, Any]) -> str | None:
    """Which default field an input item customises: name/email by ``type``, the others by ``slug``."""
    if item.get("type") in ("name", "email") and item.get("slug") in (None, item["type"]):
        return str(item["type"])
    if item.get("slug") in ("title", "location", "notes", "guests", "rescheduleReason"):
        return str(item["slug"])
    return None


def merge_booking_fields(given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored list: system fields (customised where given) first, then custom fields in order."""
    fields = copy.deepcopy(DEFAULT_BOOKING_FIELDS)
    by_slug = {f["slug"]: f for f in fields}
    custom: list[dict[str, Any]] = []
    for index, item in enumerate(given):
        system_slug = _system_slug(item)
        if system_slug is not None:
            by_slug[system_slug].update({k: item[k] for k in _SYSTEM_KEYS if k in item})
            continue
        slug = item["slug"]
        if slug in by_slug:
            raise BadRequest(f"bookingFields[{index}]: slug {slug!r} is a system field's; pick another slug")
        if any(c["slug"] == slug for c in custom):
            raise BadRequest(f"bookingFields[{index}]: slug {slug!r} is used by another booking field")
        custom.append({"isDefault": False, **item})
    email = by_slug["email"]
    if email.get("required") is not True or email.get("hidden") is True:
        raise BadRequest(EMAIL_FIELD_RULE)
    return fields + custom


def _check_length_options(length: int, options: list[int] | None) -> None:
    if options is not None and length not in options:
        raise BadRequest(
            f"lengthInMinutesOptions {options} must contain lengthInMinutes ({length}), the length booked by default"
        )


async def _check_schedule(session: AsyncSession, owner_id: int, schedule_id: int) -> None:
    if not await schedules_service.owns(session, owner_id, schedule_id):
        raise NotFound(f"User with ID={owner_id} does not own schedule with ID={schedule_id}")


async def _check_slug_free(
    session: AsyncSession, owner_id: int | None, slug: str, *, except_id: int | None = None, team_id: int | None = None
) -> None:
    """Slugs are unique per owner (personal event types) or per team (team event types)."""
    if team_id is not None:
        query = select(EventType.id).where(EventType.team_id == team_id, EventType.slug == slug)
    else:
        query = select(EventType.id).where(EventType.owner_id == owner_id, EventType.slug == slug)
    if except_id is not None:
        query = query.where(EventType.id != except_id)
    if await session.scalar(query.limit(1)) is not None:
        raise BadRequest(SLUG_TAKEN)


def _apply(event_type: EventType, fields: EventTypeFields) -> None:
    settings = dict(event_type.settings or {})
    for name, value in fields.values().items():
        if name in _COLUMNS:
            if name == "metadata" and value is not None:
                value = pricing.checked_metadata(value)
            if name in _LIMITS and not value.get("disabled"):
                value = {k: v for k, v in value.items() if k != "disabled"}
            setattr(event_type, _COLUMNS[name], value)
        elif name == "seats":
            event_type.seats = value
            event_type.seats_per_time_slot = None if value.get("disabled") else value["seatsPerTimeSlot"]
        elif name == "confirmation_policy":
            event_type.confirmation_policy = value
            event_type.requires_confirmation = not value.get("disabled")
        elif name == "booking_fields":
            event_type.booking_fields = merge_booking_fields(value)
        elif name != "email_settings":
            settings[_SETTINGS_KEYS[name]] = value
    event_type.settings = settings
    _apply_standard_emails(event_type, fields)


# The default booking emails' switch: v2's ``emailSettings`` (v1 spells it in the metadata, as
# ``disableStandardEmails.all``; its router translates). The workflows room reads the columns.
_EMAIL_COLUMNS = {
    "disableStandardEmailsToHosts": "disable_standard_emails_host",
    "disableStandardEmailsToAttendees": "disable_standard_emails_attendee",
}


def _apply_standard_emails(event_type: EventType, fields: EventTypeFields) -> None:
    for key, column in _EMAIL_COLUMNS.items():
        if fields.email_settings is not None and key in fields.email_settings:
            setattr(event_type, column, bool(fields.email_settings[key]))


def email_settings(event_type: EventType) -> dict[str, bool]:
    """v2's ``emailSettings`` of an event type."""
    return {
        "disableStandardEmailsToAttendees": bool(event_type.disable_standard_emails_attendee),
        "disableStandardEmailsToHosts": bool(event_type.disable_standard_emails_host),
    }


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as error:  # a concurrent create took the slug between check and insert
        raise BadRequest(SLUG_TAKEN) from error


def new_event_type(command: NewEventType, *, owner_id: int | None = None, team_id: int | None = None) -> EventType:
    """An unsaved event type with Cal.com's defaults and the command's fields.

    Shared by personal and team event types; checks that need the database are the caller's.
    """
    _check_length_options(command.length_in_minutes, command.fields.length_in_minutes_options)
    event_type = EventType(
        owner_id=owner_id,
        team_id=team_id,
        title=command.title,
        slug=command.slug,
        length_in_minutes=command.length_in_minutes,
        minimum_booking_notice=120,  # Cal.com's default
        before_event_buffer=0,
        after_event_buffer=0,
        offset_start=0,
        hidden=False,
        only_show_first_available_slot=False,
        requires_confirmation=False,
        locations=copy.deepcopy(DEFAULT_LOCATIONS),
        booking_fields=copy.deepcopy(DEFAULT_BOOKING_FIELDS),
        assign_all_team_members=False,
    )
    _apply(event_type, command.fields)
    return event_type


def _check_changed_length(event_type: EventType, fields: EventTypeFields) -> None:
    length = fields.length_in_minutes if fields.length_in_minutes is not None else event_type.length_in_minutes
    options = fields.length_in_minutes_options
    _check_length_options(length, options if options is not None else event_type.length_in_minutes_options)


def apply_changes(event_type: EventType, fields: EventTypeFields) -> None:
    """Apply an update's fields to a loaded event type, after the shape checks."""
    _check_changed_length(event_type, fields)
    _apply(event_type, fields)


async def check_slug_free(
    session: AsyncSession,
    slug: str,
    *,
    owner_id: int | None = None,
    team_id: int | None = None,
    except_id: int | None = None,
) -> None:
    """400 ``SLUG_TAKEN`` when the owner (or team) already has an event type with this slug."""
    await _check_slug_free(session, owner_id, slug, except_id=except_id, team_id=team_id)


flush_event_types = _flush


# ---------------------------------------------------------------- the destination calendar

# (session, owner id, event type id, {integration, externalId} or None to clear): checks that the
# calendar is the owner's and writable, and makes it where the event type's bookings are written.
DestinationRule = Callable[[AsyncSession, int, int, Document | None], Awaitable[None]]
_destination_rules: list[DestinationRule] = []


def use_destination_calendars(rule: DestinationRule) -> None:
    """Register the calendars room's rule for ``destinationCalendar`` (again: replaces it). The
    calendars room reads event types, so it sits above this one and registers at start-up
    (``calapi.wiring``)."""
    _destination_rules[:] = [rule]


# (session, event type ids) -> {event type id: {integration, externalId}}: the calendar each event
# type's bookings are written to now, whichever API version set it (the calendars room's rows).
DestinationReader = Callable[[AsyncSession, Sequence[int]], Awaitable[dict[int, Document]]]
_destination_readers: list[DestinationReader] = []


def read_destination_calendars(reader: DestinationReader) -> None:
    """Register the calendars room's reader of event types' destinations (again: replaces it)."""
    _destination_readers[:] = [reader]


async def destinations_of(session: AsyncSession, event_type_ids: Sequence[int]) -> dict[int, Document]:
    """Each event type's destination calendar as bookings are written to it (absent: none of its
    own). One statement."""
    if not event_type_ids:
        return {}
    if not _destination_readers:
        raise RuntimeError(
            "event types have no destination reader: call calapi.wiring.register_domain_hooks() at start-up"
        )
    return await _destination_readers[0](session, event_type_ids)


async def follow_destination(
    session: AsyncSession, owner_id: int, event_type: EventType, fields: EventTypeFields
) -> None:
    """A given ``destinationCalendar``, checked against ``owner_id``'s calendars and kept (the hook)."""
    if not fields.given("destination_calendar"):
        return
    if not _destination_rules:
        raise RuntimeError(
            "event types have no destination rule: call calapi.wiring.register_domain_hooks() at start-up"
        )
    await _destination_rules[0](session, owner_id, event_type.id, fields.destination_calendar)


async def create(session: AsyncSession, owner_id: int, command: NewEventType) -> EventTypeView:
    """A new event type of ``owner_id``."""
    owner = await users_service.get(session, owner_id)
    _check_length_options(command.length_in_minutes, command.fields.length_in_minutes_options)
    if command.fields.schedule_id is not None:
        await _check_schedule(session, owner_id, command.fields.schedule_id)
    await _check_slug_free(session, owner_id, command.slug)
    event_type = new_event_type(command, owner_id=owner_id)
    session.add(event_type)
    await _flush(session)
    await follow_destination(session, owner_id, event_type, command.fields)
    return EventTypeView(
        event_type, owner, destination=(await destinations_of(session, [event_type.id])).get(event_type.id)
    )


async def get_for_owner(session: AsyncSession, owner_id: int, event_type_id: int) -> EventTypeView:
    """The caller's event type; someone else's answers 404 as if it did not exist."""
    event_type = await session.get(EventType, event_type_id)
    if event_type is None or event_type.owner_id != owner_id:
        raise _not_found(event_type_id)
    inputs = await custom_input_service.of_event_type(session, event_type_id)
    destination = (await destinations_of(session, [event_type_id])).get(event_type_id)
    return EventTypeView(event_type, await users_service.get(session, owner_id), tuple(inputs), destination)


async def update(session: AsyncSession, owner_id: int, event_type_id: int, fields: EventTypeFields) -> EventTypeView:
    return await update_from(session, owner_id, event_type_id, lambda _: fields)


async def update_from(
    session: AsyncSession, owner_id: int, event_type_id: int, fields_for: Callable[[EventType], EventTypeFields]
) -> EventTypeView:
    """Change the owner's event type by the fields ``fields_for`` makes of the stored one (API v1
    completes a partial seats setting from it)."""
    view = await get_for_owner(session, owner_id, event_type_id)
    event_type = view.event_type
    fields = fields_for(event_type)
    _check_changed_length(event_type, fields)
    if fields.schedule_id is not None:
        await _check_schedule(session, owner_id, fields.schedule_id)
    if fields.slug is not None and fields.slug != event_type.slug:
        await _check_slug_free(session, owner_id, fields.slug, except_id=event_type.id)
    _apply(event_type, fields)
    await _flush(session)
    await follow_destination(session, owner_id, event_type, fields)
    if fields.given("destination_calendar"):
        return replace(view, destination=(await destinations_of(session, [event_type.id])).get(event_type.id))
    return view


async def delete(session: AsyncSession, user_id: int, event_type_id: int) -> EventType:
    """Delete and return the deleted row (its id, length, slug and title are the answer)."""
    event_type = await session.get(EventType, event_type_id)
    if event_type is None:
        raise NotFound(f"Event type with ID={event_type_id} does not exist.")
    if event_type.owner_id != user_id:
        raise Forbidden(f"User with ID={user_id} does not own event type with ID={event_type_id}")
    await session.delete(event_type)
    await session.flush()
    return event_type


@dataclass(frozen=True)
class EventTypeList:
    owner: User | None
    event_types: tuple[EventType, ...]
    custom_inputs: dict[int, list[EventTypeCustomInput]] = field(default_factory=dict)  # by event type id
    destinations: dict[int, Document] = field(default_factory=dict)  # by event type id

    def views(self) -> list[EventTypeView]:
        return [
            EventTypeView(e, self.owner, tuple(self.custom_inputs.get(e.id, ())), self.destinations.get(e.id))
            for e in self.event_types
        ]


async def list_visible(
    session: AsyncSession,
    caller_id: int | None,
    *,
    username: str | None = None,
    event_slug: str | None = None,
    sort_created_at: Literal["asc", "desc"] | None = None,
) -> EventTypeList:
    """``GET /v2/event-types``: by username (+ slug), else the caller's own, else nothing.

    Hidden event types are listed only to their owner. All of one owner's, in one query.
    """
    if username is not None:
        owner = await users_service.by_username(session, username)
        if owner is None:
            return EventTypeList(None, ())
    elif caller_id is not None:
        owner = await users_service.get(session, caller_id)
    else:
        return EventTypeList(None, ())
    query = select(EventType).where(EventType.owner_id == owner.id)
    if event_slug is not None and username is not None:
        query = query.where(EventType.slug == event_slug)
    if owner.id != caller_id:
        query = query.where(EventType.hidden.is_(False))
    query = query.order_by(EventType.id.desc() if sort_created_at == "desc" else EventType.id)
    event_types = tuple(await session.scalars(query))
    inputs = await custom_input_service.of_event_types(session, (e.id for e in event_types))
    return EventTypeList(owner, event_types, inputs, await destinations_of(session, [e.id for e in event_types]))


# --- Owners and several owners' lists (API v1's ``/event-types``) ---


async def owner_of(session: AsyncSession, event_type_id: int) -> int | None:
    """The personal owner of an event type (None when it does not exist or is a team's)."""
    return await session.scalar(select(EventType.owner_id).where(EventType.id == event_type_id))


async def list_for_owners(
    session: AsyncSession, owner_ids: list[int], *, slug: str | None = None
) -> list[EventTypeView]:
    """The personal event types of the given users, oldest first (hidden ones included: they are
    the owners' own, or a system admin is asking) — two statements whatever their number."""
    query = select(EventType).where(EventType.owner_id.in_(owner_ids))
    if slug is not None:
        query = query.where(EventType.slug == slug)
    event_types = list(await session.scalars(query.order_by(EventType.id)))
    owner_rows = await session.scalars(select(User).where(User.id.in_({e.owner_id for e in event_types})))
    owners = {u.id: u for u in owner_rows}
    inputs = await custom_input_service.of_event_types(session, (e.id for e in event_types))
    return [
        EventTypeView(e, owners.get(e.owner_id) if e.owner_id is not None else None, tuple(inputs[e.id]))
        for e in event_types
    ]


# --- Inputs for the slot engine ---


@dataclass(frozen=True)
class SlotEventType:
    """The columns of an event type that decide its slots, read once per request."""

    id: int
    owner_id: int | None
    length: int
    length_options: tuple[int, ...]
    slot_interval: int | None
    minimum_notice: int
    before_buffer: int
    after_buffer: int
    offset_start: int
    only_first_slot: bool
    seats_per_slot: int | None
    requires_confirmation: bool
    schedule_id: int | None
    booking_window: dict[str, Any] | None
    booking_limits_count: dict[str, Any] | None
    booking_limits_duration: dict[str, Any] | None
    confirmation_policy: dict[str, Any] | None
    # Team event types (defaults: a personal event type).
    team_id: int | None = None
    scheduling_type: str | None = None  # COLLECTIVE | ROUND_ROBIN | MANAGED (stored names)
    parent_id: int | None = None
    assign_all_team_members: bool = False

    @property
    def is_team_event(self) -> bool:
        return self.team_id is not None

    @property
    def is_managed_parent(self) -> bool:
        return self.scheduling_type == "MANAGED" and self.owner_id is None

    @property
    def is_variable_length(self) -> bool:
        return len(self.length_options) > 1 or (len(self.length_options) == 1 and self.length_options[0] != self.length)

    def rules(self, *, week_start: int = 0) -> EventRules:
        """The engine's EventRules; the event's zone is its first host's schedule zone (engine default)."""
        period = _period(self.booking_window)
        policy = self.confirmation_policy or {}
        return EventRules(
            length=self.length,
            event_type_id=self.id,
            length_options=self.length_options,
            slot_interval=self.slot_interval,
            minimum_notice=self.minimum_notice,
            before_buffer=self.before_buffer,
            after_buffer=self.after_buffer,
            offset_start=self.offset_start,
            booking_limits=_limits(self.booking_limits_count),
            duration_limits=_limits(self.booking_limits_duration),
            seats_per_slot=self.seats_per_slot,
            only_first_slot=self.only_first_slot,
            requires_confirmation=self.requires_confirmation,
            # Cal.com's confirmationPolicy.blockUnconfirmedBookingsInBooker
            requires_confirmation_will_block_slot=bool(policy.get("blockUnconfirmedBookingsInBooker")),
            week_start=week_start,
            scheduling_type=_ENGINE_SCHEDULING.get(self.scheduling_type or "", SchedulingType.INDIVIDUAL)
            if self.owner_id is None
            else SchedulingType.INDIVIDUAL,
            **period,
        )


# Stored scheduling types the engine aggregates differently; a managed child is an individual event.
_ENGINE_SCHEDULING = {"COLLECTIVE": SchedulingType.COLLECTIVE, "ROUND_ROBIN": SchedulingType.ROUND_ROBIN}


@dataclass(frozen=True)
class SlotEventTraits:
    """What another event type's booking brings to a host's busy time: its buffers and seating."""

    before_buffer: int
    after_buffer: int
    seated: bool


def _limits(wire: dict[str, Any] | None) -> Limits | None:
    if not wire or wire.get("disabled"):
        return None
    limits = Limits(
        per_day=wire.get("day"), per_week=wire.get("week"), per_month=wire.get("month"), per_year=wire.get("year")
    )
    return limits or None


def _period(wire: dict[str, Any] | None) -> dict[str, Any]:
    """bookingWindow (wire shape) → the engine's period fields."""
    if not wire or wire.get("disabled"):
        return {"period_type": PeriodType.UNLIMITED}
    kind = wire.get("type")
    if kind == "range":
        first, last = wire["value"]
        return {
            "period_type": PeriodType.RANGE,
            "period_start_date": date.fromisoformat(str(first)[:10]),
            "period_end_date": date.fromisoformat(str(last)[:10]),
        }
    if kind in ("businessDays", "calendarDays"):
        return {
            "period_type": PeriodType.ROLLING_WINDOW if wire.get("rolling") else PeriodType.ROLLING,
            "period_days": int(wire["value"]),
            "period_count_calendar_days": kind == "calendarDays",
        }
    return {"period_type": PeriodType.UNLIMITED}


_SLOT_COLUMNS = (
    EventType.id,
    EventType.owner_id,
    EventType.length_in_minutes,
    EventType.length_in_minutes_options,
    EventType.slot_interval,
    EventType.minimum_booking_notice,
    EventType.before_event_buffer,
    EventType.after_event_buffer,
    EventType.offset_start,
    EventType.only_show_first_available_slot,
    EventType.seats_per_time_slot,
    EventType.requires_confirmation,
    EventType.schedule_id,
    EventType.booking_window,
    EventType.booking_limits_count,
    EventType.booking_limits_duration,
    EventType.confirmation_policy,
    EventType.team_id,
    EventType.scheduling_type,
    EventType.parent_id,
    EventType.assign_all_team_members,
)


def _slot_event_type(row: Any) -> SlotEventType:
    (
        ident,
        owner_id,
        length,
        options,
        interval,
        notice,
        before,
        after,
        offset,
        first_only,
        seats,
        confirm,
        schedule_id,
        window,
        count,
        duration,
        policy,
        team_id,
        scheduling,
        parent_id,
        assign_all,
    ) = row
    return SlotEventType(
        id=ident,
        owner_id=owner_id,
        length=length,
        length_options=tuple(options or ()),
        slot_interval=interval,
        minimum_notice=notice if notice is not None else 120,
        before_buffer=before or 0,
        after_buffer=after or 0,
        offset_start=offset or 0,
        only_first_slot=bool(first_only),
        seats_per_slot=seats,
        requires_confirmation=bool(confirm),
        schedule_id=schedule_id,
        booking_window=window,
        booking_limits_count=count,
        booking_limits_duration=duration,
        confirmation_policy=policy,
        team_id=team_id,
        scheduling_type=scheduling,
        parent_id=parent_id,
        assign_all_team_members=bool(assign_all),
    )


async def load_slot_event_type(session: AsyncSession, event_type_id: int) -> SlotEventType | None:
    """An event type by id for slot listing and reservations (one statement)."""
    row = (await session.execute(select(*_SLOT_COLUMNS).where(EventType.id == event_type_id))).first()
    return None if row is None else _slot_event_type(row)


async def load_slot_event_type_by_slug(
    session: AsyncSession, username: str, slug: str
) -> tuple[int | None, SlotEventType | None]:
    """(owner's user id or None when no such user, the event type or None) in one statement."""
    statement = (
        select(User.id, *_SLOT_COLUMNS)
        .select_from(User)
        .outerjoin(EventType, and_(EventType.owner_id == User.id, EventType.slug == slug))
        .where(User.username == username)
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None, None
    return row[0], (_slot_event_type(row[1:]) if row[1] is not None else None)


async def load_slot_event_traits(session: AsyncSession, event_type_ids: Iterable[int]) -> dict[int, SlotEventTraits]:
    """Buffers and seating of the event types behind a set of bookings (one statement)."""
    ids = sorted(set(event_type_ids))
    if not ids:
        return {}
    connection = await session.connection()  # Core rows: no ORM execute path for three numbers
    rows = (await connection.execute(_TRAITS_STATEMENT, {"ids": ids})).all()
    return {ident: SlotEventTraits(before or 0, after or 0, seats is not None) for ident, before, after, seats in rows}


# Built once (a hot path of every slot listing and booking): its cache key stays memoized.
_TRAITS_STATEMENT = select(
    EventType.id, EventType.before_event_buffer, EventType.after_event_buffer, EventType.seats_per_time_slot
).where(EventType.id.in_(bindparam("ids", expanding=True)))
