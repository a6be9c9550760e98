"""Wall clock ↔ UTC epoch seconds with zoneinfo, cached per (zone, date).

Local times follow `zoneinfo` with fold=0: a time inside a spring-forward gap
moves forward by the gap, a repeated fall-back time takes the earlier instant.
Days are identified by their proleptic ordinal (date.toordinal()); with that
numbering `ordinal % 7` is Cal.com's weekday (0 = Sunday).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = UTC
DAY = 86_400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# A day's layout reads its next day too, so the calendar's last day has none to compute with.
_LAST_ORDINAL = date.max.toordinal() - 1
# The first and last second of the calendar (0001-01-01, 9999-12-31 UTC) as epoch seconds.
FIRST_EPOCH = (1 - EPOCH_ORDINAL) * DAY
LAST_EPOCH = (date.max.toordinal() - EPOCH_ORDINAL + 1) * DAY - 1


@lru_cache(maxsize=1024)
def zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


@lru_cache(maxsize=262_144)
def _day(key: str, ordinal: int) -> tuple[int, int, bool]:
    """(UTC epoch of the date's midnight read as UTC, offset at local midnight,
    whether the offset is the same at the next midnight, i.e. no DST change)."""
    if not 1 <= ordinal <= _LAST_ORDINAL:
        # OverflowError, as Python's own date arithmetic raises at the calendar's ends: the
        # application answers it as a request out of range (400) wherever the engine is called.
        raise OverflowError("date value out of range")
    tz = zone(key)
    d = date.fromordinal(ordinal)
    n = date.fromordinal(ordinal + 1)
    off0 = datetime(d.year, d.month, d.day, tzinfo=tz).utcoffset()
    off1 = datetime(n.year, n.month, n.day, tzinfo=tz).utcoffset()
    assert off0 is not None and off1 is not None
    return (ordinal - EPOCH_ORDINAL) * DAY, int(off0.total_seconds()), off0 == off1


def local_epoch(key: str, ordinal: int, minute: int) -> int:
    """UTC epoch seconds of `minute` minutes after local midnight of the date."""
    if minute >= 1440:
        ordinal += minute // 1440
        minute %= 1440
    base, offset, uniform = _day(key, ordinal)
    if uniform:
        return base + minute * 60 - offset
    d = date.fromordinal(ordinal)
    local = datetime(d.year, d.month, d.day, minute // 60, minute % 60, tzinfo=zone(key))
    return int(local.timestamp())


def local_ordinal(key: str, epoch: int) -> int:
    """The local date (ordinal) of an instant."""
    return datetime.fromtimestamp(epoch, zone(key)).toordinal()


@lru_cache(maxsize=262_144)
def _utc_day_offsets(key: str, utc_day: int) -> tuple[int, int]:
    tz = zone(key)
    a = datetime.fromtimestamp(utc_day * DAY, tz).utcoffset()
    b = datetime.fromtimestamp((utc_day + 1) * DAY, tz).utcoffset()
    assert a is not None and b is not None
    return int(a.total_seconds()), int(b.total_seconds())


def offset_at(key: str, epoch: int) -> int:
    """UTC offset in seconds of the zone at an instant."""
    a, b = _utc_day_offsets(key, epoch // DAY)
    if a == b:
        return a
    off = datetime.fromtimestamp(epoch, zone(key)).utcoffset()
    assert off is not None
    return int(off.total_seconds())


def to_datetime(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def date_of(ordinal: int) -> date:
    return date.fromordinal(ordinal)
