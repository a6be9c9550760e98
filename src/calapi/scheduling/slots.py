"""Slot starts on free ranges (semantics §6).

Per range, in start order: the range start (already at or after now + notice
and the window start) is rounded up to the grid on the range's local clock
(Asia/Kolkata keeps 09:00, 10:00 IST; Cal.com rounds the notice-decided start
on the UTC clock instead, §12 #10), offsetStart is added, the start snaps onto
the grid of an earlier emitted start less than one step before it, and starts
follow every step while the meeting still fits the range.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from operator import itemgetter

from . import tz
from .context import Context

# (start, end, zone whose clock sets the grid)
GenRange = tuple[int, int, str]


def _first_start(s: int, e: int, key: str, ctx: Context) -> int:
    t = -(-s // 60) * 60  # whole minutes
    minute = t // 60 + tz.offset_at(key, t) // 60  # minutes on the local clock
    g = ctx.grid
    to_grid = (-minute) % g
    if ctx.rules.show_optimized_slots:
        # Move to the grid only if that does not cost a slot, else to the next
        # quarter hour, else to the next 5 minutes (Cal.com showOptimizedSlots).
        available = e - t - ctx.duration
        if available >= 0:
            spare = available % ctx.step
            for shift in (to_grid, (-minute) % 15, (-minute) % 5):
                if shift * 60 <= spare:
                    to_grid = shift
                    break
            else:
                to_grid = 0
    return t + to_grid * 60 + ctx.rules.offset_start * 60


def generate(ranges: list[GenRange], ctx: Context) -> list[int]:
    """Sorted, distinct slot starts (epoch seconds) over the ranges.

    Exact duplicates and ranges contained in another are dropped first
    (Cal.com aggregation), so the survivors have increasing starts and ends.
    """
    step, duration = ctx.step, ctx.duration
    emitted: list[int] = []
    # The starts emitted so far, as a set: needed only once a range reaches back among them
    # (round-robin hosts), so built then; a single host's ranges never pay for it.
    seen: set[int] | None = None
    max_end = None
    # By start, the longest first among equal starts: two stable sorts on C key functions.
    ordered = sorted(ranges, key=itemgetter(1), reverse=True)
    ordered.sort(key=itemgetter(0))
    for s, e, key in ordered:
        if max_end is not None and e <= max_end:
            continue  # inside an earlier range
        max_end = e
        t = _first_start(s, e, key, ctx)
        i = bisect_left(emitted, t)
        if i:
            prev = emitted[i - 1]
            if t - prev < step:
                # Stay on the grid of earlier starts: back to prev if it is in
                # this range, else forward to the next step of that grid.
                t = prev if prev >= s else prev + step
        last = e - duration
        if t > last:
            continue
        starts = range(t, last + 1, step)
        if not emitted or t > emitted[-1]:
            emitted.extend(starts)
            if seen is not None:
                seen.update(starts)
            continue
        if seen is None:
            seen = set(emitted)
        for j, x in enumerate(starts):
            if x > emitted[-1]:
                rest = starts[j:]
                emitted.extend(rest)
                seen.update(rest)
                break
            if x not in seen:
                insort(emitted, x)
                seen.add(x)
    return emitted
