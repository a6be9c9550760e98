"""list_slots and check_booking: one set of rules, two questions.

Listing computes, per host, availability minus busy time over the window,
aggregates hosts (intersection for fixed hosts, per-group unions for
round-robin), lays the slot grid on the result and filters by booking window.
The booking check asks the same rules about one meeting [S, S + D): it looks
only at the dates around S and scans each host's busy list once, so it never
lists a window (except ROLLING_WINDOW, whose end depends on which dates have
slots). Every listed slot that has a free seat (or is unseated) is accepted
by the check with the same inputs.

The check does not require S to be on the listing grid: Cal.com's booking
handler does not check it either, and the grid depends on the listing window
(a range clipped by the window start is rounded from there), so a grid rule
would make the answer depend on a window the booking does not have.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from . import tz
from .availability import away_ranges, schedule_ranges
from .busy import busy_blocks, busy_overlaps, held_blocks, kept, rules_key, seat_usage
from .context import Context, build_context
from .limits import LimitCounter, closed_periods, counted_bookings, has_limits
from .models import (
    BookingCheck,
    BookingRequest,
    Host,
    RefusalReason,
    SlotListing,
    SlotQuery,
    TooManySlots,
    _epoch,
)
from .ranges import Interval, clip, covers, intersect, member, merge, overlaps, subtract
from .slots import GenRange, generate
from .window import allowed_starts

DAY = tz.DAY

# How bad a host-level refusal is: a fixed host reports its worst reason, a
# round-robin group (which needs just one free host) its mildest.
_SEVERITY = {
    RefusalReason.OUTSIDE_AVAILABILITY: 3,
    RefusalReason.BUSY: 2,
    RefusalReason.RESERVED: 1,
}


# ---------------------------------------------------------------- listing


def _open_time(host: Host, ctx: Context, lo: int, hi: int) -> list[Interval]:
    """The host's hours in [lo, hi), less away days and busy time for the requested event."""
    avail = schedule_ranges(host.schedule, lo, hi)
    if host.out_of_office and avail:
        avail = subtract(avail, away_ranges(host.schedule, host.out_of_office))
    return subtract(avail, busy_blocks(host, ctx)) if avail else avail


def _free_ranges(host: Host, ctx: Context, lo: int, hi: int, closed: list[Interval]) -> list[Interval]:
    # Open time over whole UTC days is kept on the host's busy rows (the window's ends move with
    # the clock; its days do not), then cut to [lo, hi): the same ranges, cut before or after.
    span = (max(lo - lo % DAY, tz.FIRST_EPOCH), min(hi + (-hi) % DAY, tz.LAST_EPOCH))
    key = ("open", *rules_key(ctx), host.schedule, host.out_of_office, span)
    free = clip(kept(host, key, lambda: _open_time(host, ctx, *span)), lo, hi)
    held = held_blocks(host, ctx)
    if held or closed:
        free = subtract(free, merge([*held, *closed]))
    return free


def _start_set(free: list[Interval], duration: int) -> list[Interval]:
    """Starts t (as half-open spans) for which [t, t + duration) fits a range."""
    return [(s, e - duration + 1) for s, e in free if e - s >= duration]


