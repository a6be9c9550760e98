"""Which of a host's bookings, calendar blocks and holds keep it busy, and how wide.

Buffers: a booking whose own event has buffers (b before, a after) blocks
[start - (b + A), end + (a + B)] for a requested event with buffers B before
and A after; an external calendar block blocks [start - A, end + B]. The new
meeting plus its buffers must not overlap an existing meeting plus its buffers.

A host's busy rows are read as columns (BusyTimes). The merged busy list of a
listing depends on the rows and on a few rules of the requested event only, so
it is kept on the BusyTimes object per set of those rules: a caller that keeps
the object between listings (calapi's availability cache) lays it out once.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import cast

from .context import Context
from .models import ATTENDEE_ROW, CALENDAR_ROW, SEATED_ROW, STATUS_CODES, STATUS_MASK, BookingStatus, BusyTimes, Host
from .ranges import Interval, merge

_ACCEPTED = STATUS_CODES[BookingStatus.ACCEPTED]
_PENDING = STATUS_CODES[BookingStatus.PENDING]
# Lists kept per BusyTimes: merged busy time and open time, per set of event rules and span.
_MEMO_ENTRIES = 16


def busy_of(host: Host) -> BusyTimes:
    """The host's busy rows as columns (Host converts whatever it is given)."""
    return cast(BusyTimes, host.busy)


def _pending_blocks(ctx: Context) -> bool:
    rules = ctx.rules
    return rules.requires_confirmation and rules.requires_confirmation_will_block_slot


def is_blocking(busy: BusyTimes, i: int, ctx: Context) -> bool:
    """Whether row ``i`` counts as busy for the requested event."""
    code = busy.codes[i]
    if code & CALENDAR_ROW:
        return True
    if ctx.reschedule_uid is not None and busy.booking_uids[i] == ctx.reschedule_uid:
        return False  # the booking being moved frees its own time
    status = code & STATUS_MASK
    if status == _ACCEPTED:
        return True
    return status == _PENDING and ctx.same_event(busy.event_type_ids[i] or None) and _pending_blocks(ctx)


def _is_open_seat_booking(busy: BusyTimes, i: int, ctx: Context) -> bool:
    code = busy.codes[i]
    return (
        ctx.seated
        and bool(code & SEATED_ROW)
        and not code & CALENDAR_ROW
        and ctx.same_event(busy.event_type_ids[i] or None)
    )


def _all_blocking_plainly(busy: BusyTimes, ctx: Context) -> bool:
    """Every row is an accepted booking of its organizer, nothing seated, none being moved."""
    return busy.plain and (ctx.reschedule_uid is None or ctx.reschedule_uid not in busy.booking_uids)


def _widened(busy: BusyTimes, ctx: Context) -> list[Interval]:
    """The busy rows that block, widened by both events' buffers; unsorted, not merged."""
    before, after = ctx.before, ctx.after
    if _all_blocking_plainly(busy, ctx):
        if not any(busy.pads_before) and not any(busy.pads_after):
            return [(s - after, e + before) for s, e in zip(busy.starts, busy.ends, strict=True)]
        return [
            (s - (b + after), e + (a + before))
            for s, e, b, a in zip(busy.starts, busy.ends, busy.pads_before, busy.pads_after, strict=True)
        ]
    seats = ctx.rules.seats_per_slot
    out: list[Interval] = []
    seat_rows: Counter[tuple[int, int]] | None = None
    for i in range(len(busy)):
        if not is_blocking(busy, i, ctx):
            continue
        s, e = busy.starts[i], busy.ends[i]
        if busy.codes[i] & CALENDAR_ROW:
            out.append((s - after, e + before))
            continue
        lo = s - (busy.pads_before[i] + after)
        hi = e + (busy.pads_after[i] + before)
        if _is_open_seat_booking(busy, i, ctx):
            # Cal.com compares seated booking *rows* at this start/end with the
            # seat count: below it, the booking leaves its own time open for
            # this event (overlapping starts too, §9) and only its buffers block.
            if seat_rows is None:
                seat_rows = Counter(
                    (busy.starts[j], busy.ends[j])
                    for j in range(len(busy))
                    if _is_open_seat_booking(busy, j, ctx) and is_blocking(busy, j, ctx)
                )
            assert seats is not None
            if seat_rows[(s, e)] < seats:
                out.append((lo, s))
                out.append((e, hi))
                continue
        out.append((lo, hi))
    return out


