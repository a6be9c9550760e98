"""Which of a host's bookings, calendar blocks and holds keep it busy, and how wide.

Buffers: a booking whose own event has buffers (b before, a after) blocks
[start - (b + A), end + (a + B)] for a requested event with buffers B before
and A after; an external calendar block blocks [start - A, end + B]. The new
meeting plus its buffers must not overlap an existing meeting plus its buffers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .context import Context
from .models import BookingStatus, BusyInterval, BusyKind, Host
from .ranges import Interval


def is_blocking(b: BusyInterval, ctx: Context) -> bool:
    """Whether this booking / block counts as busy for the requested event."""
    if b.kind is BusyKind.CALENDAR:
        return True
    if ctx.reschedule_uid is not None and b.booking_uid == ctx.reschedule_uid:
        return False  # the booking being moved frees its own time
    if b.status is BookingStatus.ACCEPTED:
        return True
    rules = ctx.rules
    return (
        b.status is BookingStatus.PENDING
        and ctx.same_event(b.event_type_id)
        and rules.requires_confirmation
        and rules.requires_confirmation_will_block_slot
    )


def _is_open_seat_booking(b: BusyInterval, ctx: Context) -> bool:
    return ctx.seated and b.seated and b.kind is BusyKind.BOOKING and ctx.same_event(b.event_type_id)


def host_blocks(host: Host, ctx: Context) -> tuple[list[Interval], list[Interval]]:
    """(busy, held): the host's widened busy intervals and other bookers' live
    holds, unsorted. Listing merges them; the booking check scans them."""
    seats = ctx.rules.seats_per_slot
    before, after = ctx.before, ctx.after
    busy: list[Interval] = []
    seat_rows: Counter[tuple[int, int]] | None = None
    for b in host.busy:
        if not is_blocking(b, ctx):
            continue
        s, e = b._start_s, b._end_s
        if b.kind is BusyKind.CALENDAR:
            busy.append((s - after, e + before))
            continue
        lo = s - (b.before_buffer * 60 + after)
        hi = e + (b.after_buffer * 60 + before)
        if _is_open_seat_booking(b, ctx):
            # Cal.com compares seated booking *rows* at this start/end with the
            # seat count: below it, the booking leaves its own time open for
            # this event (overlapping starts too, §9) and only its buffers block.
            if seat_rows is None:
                seat_rows = Counter(
                    (x._start_s, x._end_s) for x in host.busy if _is_open_seat_booking(x, ctx) and is_blocking(x, ctx)
                )
            assert seats is not None
            if seat_rows[(s, e)] < seats:
                busy.append((lo, s))
                busy.append((e, hi))
                continue
        busy.append((lo, hi))
    held: list[Interval] = []
    for r in host.reservations:
        if r._release_s <= ctx.now:
            continue  # expired
        if ctx.booker_uid is not None and r.booker_uid == ctx.booker_uid:
            continue  # the booker's own hold
        if r.is_seat and ctx.seated and ctx.same_event(r.event_type_id):
            continue  # counts as a taken seat instead (seat_usage)
        held.append((r._start_s, r._end_s))  # holds carry no buffers
    return busy, held


@dataclass(frozen=True, slots=True)
class SeatUse:
    booked: int
    booking_uid: str | None


def seat_usage(ctx: Context) -> dict[int, SeatUse]:
    """Taken seats per start time: attendees of seated bookings of this event
    (each booking once, even when several hosts list it) plus live seat holds."""
    if not ctx.seated:
        return {}
    booked: dict[int, int] = {}
    uids: dict[int, str | None] = {}
    seen: set[object] = set()
    for host in ctx.hosts:
        for b in host.busy:
            if not (_is_open_seat_booking(b, ctx) and is_blocking(b, ctx)):
                continue
            key = b.booking_uid if b.booking_uid is not None else (host.user_id, b._start_s, b._end_s)
            if key in seen:
                continue
            seen.add(key)
            booked[b._start_s] = booked.get(b._start_s, 0) + b.attendees
            uids.setdefault(b._start_s, b.booking_uid)
        for r in host.reservations:
            if not (r.is_seat and ctx.same_event(r.event_type_id)) or r._release_s <= ctx.now:
                continue
            if ctx.booker_uid is not None and r.booker_uid == ctx.booker_uid:
                continue
            # Cal.com writes one hold row per host; count the holder once.
            hold_key: object = ("hold", r.booker_uid, r._start_s) if r.booker_uid is not None else id(r)
            if hold_key in seen:
                continue
            seen.add(hold_key)
            booked[r._start_s] = booked.get(r._start_s, 0) + 1
    return {t: SeatUse(n, uids.get(t)) for t, n in booked.items()}
