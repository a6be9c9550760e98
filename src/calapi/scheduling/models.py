"""Inputs and outputs of the slot engine: frozen dataclasses and enums.

Every datetime handed to the engine must be timezone-aware; the engine works in
UTC epoch seconds internally and hands back aware UTC datetimes. Durations and
buffers are whole minutes, as in Cal.com's event types.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

__all__ = [
    "BookingCheck",
    "BookingRequest",
    "BookingStatus",
    "BusyInterval",
    "BusyKind",
    "DateOverride",
    "EventRules",
    "Host",
    "Limits",
    "OutOfOffice",
    "PeriodType",
    "RefusalReason",
    "Reservation",
    "Schedule",
    "SchedulingType",
    "Slot",
    "SlotListing",
    "SlotQuery",
    "TooManySlots",
    "WeeklyRule",
]

UTC = UTC


def _epoch(value: datetime, name: str) -> int:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    # Whole seconds: sub-second precision never changes a slot decision.
    return int(value.timestamp() // 1)


def _minutes(value: time) -> int:
    if value.second or value.microsecond:
        raise ValueError(f"schedule times are whole minutes, got {value!r}")
    return value.hour * 60 + value.minute


def _end_minutes(value: time) -> int:
    # The UI cannot express 24:00, so 23:59 means "until midnight" (Cal.com).
    minutes = _minutes(value)
    return 1440 if minutes == 1439 else minutes


def _check_zone(key: str) -> None:
    ZoneInfo(key)  # raises ZoneInfoNotFoundError (a KeyError) for unknown zones


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


# ---------------------------------------------------------------- enums


class SchedulingType(enum.Enum):
    INDIVIDUAL = "INDIVIDUAL"  # Cal.com's null: one owner, treated as a fixed host
    COLLECTIVE = "COLLECTIVE"  # every host must be free
    ROUND_ROBIN = "ROUND_ROBIN"  # every fixed host, and one free host per group


class PeriodType(enum.Enum):
    UNLIMITED = "UNLIMITED"
    ROLLING = "ROLLING"
    ROLLING_WINDOW = "ROLLING_WINDOW"
    RANGE = "RANGE"


class BusyKind(enum.Enum):
    BOOKING = "BOOKING"  # a booking in our database (its own event's buffers apply)
    CALENDAR = "CALENDAR"  # a busy block from an external calendar


class BookingStatus(enum.Enum):
    ACCEPTED = "ACCEPTED"
    PENDING = "PENDING"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    AWAITING_HOST = "AWAITING_HOST"


class RefusalReason(enum.Enum):
    """Why a booking at a given start is refused (the first failing rule wins,
    in this order: notice, window, limits, hosts, seats)."""

    MINIMUM_NOTICE = "minimum_notice"
    BOOKING_WINDOW = "booking_window"
    BOOKING_LIMIT = "booking_limit"
    DURATION_LIMIT = "duration_limit"
    OUTSIDE_AVAILABILITY = "outside_availability"
    BUSY = "busy"
    RESERVED = "reserved"  # another booker holds the time (slot reservation)
    SEATS_FULL = "seats_full"


# ---------------------------------------------------------------- schedule


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Available from `start` to `end` (wall clock, schedule zone) on each of `days`.

    days use Cal.com's numbering: 0 = Sunday, 1 = Monday … 6 = Saturday.
    `end` 23:59 means midnight.
    """

    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        _set(self, "days", frozenset(self.days))
        if any(not 0 <= d <= 6 for d in self.days):
            raise ValueError(f"weekday numbers are 0 (Sunday) … 6 (Saturday), got {sorted(self.days)}")
        _minutes(self.start)
        _minutes(self.end)


