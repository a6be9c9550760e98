"""Typed input of the calendars room's services (what each API version's body becomes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calapi.calendars.models import CredentialType


@dataclass(frozen=True)
class ConnectCalDav:
    """A CalDAV account: Apple's (``url`` is the setting) or any server's."""

    type: CredentialType
    url: str
    username: str
    password: str

    def __repr__(self) -> str:  # never the password
        return f"ConnectCalDav(type={self.type!r}, url={self.url!r}, username={self.username!r})"


@dataclass(frozen=True)
class SaveFeeds:
    urls: tuple[str, ...]
    read_only: bool = True


@dataclass(frozen=True)
class CalendarRef:
    """One calendar of a user's connections; ``credential_id`` None: whichever connection has it."""

    integration: str
    external_id: str
    credential_id: int | None = None


@dataclass(frozen=True)
class DestinationFields:
    """v1's destination-calendar columns (v2 sets only a user's own, by ``integration`` + ``external_id``)."""

    integration: str | None = None
    external_id: str | None = None
    event_type_id: int | None = None
    booking_id: int | None = None


@dataclass(frozen=True)
class ReferenceFields:
    """v1's booking-reference columns; ``given`` names the fields a PATCH sent."""

    booking_id: int | None = None
    type: str | None = None
    uid: str | None = None
    meeting_id: str | None = None
    meeting_password: str | None = None
    meeting_url: str | None = None
    external_calendar_id: str | None = None
    deleted: bool | None = None
    credential_id: int | None = None
    given: frozenset[str] = frozenset()


@dataclass(frozen=True)
class BusyTimesQuery:
    start: datetime
    end: datetime
    calendars: tuple[CalendarRef, ...]