def rules_key(ctx: Context) -> tuple[object, ...]:
    """What of the requested event a host's busy time depends on (with the rows themselves)."""
    rules = ctx.rules
    return (ctx.before, ctx.after, ctx.reschedule_uid, rules.event_type_id, _pending_blocks(ctx), rules.seats_per_slot)


def kept(host: Host, key: Hashable, compute: Callable[[], list[Interval]]) -> list[Interval]:
    """``compute()``, kept on the host's BusyTimes under ``key`` (a function of the rows and of
    ``key`` only). Do not modify the answer: the next listing with the same key reads it."""
    memo = busy_of(host)._memo
    found = memo.get(key)
    if found is None:
        found = compute()
        if len(memo) >= _MEMO_ENTRIES:
            memo.clear()
        memo[key] = found
    return cast(list[Interval], found)


def busy_blocks(host: Host, ctx: Context) -> list[Interval]:
    """The host's busy time for the requested event, merged (sorted); kept (see ``kept``)."""
    return kept(host, ("busy", *rules_key(ctx)), lambda: merge(_widened(busy_of(host), ctx)))


def busy_overlaps(host: Host, ctx: Context, s: int, e: int) -> bool:
    """Whether the host's busy time for the requested event shares time with [s, e)."""
    busy = busy_of(host)
    merged = cast("list[Interval] | None", busy._memo.get(("busy", *rules_key(ctx))))
    if merged is not None:
        i = bisect_right(merged, (s, e))
        return any(a < e and s < b for a, b in merged[max(0, i - 1) : i + 1])
    return any(a < e and s < b for a, b in _widened(busy, ctx) if a < b)


def held_blocks(host: Host, ctx: Context) -> list[Interval]:
    """Other bookers' live holds on the host, unsorted (holds carry no buffers)."""
    held: list[Interval] = []
    for r in host.reservations:
        if r._release_s <= ctx.now:
            continue  # expired
        if ctx.booker_uid is not None and r.booker_uid == ctx.booker_uid:
            continue  # the booker's own hold
        if r.is_seat and ctx.seated and ctx.same_event(r.event_type_id):
            continue  # counts as a taken seat instead (seat_usage)
        held.append((r._start_s, r._end_s))
    return held


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
        busy = busy_of(host)
        for i in range(0 if busy.plain else len(busy)):  # plain rows are never seated
            if not (_is_open_seat_booking(busy, i, ctx) and is_blocking(busy, i, ctx)):
                continue
            start, uid = busy.starts[i], busy.booking_uids[i]
            key = uid if uid is not None else (host.user_id, start, busy.ends[i])
            if key in seen:
                continue
            seen.add(key)
            booked[start] = booked.get(start, 0) + busy.attendees[i]
            uids.setdefault(start, uid)
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


def counted_rows(host: Host, ctx: Context) -> list[int]:
    """Rows that count toward the event's limits: accepted bookings of this event organised by the
    host that block (a calendar block, an attendee's booking or another event's never count)."""
    busy = busy_of(host)
    wanted = ctx.rules.event_type_id or 0
    if _all_blocking_plainly(busy, ctx):
        return [i for i, event_type_id in enumerate(busy.event_type_ids) if event_type_id == wanted]
    out = []
    for i in range(len(busy)):
        code = busy.codes[i]
        if code & (CALENDAR_ROW | ATTENDEE_ROW) or code & STATUS_MASK != _ACCEPTED:
            continue
        if busy.event_type_ids[i] == wanted and is_blocking(busy, i, ctx):
            out.append(i)
    return out
