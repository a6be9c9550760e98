"""What the booking services take: each use case's input, with the wire's names already resolved.

Every API version's router parses its own body into one of these; the services never see a wire
dictionary. Values that a service checks itself (so that every version words a bad one alike)
stay as given: ``NewBooking.start`` is the ISO-8601 text, its location and answers as sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# ---------------------------------------------------------------- create


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
    """A booking to make (values still to be checked against the event type)."""

    start: str  # ISO-8601, parsed by the service (one message for every wrong shape)
    attendee: AttendeeInput
    event_type_id: int | None = None
    event_type_slug: str | None = None
    username: str | None = None
    team_slug: str | None = None
    guests: tuple[str, ...] = ()
    location: dict[str, Any] | str | None = None  # a location object of the event type's kinds, or free text
    meeting_url: str | None = None
    responses: dict[str, Any] = field(default_factory=dict)  # booking-field answers by field slug
    metadata: dict[str, Any] | None = None
    length_in_minutes: int | None = None
    recurrence_count: int | None = None
    host_subset_ids: tuple[int, ...] = ()  # team events: only these round-robin hosts
    host_overrides: HostOverrides = HostOverrides()
    responses_field: str = "bookingFieldsResponses"  # the answers' name on the caller's wire, for messages


# ---------------------------------------------------------------- changes


@dataclass(frozen=True)
class CancelBooking:
    uid: str  # a booking's uid, or a series uid (every remaining occurrence)
    reason: str | None = None
    cancel_subsequent: bool = False  # this occurrence and the later ones of its series
    seat_uid: str | None = None  # only this seat


@dataclass(frozen=True)
class RescheduleBooking:
    uid: str
    start: datetime
    rescheduled_by: str | None = None
    reason: str | None = None
    seat_uid: str | None = None  # only this seat moves


@dataclass(frozen=True)
class DeclineBooking:
    uid: str
    reason: str | None = None


@dataclass(frozen=True)
class AbsentAttendee:
    email: str
    absent: bool


@dataclass(frozen=True)
class MarkAbsent:
    uid: str
    host: bool | None = None  # None: the host's flag stays as it is
    attendees: tuple[AbsentAttendee, ...] = ()


@dataclass(frozen=True)
class NewLocation:
    """A booking's new location: the text, and how the booking's answers record its kind."""

    text: str
    answer: str  # ``responses.location.value``: inPerson, link, userPhone, attendeeInPerson, phone, somewhereElse
    option: str  # ``responses.location.optionValue``: the text when the attendee chose it, else ""


@dataclass(frozen=True)
class ChangeLocation:
    uid: str
    location: NewLocation | None  # None: nothing changes


@dataclass(frozen=True)
class EditDetails:
    uid: str
    title: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Reassign:
    uid: str
    to_user_id: int | None = None  # None: the next free round-robin host, chosen as at creation
    reason: str | None = None


# ---------------------------------------------------------------- lists

DEFAULT_TAKE = 100
MAX_TAKE = 250


class StatusFilter(StrEnum):
    upcoming = "upcoming"
    recurring = "recurring"
    past = "past"
    cancelled = "cancelled"
    unconfirmed = "unconfirmed"


class SortKey(StrEnum):
    start = "start"
    end = "end"
    created = "created"
    updated = "updated"


@dataclass(frozen=True)
class BookingListQuery:
    """The caller's bookings, filtered (every field optional) and paged."""

    statuses: tuple[StatusFilter, ...] = ()
    attendee_email: str | None = None
    attendee_name: str | None = None
    booking_uid: str | None = None
    event_type_ids: tuple[int, ...] = ()
    # Bookings of these teams' event types (managed children included).
    team_ids: tuple[int, ...] = ()
    after_start: datetime | None = None
    before_end: datetime | None = None
    after_created_at: datetime | None = None
    before_created_at: datetime | None = None
    after_updated_at: datetime | None = None
    before_updated_at: datetime | None = None
    sort: tuple[SortKey, bool] | None = None  # (column, descending)
    take: int = DEFAULT_TAKE
    skip: int = 0


@dataclass(frozen=True)
class ScopedListQuery:
    """Bookings by organizer: whose, filters, an optional page (``take`` None = all)."""

    organizer_ids: tuple[int, ...] | None  # None: every organizer (a system admin without a filter)
    attended_by_emails: tuple[str, ...] = ()  # also bookings these proven emails attend (an admin's ``userId``)
    attendee_emails: tuple[str, ...] = ()  # narrow to bookings with one of these attendees
    after_start: datetime | None = None
    before_end: datetime | None = None
    sort: tuple[SortKey, bool] | None = None  # (created or updated, descending)
    take: int | None = None
    skip: int = 0
