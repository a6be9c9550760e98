"""The slot engine: pure functions, no database, no HTTP, nothing else from calapi.

Two questions, one set of rules (semantics: shared/reference/calcom-slots-semantics.md):

    list_slots(SlotQuery) -> SlotListing
        Bookable slots between query.start and query.end, grouped by calendar
        date in query.time_zone (the booker's zone, default UTC).
    check_booking(BookingRequest) -> BookingCheck
        May a meeting start at request.start (for request.duration minutes)?
        If not, `reason` says why (RefusalReason); `free_host_ids` lists every
        host free for the whole meeting (the booking layer picks the
        round-robin host among them, and for collective events locks and
        re-checks all of them).

Invariant: with the same inputs (SlotQuery.booking_request(start)), every
listed slot that is not a full seated slot is accepted by check_booking.

Inputs (frozen dataclasses; datetimes must be aware, they are handled in UTC):

    Schedule(time_zone, weekly=(WeeklyRule, ...), overrides=(DateOverride, ...))
    WeeklyRule(days: frozenset[int] 0=Sunday..6=Saturday, start: time, end: time)  # 23:59 = midnight
    DateOverride(date, start: time, end: time)     # replaces the date's weekly rules; start == end: day off
    BusyInterval(start, end, kind=BOOKING|CALENDAR, before_buffer, after_buffer, event_type_id,
                 booking_uid, status, host_is_organizer, seated, attendees)
    BusyTimes(starts, ends, pads_before, pads_after, event_type_ids, codes, booking_uids, attendees)
                 # a host's busy rows as columns (epoch seconds); BusyTimes.of(rows) converts
    Reservation(start, end, release_at, event_type_id, booker_uid, is_seat)
    OutOfOffice(start: date, end: date)            # whole dates in the schedule's zone
    Host(user_id, schedule, busy=BusyTimes | (BusyInterval, ...), reservations=(), out_of_office=(),
         is_fixed=False, group=None)
    EventRules(length, event_type_id, length_options, slot_interval, minimum_notice, before_buffer,
               after_buffer, offset_start, period_type, period_days, period_count_calendar_days,
               period_start_date, period_end_date, booking_limits: Limits, duration_limits: Limits,
               seats_per_slot, only_first_slot, show_optimized_slots, requires_confirmation,
               requires_confirmation_will_block_slot, scheduling_type, time_zone, week_start)
    Limits(per_day, per_week, per_month, per_year)
    SlotQuery(hosts, rules, now, start, end, time_zone="UTC", duration=None, booker_uid=None,
              reschedule_uid=None, max_slots=None)
    BookingRequest(hosts, rules, now, start, duration=None, time_zone="UTC", booker_uid=None,
                   reschedule_uid=None)

Outputs:

    SlotListing(time_zone, starts: {date: [epoch seconds, ...]}, duration, seats_total, seats_taken),
        .days {date: (Slot, ...)} and .slots build Slot objects
    Slot(start, end, seats_total, seats_booked, booking_uid), .seats_remaining
    TooManySlots(count, limit): raised by list_slots when the listing would hold more
        than query.max_slots slots
    BookingCheck(ok, start, end, reason, free_host_ids, host_reasons, seats_total, seats_booked,
                 booking_uid), .seats_remaining

Which bookings block, buffers, limits, windows, seats and grid rules are
documented in the module that applies them: availability, busy, limits,
window, slots, engine. The caller decides which rows to pass (a host's
bookings as organizer or attendee, calendar busy blocks, holds); the engine
decides what they mean (status, reschedule, seats, buffers, expiry).
"""

from .engine import check_booking, list_slots
from .models import (
    BookingCheck,
    BookingRequest,
    BookingStatus,
    BusyInterval,
    BusyKind,
    BusyTimes,
    DateOverride,
    EventRules,
    Host,
    Limits,
    OutOfOffice,
    PeriodType,
    RefusalReason,
    Reservation,
    Schedule,
    SchedulingType,
    Slot,
    SlotListing,
    SlotQuery,
    TooManySlots,
    WeeklyRule,
)

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
    "check_booking",
    "list_slots",
]
