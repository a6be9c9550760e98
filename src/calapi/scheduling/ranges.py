"""Interval algebra on sorted lists of half-open (start, end) epoch-second pairs.

All functions take and return lists sorted by start; "merged" lists have no
two intervals that overlap or touch. Everything is a linear sweep.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

Interval = tuple[int, int]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort, drop empty intervals, and join overlapping or touching ones."""
    out: list[Interval] = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def subtract(base: Sequence[Interval], cut: Sequence[Interval]) -> list[Interval]:
    """base minus cut; both merged."""
    if not cut:
        return list(base)
    out: list[Interval] = []
    j, n = 0, len(cut)
    for s, e in base:
        while j < n and cut[j][1] <= s:
            j += 1
        k = j
        while k < n and cut[k][0] < e:
            cs, ce = cut[k]
            if cs > s:
                out.append((s, cs))
            if ce > s:
                s = ce
            if s >= e:
                break
            k += 1
        if s < e:
            out.append((s, e))
    return out


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """a ∩ b; both merged."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        s = max(a[i][0], b[j][0])
        e = min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def clip(merged: Sequence[Interval], lo: int, hi: int) -> list[Interval]:
    """merged ∩ [lo, hi), found by bisection (a merged list's ends increase with its starts)."""
    if hi <= lo:
        return []
    first = bisect_right(merged, (lo, lo))  # the first interval starting after lo …
    if first and merged[first - 1][1] > lo:
        first -= 1  # … or the one before, if it reaches past lo
    last = bisect_left(merged, (hi, hi))  # intervals from here on start at or after hi
    out = list(merged[first:last])
    if out:
        s, e = out[0]
        out[0] = (max(s, lo), e)
        s, e = out[-1]
        out[-1] = (s, min(e, hi))
        if out[-1][0] >= out[-1][1]:
            out.pop()
    return out


def covers(merged: Sequence[Interval], s: int, e: int) -> bool:
    """Whether one interval of a merged list contains [s, e)."""
    return any(a <= s and e <= b for a, b in merged)


def overlaps(intervals: Iterable[Interval], s: int, e: int) -> bool:
    """Whether any interval shares time with [s, e) (touching does not count)."""
    return any(a < e and s < b for a, b in intervals if a < b)


def drop_contained(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort by start, drop exact duplicates and intervals inside another.

    The survivors have strictly increasing starts and ends.
    """
    out: list[Interval] = []
    for s, e in sorted(intervals, key=lambda iv: (iv[0], -iv[1])):
        if e <= s:
            continue
        if out and e <= out[-1][1]:
            continue
        out.append((s, e))
    return out


def member(sorted_starts: Sequence[int], feasible: Sequence[Interval]) -> list[int]:
    """The starts that lie in some interval of a merged list."""
    out: list[int] = []
    j, n = 0, len(feasible)
    for t in sorted_starts:
        while j < n and feasible[j][1] <= t:
            j += 1
        if j < n and feasible[j][0] <= t:
            out.append(t)
    return out
