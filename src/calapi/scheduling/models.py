"""Inputs and outputs of the slot engine: frozen dataclasses and enums.

Every datetime handed to the engine must be timezone-aware; the engine works in
UTC epoch seconds internally and hands back aware UTC datetimes. Durations and
buffers are whole minutes, as in Cal.com's event types.
"""

from __future__ import annotations

import enum
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import overload
from zoneinfo import ZoneInfo

__all__ = [
    "BookingCheck",
    "BookingRequest",
    "BookingStatus",
    "BusyInterval",
    "BusyKind",
    "BusyTimes",
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


# Row flags of BusyTimes.codes: the status's code in the low bits, then these.
_STATUSES = tuple(BookingStatus)
STATUS_CODES = {status: code for code, status in enumerate(_STATUSES)}
STATUS_MASK = 7
CALENDAR_ROW = 8  # an external calendar block (BusyKind.CALENDAR)
ATTENDEE_ROW = 16  # the host is not the organizer (host_is_organizer False)
SEATED_ROW = 32  # a seated booking (seated True)


class BusyTimes(Sequence[BusyInterval]):
    """A host's busy time as columns, in start order: what the engine reads of BusyInterval rows.

    Why columns: a host's bookings are read for every listing (hundreds or thousands of rows), and
    kept between listings by the caller. Arrays of epoch seconds cost a few bytes a row and are read
    without an object per row; the rules that need a whole row (seats, limits, pending bookings,
    a rescheduled booking) read it column by column. Indexing or iterating yields BusyInterval rows,
    built on demand. Sequences of BusyInterval given as `Host.busy` are converted with `of`.

    Columns: `starts`/`ends` epoch seconds; `pads_before`/`pads_after` the booking's own event's
    buffers in seconds; `event_type_ids` (0: none); `codes` one byte a row (status, CALENDAR_ROW,
    ATTENDEE_ROW, SEATED_ROW); `booking_uids`; `attendees` (seated rows).

    Immutable: the engine keeps what it derives from the rows (a merged busy list per set of event
    rules) on the object, so a caller that hands the same object to many listings pays for that
    once.
    """

    __slots__ = (
        "_memo",
        "attendees",
        "booking_uids",
        "codes",
        "ends",
        "event_type_ids",
        "pads_after",
        "pads_before",
        "plain",
        "starts",
    )

    starts: array[int]
    ends: array[int]
    pads_before: array[int]
    pads_after: array[int]
    event_type_ids: array[int]
    codes: bytes
    booking_uids: tuple[str | None, ...]
    attendees: array[int]
    plain: bool
    _memo: dict[object, object]

    def __init__(
        self,
        starts: Iterable[int],
        ends: Iterable[int],
        *,
        pads_before: Iterable[int] | None = None,
        pads_after: Iterable[int] | None = None,
        event_type_ids: Iterable[int] | None = None,
        codes: bytes | None = None,
        booking_uids: Iterable[str | None] | None = None,
        attendees: Iterable[int] | None = None,
    ) -> None:
        columns = {"starts": array("q", starts), "ends": array("q", ends)}
        n = len(columns["starts"])
        if len(columns["ends"]) != n:
            raise ValueError("busy columns differ in length")
        for name, given in (
            ("pads_before", pads_before),
            ("pads_after", pads_after),
            ("event_type_ids", event_type_ids),
            ("attendees", attendees),
        ):
            column = array("q", given) if given is not None else array("q", bytes(8 * n))
            if len(column) != n:
                raise ValueError("busy columns differ in length")
            columns[name] = column
        uids = tuple(booking_uids) if booking_uids is not None else (None,) * n
        flags = bytes(codes) if codes is not None else bytes(n)
        if len(uids) != n or len(flags) != n:
            raise ValueError("busy columns differ in length")
        for name, column in columns.items():
            object.__setattr__(self, name, column)
        object.__setattr__(self, "codes", flags)
        object.__setattr__(self, "booking_uids", uids)
        # Accepted bookings the host organises, nothing seated: the rules' common case.
        object.__setattr__(self, "plain", not any(flags))
        object.__setattr__(self, "_memo", {})

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("BusyTimes is immutable")

    @classmethod
    def of(cls, rows: Iterable[BusyInterval]) -> BusyTimes:
        """Columns from BusyInterval rows (sorted by start)."""
        if isinstance(rows, BusyTimes):
            return rows
        ordered = sorted(rows, key=lambda b: (b._start_s, b._end_s))
        return cls(
            (b._start_s for b in ordered),
            (b._end_s for b in ordered),
            pads_before=(b.before_buffer * 60 for b in ordered),
            pads_after=(b.after_buffer * 60 for b in ordered),
            event_type_ids=(b.event_type_id or 0 for b in ordered),
            codes=bytes(_code(b) for b in ordered),
            booking_uids=(b.booking_uid for b in ordered),
            attendees=(b.attendees for b in ordered),
        )

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, index: int) -> BusyInterval: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[BusyInterval]: ...

    def __getitem__(self, index: int | slice) -> BusyInterval | Sequence[BusyInterval]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        code = self.codes[index]
        return BusyInterval(
            start=datetime.fromtimestamp(self.starts[index], UTC),
            end=datetime.fromtimestamp(self.ends[index], UTC),
            kind=BusyKind.CALENDAR if code & CALENDAR_ROW else BusyKind.BOOKING,
            before_buffer=self.pads_before[index] // 60,
            after_buffer=self.pads_after[index] // 60,
            event_type_id=self.event_type_ids[index] or None,
            booking_uid=self.booking_uids[index],
            status=_STATUSES[code & STATUS_MASK],
            host_is_organizer=not code & ATTENDEE_ROW,
            seated=bool(code & SEATED_ROW),
            attendees=self.attendees[index],
        )

    def _columns(self) -> tuple[object, ...]:
        return (
            self.starts,
            self.ends,
            self.pads_before,
            self.pads_after,
            self.event_type_ids,
            self.codes,
            self.booking_uids,
            self.attendees,
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BusyTimes):
            return self._columns() == other._columns()
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.starts.tobytes(), self.ends.tobytes(), self.codes, self.booking_uids))

    def __repr__(self) -> str:
        return f"BusyTimes({len(self)} rows)"


