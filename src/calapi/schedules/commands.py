"""Typed input of the schedules service, built by each API version's router from its request body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from calapi.core.commands import Changes


@dataclass(frozen=True)
class WeeklyRange:
    """Available from ``start`` to ``end`` on each of ``days`` (0 = Sunday … 6 = Saturday)."""

    days: tuple[int, ...]
    start: time
    end: time


@dataclass(frozen=True)
class DateRange:
    """On ``date`` these ranges replace the weekly ones; ``start == end`` marks the day off."""

    date: date
    start: time
    end: time


@dataclass(frozen=True)
class NewSchedule:
    name: str
    time_zone: str
    is_default: bool  # the user's first schedule becomes the default whatever this says
    weekly: tuple[WeeklyRange, ...] | None = None  # None: Monday–Friday 09:00–17:00
    overrides: tuple[DateRange, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ScheduleChanges(Changes):
    """A partial update; given ranges replace the stored ones of their kind wholesale."""

    name: str | None = None
    time_zone: str | None = None
    weekly: tuple[WeeklyRange, ...] | None = None
    overrides: tuple[DateRange, ...] | None = None
    make_default: bool = False  # false changes nothing (a schedule stops being the default by another becoming it)
