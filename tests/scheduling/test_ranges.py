"""Interval algebra the listing relies on when it reuses kept open time: cutting a merged list to a
window by bisection gives what cutting each interval gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from calapi.scheduling.ranges import clip, merge

spans = st.lists(st.tuples(st.integers(0, 300), st.integers(0, 40)), max_size=15).map(
    lambda pairs: merge((start, start + length) for start, length in pairs)
)


@given(spans, st.integers(-20, 340), st.integers(-20, 340))
def test_clip_cuts_each_interval_to_the_window(merged: list[tuple[int, int]], lo: int, hi: int) -> None:
    expected = [(max(s, lo), min(e, hi)) for s, e in merged if max(s, lo) < min(e, hi)]
    assert clip(merged, lo, hi) == expected