def _code(b: BusyInterval) -> int:
    code = STATUS_CODES[b.status]
    if b.kind is BusyKind.CALENDAR:
        code |= CALENDAR_ROW
    if not b.host_is_organizer:
        code |= ATTENDEE_ROW
    if b.seated:
        code |= SEATED_ROW
    return code


EMPTY_BUSY = BusyTimes((), ())


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
    # Read by the engine as BusyTimes; any sequence of BusyInterval rows is converted.
    busy: Sequence[BusyInterval] = EMPTY_BUSY
    reservations: tuple[Reservation, ...] = ()
    out_of_office: tuple[OutOfOffice, ...] = ()
    is_fixed: bool = False
    group: str | int | None = None

    def __post_init__(self) -> None:
        _set(self, "busy", BusyTimes.of(self.busy))
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
    dates without slots are absent.

    Kept compact, as an answer is written from it: each date's starts in epoch
    seconds (`starts`), every slot `duration` seconds long; for a seated event
    the seat count (`seats_total`) and the seats taken per start (`seats_taken`:
    start → (booked, the seated booking's uid)). `days` and `slots` build Slot
    objects from them.
    """

    time_zone: str
    starts: Mapping[date, Sequence[int]] = field(default_factory=dict)
    duration: int = 0
    seats_total: int | None = None
    seats_taken: Mapping[int, tuple[int, str | None]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """How many slots the listing holds."""
        return sum(len(day) for day in self.starts.values())

    def slot(self, start: int) -> Slot:
        """The slot starting at `start` (epoch seconds), one of the listing's."""
        first = datetime.fromtimestamp(start, UTC)
        last = datetime.fromtimestamp(start + self.duration, UTC)
        if self.seats_total is None:
            return Slot(first, last)
        booked, uid = self.seats_taken.get(start, (0, None))
        return Slot(first, last, seats_total=self.seats_total, seats_booked=booked, booking_uid=uid)

    @property
    def days(self) -> dict[date, tuple[Slot, ...]]:
        return {day: tuple(self.slot(t) for t in starts) for day, starts in self.starts.items()}

    @property
    def slots(self) -> list[Slot]:
        return [self.slot(t) for starts in self.starts.values() for t in starts]


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