@dataclass(frozen=True, slots=True)
class DateOverride:
    """On `date` (schedule zone) the override rows replace the weekly rules.

    start == end (the UI stores 00:00-00:00) marks a day off.
    """

    date: date
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class Schedule:
    time_zone: str
    weekly: tuple[WeeklyRule, ...] = ()
    overrides: tuple[DateOverride, ...] = ()
    # Derived lookups, built once per Schedule instead of once per date.
    _by_weekday: tuple[tuple[tuple[int, int], ...], ...] = field(init=False, repr=False, compare=False)
    _by_ordinal: Mapping[int, tuple[tuple[int, int], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_zone(self.time_zone)
        _set(self, "weekly", tuple(self.weekly))
        _set(self, "overrides", tuple(self.overrides))
        by_weekday: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for rule in self.weekly:
            span = (_minutes(rule.start), _end_minutes(rule.end))
            for day in rule.days:
                by_weekday[day].append(span)
        by_ordinal: dict[int, list[tuple[int, int]]] = {}
        for ov in self.overrides:
            spans = by_ordinal.setdefault(ov.date.toordinal(), [])
            start, end = _minutes(ov.start), _end_minutes(ov.end)
            if end > start:  # a zero-length row only wipes the weekly hours
                spans.append((start, end))
        _set(self, "_by_weekday", tuple(tuple(sorted(s)) for s in by_weekday))
        _set(self, "_by_ordinal", {k: tuple(sorted(v)) for k, v in by_ordinal.items()})


@dataclass(frozen=True, slots=True)
class OutOfOffice:
    """Whole local dates (schedule zone), inclusive, on which the host is away."""

    start: date
    end: date


# ---------------------------------------------------------------- busy time


@dataclass(frozen=True, slots=True)
class BusyInterval:
    """Something that may keep a host busy.

    For BOOKING entries `before_buffer`/`after_buffer` are the buffers of the
    booking's own event type; the requested event's buffers are added by the
    engine. `host_is_organizer` False means the host is only an attendee (it
    blocks, but does not count toward booking limits). Seated bookings carry
    `seated=True` and their attendee count.
    """

    start: datetime
    end: datetime
    kind: BusyKind = BusyKind.BOOKING
    before_buffer: int = 0
    after_buffer: int = 0
    event_type_id: int | None = None
    booking_uid: str | None = None
    status: BookingStatus = BookingStatus.ACCEPTED
    host_is_organizer: bool = True
    seated: bool = False
    attendees: int = 0
    _start_s: int = field(init=False, repr=False, compare=False)
    _end_s: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        start, end = _epoch(self.start, "start"), _epoch(self.end, "end")
        if end < start:
            raise ValueError("busy interval ends before it starts")
        _set(self, "_start_s", start)
        _set(self, "_end_s", end)

    @classmethod
    def from_epoch(
        cls,
        start_s: int,
        end_s: int,
        *,
        before_buffer: int = 0,
        after_buffer: int = 0,
        event_type_id: int | None = None,
        booking_uid: str | None = None,
        status: BookingStatus = BookingStatus.ACCEPTED,
    ) -> BusyInterval:
        """A booking given in whole seconds since the epoch (UTC).

        For loaders that hand over thousands of rows: the database already holds valid UTC
        instants, so the per-instant conversion and checks of the normal constructor are skipped.
        """
        if end_s < start_s:
            raise ValueError("busy interval ends before it starts")
        busy = object.__new__(cls)
        # The slots' own setters: the frozen class's __setattr__ refuses, and object.__setattr__
        # per field costs more than the rest of building a busy list of thousands of bookings.
        for setter, value in zip(
            _BUSY_SETTERS,
            (
                datetime.fromtimestamp(start_s, UTC),
                datetime.fromtimestamp(end_s, UTC),
                BusyKind.BOOKING,
                before_buffer,
                after_buffer,
                event_type_id,
                booking_uid,
                status,
                True,
                False,
                0,
                start_s,
                end_s,
            ),
            strict=True,
        ):
            setter(busy, value)
        return busy


_BUSY_SETTERS = tuple(
    BusyInterval.__dict__[name].__set__
    for name in (
        "start",
        "end",
        "kind",
        "before_buffer",
        "after_buffer",
        "event_type_id",
        "booking_uid",
        "status",
        "host_is_organizer",
        "seated",
        "attendees",
        "_start_s",
        "_end_s",
    )
)


@dataclass(frozen=True, slots=True)
class Reservation:
    """A slot hold (Cal.com SelectedSlots) on one host until `release_at`.

    `booker_uid` is the holder's reservation uid: the same booker's own holds
    are ignored. A seat hold on this event type counts as one taken seat.
    """

    start: datetime
    end: datetime
    release_at: datetime
    event_type_id: int | None = None
    booker_uid: str | None = None
    is_seat: bool = False
    _start_s: int = field(init=False, repr=False, compare=False)
    _end_s: int = field(init=False, repr=False, compare=False)
    _release_s: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _set(self, "_start_s", _epoch(self.start, "start"))
        _set(self, "_end_s", _epoch(self.end, "end"))
        _set(self, "_release_s", _epoch(self.release_at, "release_at"))


@dataclass(frozen=True, slots=True)
class Host:
    """One host: own schedule (and zone), own busy list and holds.

    `is_fixed` and `group` matter for ROUND_ROBIN only: fixed hosts must all
    be free; round-robin hosts are grouped by `group` (None = the default
    group) and each group needs one free host.
    """

    user_id: int
    schedule: Schedule
    busy: tuple[BusyInterval, ...] = ()
    reservations: tuple[Reservation, ...] = ()
    out_of_office: tuple[OutOfOffice, ...] = ()
    is_fixed: bool = False
    group: str | int | None = None

    def __post_init__(self) -> None:
        _set(self, "busy", tuple(self.busy))
        _set(self, "reservations", tuple(self.reservations))
        _set(self, "out_of_office", tuple(self.out_of_office))


# ---------------------------------------------------------------- event rules


@dataclass(frozen=True, slots=True)
class Limits:
    """Per calendar period, in the event's zone. Counts (booking limits) or
    minutes (duration limits)."""

    per_day: int | None = None
    per_week: int | None = None
    per_month: int | None = None
    per_year: int | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.per_day, self.per_week, self.per_month, self.per_year))


