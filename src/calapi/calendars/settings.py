"""The calendar settings a service or job needs, read once from ``Settings``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from calapi.calendars.secrets import Cipher
from calapi.config import Settings, parse_duration


@dataclass(frozen=True)
class CalendarSettings:
    ttl: float  # seconds: data older than this is stale
    timeout: float  # seconds one calendar request may take
    horizon_days: int
    apple_url: str
    allow_private: bool
    cipher: Cipher

    @property
    def refresh_every(self) -> float:
        """Twice per staleness bound: one late or failed refresh does not make a calendar stale."""
        return self.ttl / 2


@lru_cache(maxsize=8)
def _cipher(secret_key: str) -> Cipher:
    return Cipher(secret_key)


def calendar_settings(settings: Settings) -> CalendarSettings:
    return CalendarSettings(
        ttl=parse_duration(settings.calendar_cache_ttl),
        timeout=parse_duration(settings.calendar_timeout),
        horizon_days=settings.calendar_horizon_days,
        apple_url=settings.apple_caldav_url,
        allow_private=settings.calendar_private_networks_allowed,
        cipher=_cipher(settings.secret_key),
    )