def _starts(ctx: Context, lo: int, hi: int) -> list[int]:
    """Sorted slot starts in [lo, hi), before the booking-window filter."""
    if hi - lo < ctx.duration:
        return []
    closed: list[Interval] = []
    if has_limits(ctx):
        counter = LimitCounter(counted_bookings(ctx))
        closed = [(s, e) for s, e, _ in closed_periods(ctx, counter, lo, hi)]
    free = {id(h): _free_ranges(h, ctx, lo, hi, closed) for h in ctx.hosts}
    fixed = ctx.fixed_hosts
    groups = ctx.groups
    fixed_free: list[Interval] | None = None
    for h in fixed:
        fixed_free = free[id(h)] if fixed_free is None else intersect(fixed_free, free[id(h)])
    if not groups:
        assert fixed_free is not None
        key = fixed[0].schedule.time_zone
        return generate([(s, e, key) for s, e in fixed_free], ctx)
    # Round-robin: each host's own free ranges (within the fixed hosts' common
    # time) are laid out separately, as Cal.com does, so a slot that fits a
    # range always has that range's host free for its whole length.
    gen: list[GenRange] = []
    for group in groups:
        for h in group:
            mine = free[id(h)] if fixed_free is None else intersect(free[id(h)], fixed_free)
            key = h.schedule.time_zone
            gen.extend((s, e, key) for s, e in mine)
    starts = generate(gen, ctx)
    if len(groups) > 1:
        # Every other group must have a free host for the whole slot too.
        feasible: list[Interval] | None = None
        for group in groups:
            union = merge(iv for h in group for iv in _start_set(free[id(h)], ctx.duration))
            feasible = union if feasible is None else intersect(feasible, union)
        starts = member(starts, feasible or [])
    return starts


def _local_dates(starts: list[int], key: str) -> list[tuple[int, list[int]]]:
    """Starts grouped by local date (ordinal) in the zone; one conversion per date."""
    out: list[tuple[int, list[int]]] = []
    next_midnight = None
    for t in starts:
        if next_midnight is None or t >= next_midnight:
            ordinal = tz.local_ordinal(key, t)
            next_midnight = tz.local_epoch(key, ordinal + 1, 0)
            out.append((ordinal, []))
        out[-1][1].append(t)
    return out


def _bookable(starts: list[int], ctx: Context) -> list[int]:
    seats = ctx.rules.seats_per_slot
    if not ctx.seated or seats is None:
        return starts
    usage = seat_usage(ctx)
    return [t for t in starts if t not in usage or usage[t].booked < seats]


def _window(ctx: Context) -> tuple[int | None, int | None]:
    def bookable_dates(lo: int, hi: int) -> set[int]:
        starts = _bookable(_starts(ctx, max(lo, ctx.earliest), hi), ctx)
        return {o for o, _ in _local_dates(starts, ctx.booker_zone)}

    return allowed_starts(ctx, bookable_dates)


