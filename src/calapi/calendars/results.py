"""What the calendars room's services hand back: rows or frozen dataclasses, never a wire shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from calapi.calendars.models import CalendarCredential, DestinationCalendar

Interval = tuple[int, int]


@dataclass(frozen=True)
class CalendarState:
    """One calendar of a connection, with whether it blocks slots and how fresh its busy times are."""

    credential_id: int
    integration: str
    external_id: str
    name: str | None
    read_only: bool
    primary: bool
    is_selected: bool
    fetched_at: datetime | None = None
    stale: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Connection:
    credential: CalendarCredential
    calendars: list[CalendarState]
    email: str | None = None

    @property
    def primary(self) -> CalendarState | None:
        return next((c for c in self.calendars if c.primary), self.calendars[0] if self.calendars else None)


@dataclass(frozen=True)
class ConnectedCalendars:
    connections: list[Connection]
    destination: DestinationCalendar | None = None
    destination_calendar: CalendarState | None = None

    @property
    def stale(self) -> list[str]:
        return [c.name or c.external_id for conn in self.connections for c in conn.calendars if c.stale]


@dataclass(frozen=True)
class BusyTime:
    start: datetime
    end: datetime
    source: str | None


@dataclass(frozen=True)
class BusyTimes:
    times: list[BusyTime]
    stale: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class HostsBusy:
    """Busy intervals per host from their selected calendars (``[start, end)`` epoch seconds,
    sorted, merged), and the names of the calendars whose data was stale or did not cover the range."""

    busy: dict[int, list[Interval]]
    stale: list[str]
