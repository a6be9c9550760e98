"""What the booking services hand back: the rows, and what each API version shows beside them.

No wire words here: a ``BookingResult`` is a booking row with its attendees, seats, organizer and
event type, loaded once by the service that made or read it; each API version's presenter turns it
into that version's answer without reading anything again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from calapi.bookings.models import Attendee, Booking, BookingSeat
from calapi.event_types.models import EventType
from calapi.payments.models import Payment
from calapi.teams.models import Team
from calapi.users.models import User


@dataclass(frozen=True)
class OrganizerRef:
    """The booking's organizer as the answers show them."""

    id: int
    name: str | None
    email: str
    username: str | None
    time_zone: str
    locale: str | None

    @classmethod
    def of(cls, user: User) -> OrganizerRef:
        return cls(user.id, user.name, user.email, user.username, user.time_zone, user.locale)


@dataclass(frozen=True)
class TeamRef:
    id: int
    name: str
    slug: str | None

    @classmethod
    def of(cls, team: Team | None) -> TeamRef | None:
        return None if team is None else cls(team.id, team.name, team.slug)


@dataclass(frozen=True)
class EventTypeRef:
    """What the answers show of a booking's event type."""

    id: int
    slug: str
    owner_id: int | None
    seats_per_slot: int | None
    seats_show_attendees: bool
    seats_show_availability_count: bool
    custom_name: str | None  # the event name template (settings ``customName``)
    time_zone: str | None  # the event type's own zone (settings ``timeZone``), if set
    recurrence: dict[str, Any] | None
    metadata: dict[str, Any]
    team: TeamRef | None

    @property
    def seated(self) -> bool:
        return self.seats_per_slot is not None

    @classmethod
    def of(cls, event_type: EventType, team: TeamRef | None) -> EventTypeRef:
        return cls.from_columns(
            event_type.id,
            event_type.slug,
            event_type.owner_id,
            event_type.seats_per_time_slot,
            event_type.seats,
            event_type.settings,
            event_type.recurrence,
            event_type.event_metadata,
            team,
        )

    @classmethod
    def from_columns(
        cls,
        id: int,
        slug: str,
        owner_id: int | None,
        seats_per_slot: int | None,
        seats: dict[str, Any] | None,
        settings: dict[str, Any] | None,
        recurrence: dict[str, Any] | None,
        metadata: dict[str, Any] | None,
        team: TeamRef | None,
    ) -> EventTypeRef:
        """From the event type's columns (a loader selects only these)."""
        seats = seats or {}
        settings = settings or {}
        return cls(
            id=id,
            slug=slug,
            owner_id=owner_id,
            seats_per_slot=seats_per_slot,
            seats_show_attendees=bool(seats.get("showAttendeeInfo", False)),
            seats_show_availability_count=bool(seats.get("showAvailabilityCount", True)),
            custom_name=settings.get("customName"),
            time_zone=settings.get("timeZone"),
            recurrence=recurrence,
            metadata=metadata or {},
            team=team,
        )


@dataclass(frozen=True)
class PaymentView:
    """A paid booking's payment as the answers show it (``amount`` in minor units); ``client_secret``
    is what the booker's browser needs to confirm the PaymentIntent with Stripe."""

    id: int
    uid: str
    amount: int
    currency: str
    status: str
    success: bool
    refunded: bool
    provider: str
    payment_option: str
    client_secret: str | None
    external_id: str | None
    hold_until: datetime

    @classmethod
    def of(cls, row: Payment) -> PaymentView:
        return cls(
            id=row.id,
            uid=row.uid,
            amount=row.amount,
            currency=row.currency,
            status=row.status,
            success=row.success,
            refunded=row.refunded,
            provider=row.provider,
            payment_option=row.payment_option,
            client_secret=(row.data or {}).get("clientSecret"),
            external_id=row.external_id,
            hold_until=row.hold_until,
        )


@dataclass(frozen=True)
class BookingResult:
    """One booking and everything around it that an answer shows."""

    booking: Booking
    attendees: tuple[Attendee, ...]  # in the order they were added: the first is the booker
    organizer: OrganizerRef | None  # None: the organizer's user is gone
    event_type: EventTypeRef | None
    seats: Mapping[int, BookingSeat] = field(default_factory=dict)  # by attendee id (seated bookings)
    rescheduled_to_uid: str | None = None  # the latest booking this one was rescheduled to
    payment: PaymentView | None = None  # a paid event's booking


@dataclass(frozen=True)
class BookingSeries:
    """Every occurrence of a recurring series, by start."""

    uid: str
    occurrences: tuple[BookingResult, ...]


BookingOrSeries = BookingResult | BookingSeries


@dataclass(frozen=True)
class CreatedBookings:
    """What a create (or a reschedule) made: one booking, or every occurrence of a series, by start;
    ``seat_uid`` when a seat was booked or moved."""

    bookings: tuple[BookingResult, ...]
    series: bool
    seat_uid: str | None = None


@dataclass(frozen=True)
class BookingPage:
    """A page of a filtered list, and the number of bookings the filters match."""

    bookings: tuple[BookingResult, ...]
    total: int
    take: int
    skip: int


@dataclass(frozen=True)
class SeriesOccurrence:
    """One occurrence of a recurring series, as a summary of the series lists it."""

    series_uid: str
    status: str
    start: datetime


@dataclass(frozen=True)
class Reassignment:
    """A round-robin booking moved to another host."""

    booking: Booking
    new_host: OrganizerRef
