"""Listings print instants with ``Stamps``: the same text as ``datetime.isoformat`` (or ``iso_ms``)
for every instant, across DST changes, non-hour offsets and historical offsets with seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calapi.core.envelopes import iso_ms
from calapi.slots.wire import Stamps

ZONES = [
    "UTC",
    "Europe/London",
    "America/Los_Angeles",
    "America/St_Johns",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "America/Santiago",
]


def expected(epoch: int, zone: str | None) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="milliseconds") if zone else iso_ms(moment)


def every_quarter_hour_around_2026() -> list[int]:
    """Every quarter hour of 2026 and the days either side: every DST change of the zones above."""
    first = int(datetime(2025, 12, 30, tzinfo=UTC).timestamp())
    return list(range(first, first + 368 * 86_400, 900))


@pytest.mark.parametrize("zone", [*ZONES, None])
def test_stamps_match_isoformat_through_a_year(zone: str | None) -> None:
    stamp = Stamps(zone)
    instants = every_quarter_hour_around_2026()
    assert [stamp(t) for t in instants] == [expected(t, zone) for t in instants]


@pytest.mark.parametrize("zone", ["Europe/London", "Europe/Amsterdam", "America/New_York", None])
def test_odd_instants_fall_back_to_isoformat(zone: str | None) -> None:
    """Seconds, a year below 1000, an offset with seconds (local mean time before 1900)."""
    stamp = Stamps(zone)
    instants = [
        int(datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC).timestamp()),
        int(datetime(1850, 6, 1, 12, tzinfo=UTC).timestamp()),
        int(datetime(999, 6, 1, 12, tzinfo=UTC).timestamp()),
        int((datetime(1899, 12, 31, 23, 45, tzinfo=UTC) + timedelta(seconds=30)).timestamp()),
    ]
    for t in instants:
        assert stamp(t) == expected(t, zone)
        assert stamp(t) == expected(t, zone)  # and again, once the date is known