@dataclass(frozen=True, slots=True)
class EventRules:
    """The event type's fields that decide slots (minutes unless noted).

    `time_zone` is the zone in which limit periods and RANGE dates are read
    (Cal.com: the first host's profile zone); None = the first host's schedule
    zone. `week_start` (0 = Sunday … 6) starts PER_WEEK periods. Cal.com's
    database default for `minimum_notice` is 120; here 0 so callers state it.
    """

    length: int
    event_type_id: int | None = None
    length_options: tuple[int, ...] = ()
    slot_interval: int | None = None
    minimum_notice: int = 0
    before_buffer: int = 0
    after_buffer: int = 0
    offset_start: int = 0
    period_type: PeriodType = PeriodType.UNLIMITED
    period_days: int | None = None
    period_count_calendar_days: bool = True
    period_start_date: date | None = None
    period_end_date: date | None = None
    booking_limits: Limits | None = None
    duration_limits: Limits | None = None
    seats_per_slot: int | None = None
    only_first_slot: bool = False
    show_optimized_slots: bool = False
    requires_confirmation: bool = False
    requires_confirmation_will_block_slot: bool = False
    scheduling_type: SchedulingType = SchedulingType.INDIVIDUAL
    time_zone: str | None = None
    week_start: int = 0

    def __post_init__(self) -> None:
        if self.length <= 0:
            raise ValueError("length must be positive")
        if self.slot_interval is not None and self.slot_interval <= 0:
            raise ValueError("slot_interval must be positive")
        if not 0 <= self.week_start <= 6:
            raise ValueError("week_start is 0 (Sunday) … 6 (Saturday)")
        if self.period_type in (PeriodType.ROLLING, PeriodType.ROLLING_WINDOW) and self.period_days is None:
            raise ValueError(f"{self.period_type.value} needs period_days")
        if self.period_type is PeriodType.RANGE and (self.period_start_date is None or self.period_end_date is None):
            raise ValueError("RANGE needs period_start_date and period_end_date")
        if self.time_zone is not None:
            _check_zone(self.time_zone)
        _set(self, "length_options", tuple(self.length_options))

    def duration_for(self, requested: int | None) -> int:
        """The meeting length for a requested duration (None = default length)."""
        if requested is None or requested == self.length:
            return self.length
        if requested in self.length_options:
            return requested
        raise ValueError(f"duration {requested} is not one of the event's lengths")


