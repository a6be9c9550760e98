"""IANA time zones: validation, and the city list behind ``GET /v2/timezones``."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from calapi.core.errors import BadRequest

# Zone families that are aliases or not places a person lives in.
_NOT_CITIES = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/", "Mexico/", "posix/", "right/")


@lru_cache(maxsize=1024)
def is_time_zone(name: str) -> bool:
    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        return False
    if name not in _all_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def require_time_zone(name: str, *, field: str = "timeZone") -> ZoneInfo:
    if not isinstance(name, str) or not is_time_zone(name):
        raise BadRequest(
            f"{field} must be an IANA time zone such as 'Europe/London' or 'America/New_York', got {name!r}"
        )
    return ZoneInfo(name)


@lru_cache(maxsize=1)
def _all_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def city_list() -> list[dict[str, object]]:
    """One entry per city, taken from the zone names (``America/Argentina/Buenos_Aires`` → Buenos Aires).

    Cal.com also ranks cities by population; calapi ships no population data, so ``pop`` is 0.
    """
    cities: dict[str, str] = {}
    for zone in sorted(_all_zones()):
        if "/" not in zone or zone.startswith(_NOT_CITIES):
            continue
        city = zone.rsplit("/", 1)[1].replace("_", " ")
        if city.isupper():  # old aliases such as Australia/ACT
            continue
        cities.setdefault(city, zone)
    cities["London"] = "Europe/London"
    return [{"city": city, "timezone": zone, "pop": 0} for city, zone in sorted(cities.items())]
