"""The cached wall-clock conversion agrees with plain zoneinfo on every date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from calapi.scheduling import tz

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
    "America/St_Johns",
]


@pytest.mark.parametrize("zone", ZONES)
def test_local_epoch_matches_zoneinfo(zone: str) -> None:
    z = ZoneInfo(zone)
    day = date(2025, 1, 1)
    while day < date(2027, 1, 1):
        for minute in (0, 90, 120, 150, 180, 540, 1439, 1440):
            if minute == 1440:
                expected = datetime.combine(day + timedelta(days=1), time(0), z)
            else:
                expected = datetime.combine(day, time(minute // 60, minute % 60), z)
            assert tz.local_epoch(zone, day.toordinal(), minute) == int(expected.timestamp()), (day, minute)
        day += timedelta(days=1)