# ---------------------------------------------------------------- queries


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """May a booking start at `start` (for `duration` minutes)?"""

    hosts: tuple[Host, ...]
    rules: EventRules
    now: datetime
    start: datetime
    duration: int | None = None
    time_zone: str = "UTC"  # booker's zone: ROLLING / ROLLING_WINDOW count its dates
    booker_uid: str | None = None  # the booker's own holds do not block
    reschedule_uid: str | None = None  # the booking being moved does not block

    def __post_init__(self) -> None:
        _set(self, "hosts", tuple(self.hosts))
        _check_zone(self.time_zone)
        _epoch(self.now, "now")
        _epoch(self.start, "start")


@dataclass(frozen=True, slots=True)
class SlotQuery:
    """Which slots can be booked between `start` and `end`?

    `end` is rounded up to the whole minute, so 23:59:59 means midnight.
    Slots are grouped by date in `time_zone` (the booker's zone).
    """

    hosts: tuple[Host, ...]
    rules: EventRules
    now: datetime
    start: datetime
    end: datetime
    time_zone: str = "UTC"
    duration: int | None = None
    booker_uid: str | None = None
    reschedule_uid: str | None = None
    # At most this many slots in the listing, else TooManySlots (raised before the
    # slots are built, which is where a large listing spends its time). None: no cap.
    max_slots: int | None = None

    def __post_init__(self) -> None:
        _set(self, "hosts", tuple(self.hosts))
        _check_zone(self.time_zone)
        _epoch(self.now, "now")
        if _epoch(self.end, "end") < _epoch(self.start, "start"):
            raise ValueError("window end is before its start")
        if self.max_slots is not None and self.max_slots < 1:
            raise ValueError("max_slots must be positive")

    def booking_request(self, start: datetime) -> BookingRequest:
        """The booking check for `start` with exactly this query's inputs."""
        return BookingRequest(
            hosts=self.hosts,
            rules=self.rules,
            now=self.now,
            start=start,
            duration=self.duration,
            time_zone=self.time_zone,
            booker_uid=self.booker_uid,
            reschedule_uid=self.reschedule_uid,
        )


# ---------------------------------------------------------------- outputs


class TooManySlots(Exception):
    """A listing would hold `count` slots, more than the query's `max_slots` (`limit`)."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"the listing has {count} slots, more than the {limit} allowed")
        self.count = count
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable start. Seat fields are set for seated events only; a full
    seated slot is still listed, with seats_remaining 0 (Cal.com parity)."""

    start: datetime
    end: datetime
    seats_total: int | None = None
    seats_booked: int = 0
    booking_uid: str | None = None  # the seated booking a new attendee would join

    @property
    def seats_remaining(self) -> int | None:
        if self.seats_total is None:
            return None
        return max(0, self.seats_total - self.seats_booked)


@dataclass(frozen=True, slots=True)
class SlotListing:
    """Slots grouped by calendar date in `time_zone`, dates and slots in order;
    dates without slots are absent."""

    time_zone: str
    days: Mapping[date, tuple[Slot, ...]]

    @property
    def slots(self) -> list[Slot]:
        return [slot for day in self.days.values() for slot in day]


@dataclass(frozen=True, slots=True)
class BookingCheck:
    """The answer to a BookingRequest.

    `free_host_ids`: every host free for the whole meeting (fixed and
    round-robin, input order); the booking layer picks a round-robin host
    among them. `host_reasons`: why each other host is not free.
    """

    ok: bool
    start: datetime
    end: datetime
    reason: RefusalReason | None = None
    free_host_ids: tuple[int, ...] = ()
    host_reasons: Mapping[int, RefusalReason] = field(default_factory=dict)
    seats_total: int | None = None
    seats_booked: int = 0
    booking_uid: str | None = None

    @property
    def seats_remaining(self) -> int | None:
        if self.seats_total is None:
            return None
        return max(0, self.seats_total - self.seats_booked)
