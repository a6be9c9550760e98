"""What an insights request asks for, after parsing: typed, with no wire names.

A request names a scope (the caller's own bookings, or a team's) and filters; ``access.py`` turns
scope and caller into an ``Audience`` (whose bookings the numbers cover), which is what the SQL
reads. Every instant is aware UTC; ``TimeRange`` bounds are inclusive, as the bookings list's
``afterCreatedAt``/``beforeCreatedAt`` are.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum


class Scope(StrEnum):
    user = "user"
    team = "team"


class DateColumn(StrEnum):
    """The booking instant a date range filters on (Cal.com's column ids)."""

    start_time = "startTime"
    created_at = "createdAt"


class TextOperator(StrEnum):
    equals = "equals"
    not_equals = "notEquals"
    contains = "contains"
    not_contains = "notContains"
    starts_with = "startsWith"
    ends_with = "endsWith"
    is_empty = "isEmpty"
    is_not_empty = "isNotEmpty"

    @property
    def negated(self) -> bool:
        """True for the operators that hold when no attendee matches the positive form."""
        return self in (TextOperator.not_equals, TextOperator.not_contains, TextOperator.is_empty)


@dataclass(frozen=True)
class TextMatch:
    """A text filter on one attendee field: some attendee matches (or, negated, none does)."""

    operator: TextOperator
    operand: str = ""


@dataclass(frozen=True)
class TimeRange:
    column: DateColumn
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # inclusive


@dataclass(frozen=True)
class BookingFilters:
    """The ``columnFilters`` of Cal.com's insights body; empty means no filter."""

    event_type_ids: tuple[int, ...] = ()  # these event types, or managed children of them
    statuses: tuple[str, ...] = ()  # booking statuses as stored (accepted, cancelled, …)
    host_ids: tuple[int, ...] = ()  # bookings hosted by these users (organizer or co-host)
    attendee_email: TextMatch | None = None
    attendee_name: TextMatch | None = None
    ranges: tuple[TimeRange, ...] = ()

    @property
    def period(self) -> TimeRange | None:
        """The range the numbers are "for": the first date range given (trends are bucketed on its column)."""
        return self.ranges[0] if self.ranges else None

    def with_period(self, period: TimeRange) -> BookingFilters:
        """The same filters over another period (the previous one, for deltas)."""
        return replace(self, ranges=(period, *self.ranges[1:]))


@dataclass(frozen=True)
class InsightsQuery:
    scope: Scope
    time_zone: str  # an IANA zone, checked by the wire parser
    team_id: int | None = None
    filters: BookingFilters = field(default_factory=BookingFilters)
    week_start: int = 0  # the caller's first day of the week: 0 = Sunday … 6 = Saturday


@dataclass(frozen=True)
class Audience:
    """Whose bookings the numbers cover, as the caller may see them.

    ``team_id``: only bookings of that team's event types (managed children included); None: any.
    ``host_id``: only bookings that user hosts (organizer or co-host); None: every host.
    """

    team_id: int | None
    host_id: int | None
    # With ``team_id``: that team's event types (managed children included), read once when the
    # audience is resolved. Given to the statements as a list, which PostgreSQL's planner can count
    # (through a subquery it guessed 40 types for 3, and chose a scan of every booking for a month).
    event_type_ids: tuple[int, ...] = ()
