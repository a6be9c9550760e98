"""Declared response bodies of the calendars room (API v2 and v1)."""

from __future__ import annotations

from calapi.core.api_schemas import ResponseModel

# --- API v2 --------------------------------------------------------------------------------------


class Credential(ResponseModel):
    """A connection as ``ics-feed/save`` and ``disconnect`` answer it (never its secret)."""

    id: int
    type: str
    userId: int
    teamId: int | None
    appId: str | None
    invalid: bool


class Integration(ResponseModel):
    name: str
    description: str
    type: str
    variant: str
    categories: list[str]
    logo: str
    publisher: str
    slug: str
    url: str
    email: str
    locationOption: None = None


class ConnectedCalendar(ResponseModel):
    """One calendar of a connection; ``stale``, ``fetchedAt`` and ``error`` are calapi's: whether its
    busy times are older than ``CALAPI_CALENDAR_CACHE_TTL``, when they were last read, and why not."""

    externalId: str
    integration: str | None = None
    name: str | None = None
    primary: bool
    readOnly: bool
    email: str | None = None
    isSelected: bool
    credentialId: int
    stale: bool
    fetchedAt: str | None
    error: str | None


class Connection(ResponseModel):
    integration: Integration
    credentialId: int
    primary: ConnectedCalendar | None
    calendars: list[ConnectedCalendar]
    invalid: bool
    invalidReason: str | None


class DestinationCalendar(ResponseModel):
    id: int
    integration: str
    externalId: str
    primaryEmail: str | None
    userId: int | None
    eventTypeId: int | None
    credentialId: int | None
    name: str | None = None
    primary: bool | None = None
    readOnly: bool | None = None
    email: str | None = None
    integrationTitle: str | None = None


class ConnectedCalendars(ResponseModel):
    connectedCalendars: list[Connection]
    destinationCalendar: DestinationCalendar | None
    staleCalendars: list[str]


class CheckStatus(ResponseModel):
    status: str


class BusyTime(ResponseModel):
    start: str
    end: str
    source: str | None


class CalendarChoice(ResponseModel):
    """A selected or destination calendar, as ``/v2/selected-calendars`` and
    ``/v2/destination-calendars`` answer it."""

    userId: int
    integration: str
    externalId: str
    credentialId: int | None


class BookingReference(ResponseModel):
    id: int
    type: str
    eventUid: str
    destinationCalendarId: str | None


class CalendarLink(ResponseModel):
    label: str
    id: str
    link: str


# --- API v1 --------------------------------------------------------------------------------------


class V1BookingReference(ResponseModel):
    id: int
    type: str
    uid: str
    meetingId: str | None = None
    meetingPassword: str | None = None
    meetingUrl: str | None = None
    bookingId: int | None
    externalCalendarId: str | None = None
    deleted: bool | None = None
    credentialId: int | None = None


class V1DestinationCalendar(ResponseModel):
    id: int
    integration: str
    externalId: str
    eventTypeId: int | None
    bookingId: int | None
    userId: int | None
    credentialId: int | None = None


class V1SelectedCalendar(ResponseModel):
    userId: int
    integration: str
    externalId: str
    credentialId: int | None = None
    eventTypeId: int | None = None


class V1ConnectedCalendarEntry(ResponseModel):
    externalId: str
    name: str | None
    primary: bool | None
    readOnly: bool


class V1ConnectedCalendar(ResponseModel):
    name: str
    appId: str | None
    userId: int
    integration: str
    calendars: list[V1ConnectedCalendarEntry]