def list_slots(query: SlotQuery) -> SlotListing:
    """Bookable slots in the query's window, grouped by date in its time zone."""
    ctx = build_context(
        query.hosts,
        query.rules,
        query.now,
        query.time_zone,
        query.duration,
        query.booker_uid,
        query.reschedule_uid,
    )
    lo = max(_epoch(query.start, "start"), ctx.earliest)
    hi = -(-_epoch(query.end, "end") // 60) * 60  # 23:59:59 counts as midnight
    allowed_lo, allowed_hi = _window(ctx)
    if allowed_hi is not None:
        # No start at or after the window's end is listed: lay out free time only up to the end
        # of the last meeting that may start before it (a year asked of a 30-day window costs
        # 30 days). Cutting range ends there keeps every earlier start as it was.
        hi = min(hi, allowed_hi + ctx.duration)
    starts = _starts(ctx, lo, hi)
    if starts and (allowed_lo is not None or allowed_hi is not None):
        a = allowed_lo if allowed_lo is not None else starts[0]
        b = allowed_hi if allowed_hi is not None else starts[-1] + 1
        starts = [t for t in starts if a <= t < b]
    if query.max_slots is not None and not ctx.rules.only_first_slot and len(starts) > query.max_slots:
        raise TooManySlots(len(starts), query.max_slots)
    by_date = _local_dates(starts, ctx.booker_zone)
    if query.max_slots is not None and ctx.rules.only_first_slot and len(by_date) > query.max_slots:
        raise TooManySlots(len(by_date), query.max_slots)  # one slot a date
    seats = ctx.rules.seats_per_slot
    usage = seat_usage(ctx)
    starts_by_date: dict[date, list[int]] = {}
    for ordinal, day in by_date:
        if ctx.rules.only_first_slot:
            # The first slot with a free seat, else the first slot.
            open_starts = day if seats is None else [t for t in day if t not in usage or usage[t].booked < seats]
            day = (open_starts or day)[:1]
        starts_by_date[tz.date_of(ordinal)] = day
    taken = {t: (use.booked, use.booking_uid) for t, use in usage.items()} if seats is not None else {}
    return SlotListing(ctx.booker_zone, starts_by_date, ctx.duration, seats, taken)


# ---------------------------------------------------------------- booking check


def _host_refusal(host: Host, ctx: Context, s: int, e: int) -> RefusalReason | None:
    avail = schedule_ranges(host.schedule, s - DAY, e + DAY)
    if host.out_of_office and avail:
        avail = subtract(avail, away_ranges(host.schedule, host.out_of_office))
    if not covers(avail, s, e):
        return RefusalReason.OUTSIDE_AVAILABILITY
    if busy_overlaps(host, ctx, s, e):
        return RefusalReason.BUSY
    if overlaps(held_blocks(host, ctx), s, e):
        return RefusalReason.RESERVED
    return None


def check_booking(request: BookingRequest) -> BookingCheck:
    """May a meeting start at request.start? If not, the first failing rule."""
    ctx = build_context(
        request.hosts,
        request.rules,
        request.now,
        request.time_zone,
        request.duration,
        request.booker_uid,
        request.reschedule_uid,
    )
    s = _epoch(request.start, "start")
    e = s + ctx.duration
    start_dt, end_dt = tz.to_datetime(s), tz.to_datetime(e)

    def refuse(reason: RefusalReason, **extra: Any) -> BookingCheck:
        return BookingCheck(ok=False, start=start_dt, end=end_dt, reason=reason, **extra)

    if s < ctx.earliest:
        return refuse(RefusalReason.MINIMUM_NOTICE)
    lo, hi = _window(ctx)
    if (lo is not None and s < lo) or (hi is not None and s >= hi):
        return refuse(RefusalReason.BOOKING_WINDOW)
    if has_limits(ctx):
        closed = closed_periods(ctx, LimitCounter(counted_bookings(ctx)), s, e)
        if closed:
            return refuse(closed[0][2])

    reasons: dict[int, RefusalReason] = {}
    free: list[int] = []
    status: dict[int, RefusalReason | None] = {}
    for h in ctx.hosts:
        why = _host_refusal(h, ctx, s, e)
        status[id(h)] = why
        if why is None:
            free.append(h.user_id)
        else:
            reasons[h.user_id] = why

    worst: RefusalReason | None = None

    def worse(a: RefusalReason | None, b: RefusalReason | None) -> RefusalReason | None:
        if a is None or (b is not None and _SEVERITY[b] > _SEVERITY[a]):
            return b
        return a

    for h in ctx.fixed_hosts:
        worst = worse(worst, status[id(h)])
    for group in ctx.groups:
        if any(status[id(h)] is None for h in group):
            continue
        mildest = min((status[id(h)] for h in group), key=lambda r: _SEVERITY[r])  # type: ignore[index]
        worst = worse(worst, mildest)
    if worst is not None:
        return refuse(worst, free_host_ids=tuple(free), host_reasons=reasons)

    seats = ctx.rules.seats_per_slot
    if seats is None:
        return BookingCheck(ok=True, start=start_dt, end=end_dt, free_host_ids=tuple(free), host_reasons=reasons)
    use = seat_usage(ctx).get(s)
    booked = use.booked if use else 0
    uid = use.booking_uid if use else None
    seat_fields: dict[str, Any] = {"seats_total": seats, "seats_booked": booked, "booking_uid": uid}
    if booked >= seats:
        return refuse(RefusalReason.SEATS_FULL, free_host_ids=tuple(free), host_reasons=reasons, **seat_fields)
    return BookingCheck(
        ok=True, start=start_dt, end=end_dt, free_host_ids=tuple(free), host_reasons=reasons, **seat_fields
    )
