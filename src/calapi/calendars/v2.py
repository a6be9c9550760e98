"""API v2 calendars: connections (``/v2/calendars/…``), selected calendars, destination calendars,
busy times; and a booking's references and calendar links (``/v2/bookings/{uid}/…``).

No ``cal-api-version`` is needed for the calendar routes (as in Cal.com); the booking routes serve
the booking versions. Routers parse, call one service, present.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field, field_validator

from calapi.calendars import api_schemas as declared
from calapi.calendars import integrations, service
from calapi.calendars import links as calendar_links
from calapi.calendars.busy import STALE_HEADER, stale_header_value
from calapi.calendars.commands import BusyTimesQuery, CalendarRef, ConnectCalDav, SaveFeeds
from calapi.calendars.models import (
    BookingReference,
    CalendarCredential,
    CredentialType,
    DestinationCalendar,
    SelectedCalendar,
)
from calapi.calendars.results import BusyTimes, CalendarState, ConnectedCalendars, Connection
from calapi.calendars.settings import CalendarSettings, calendar_settings
from calapi.core.api_schemas import Envelope, StatusOnly, declare
from calapi.core.auth import CurrentPrincipal
from calapi.core.clock import Now
from calapi.core.envelopes import iso_ms, success, success_no_data
from calapi.core.errors import BadRequest
from calapi.core.timezones import is_time_zone
from calapi.core.versioning import V2024_08_13, V2026_02_25, versioned_router
from calapi.core.wire import WireModel
from calapi.db import SessionDep

router = APIRouter(prefix="/v2/calendars", tags=["Calendars"])
selected_router = APIRouter(prefix="/v2/selected-calendars", tags=["Selected Calendars"])
destination_router = APIRouter(prefix="/v2/destination-calendars", tags=["Destination Calendars"])
booking_router = versioned_router([V2024_08_13, V2026_02_25], prefix="/v2/bookings", tags=["Bookings"])
# The .ics a calendar link points at: a calendar app follows it without a key or a version header.
ics_router = APIRouter(prefix="/v2/bookings", tags=["Bookings"])

# Path segments of /v2/calendars/{calendar}/… → the connection type.
SEGMENTS = {"apple": CredentialType.apple, "caldav": CredentialType.caldav, "ics-feed": CredentialType.ics_feed}
_MAX_BUSY_DAYS = 366
_MAX_CALENDARS = 50


def settings_of(request: Request) -> CalendarSettings:
    return calendar_settings(request.app.state.settings)


def _segment(calendar: str) -> CredentialType:
    kind = SEGMENTS.get(calendar)
    if kind is None:
        raise BadRequest(f"Invalid calendar type, available calendars are: {', '.join(SEGMENTS)}")
    return kind


def _http_url(value: str, *, webcal: bool = False) -> str:
    text = value.strip()
    schemes = ("http://", "https://", "webcal://") if webcal else ("http://", "https://")
    if not text.lower().startswith(schemes) or len(text) <= len(text.split("://", 1)[0]) + 3:
        raise ValueError(f"must be an {'http(s) or webcal' if webcal else 'http(s)'} URL")
    return text


# ---------------------------------------------------------------- bodies


class AppleCredentialsInput(WireModel):
    username: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class CalDavCredentialsInput(WireModel):
    url: str = Field(max_length=2048)
    username: str = Field(max_length=320)
    password: str = Field(max_length=1024)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)


class IcsFeedInput(WireModel):
    urls: list[Annotated[str, Field(max_length=2048)]] = Field(min_length=1, max_length=20)
    readOnly: bool = True

    @field_validator("urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return [_http_url(v, webcal=True) for v in value]


class DisconnectInput(WireModel):
    id: int = Field(ge=1, le=2**31 - 1)


class SelectedCalendarInput(WireModel):
    integration: str = Field(min_length=1, max_length=32)
    externalId: str = Field(min_length=1, max_length=2048)
    credentialId: int = Field(ge=1, le=2**31 - 1)
    delegationCredentialId: str | None = Field(default=None, max_length=255)


class DestinationCalendarInput(WireModel):
    integration: str = Field(min_length=1, max_length=32)
    externalId: str = Field(min_length=1, max_length=2048)
    delegationCredentialId: str | None = Field(default=None, max_length=255)


# ---------------------------------------------------------------- presenters


def credential_output(credential: CalendarCredential) -> dict[str, Any]:
    return {
        "id": credential.id,
        "type": credential.type,
        "userId": credential.user_id,
        "teamId": None,
        "appId": integrations.APP_IDS.get(credential.type),
        "invalid": bool(credential.invalid),
    }


def calendar_output(state: CalendarState, email: str | None) -> dict[str, Any]:
    return {
        "externalId": state.external_id,
        "integration": state.integration,
        "name": state.name,
        "primary": state.primary,
        "readOnly": state.read_only,
        "email": email,
        "isSelected": state.is_selected,
        "credentialId": state.credential_id,
        "stale": state.stale,
        "fetchedAt": iso_ms(state.fetched_at) if state.fetched_at else None,
        "error": state.error,
    }


def connection_output(connection: Connection) -> dict[str, Any]:
    primary = connection.primary
    return {
        "integration": integrations.integration(connection.credential.type),
        "credentialId": connection.credential.id,
        "primary": calendar_output(primary, connection.email) if primary else None,
        "calendars": [calendar_output(c, connection.email) for c in connection.calendars],
        "invalid": bool(connection.credential.invalid),
        "invalidReason": connection.credential.invalid_reason,
    }


def destination_output(result: ConnectedCalendars) -> dict[str, Any] | None:
    row = result.destination
    if row is None:
        return None
    state = result.destination_calendar
    email = next((c.email for c in result.connections if c.credential.id == row.credential_id), None)
    return {
        "id": row.id,
        "integration": row.integration,
        "externalId": row.external_id,
        "primaryEmail": email,
        "userId": row.user_id,
        "eventTypeId": row.event_type_id,
        "credentialId": row.credential_id,
        "name": state.name if state else None,
        "primary": state.primary if state else None,
        "readOnly": state.read_only if state else None,
        "email": email,
        "integrationTitle": integrations.name_of(row.integration),
    }


def choice_output(row: SelectedCalendar | DestinationCalendar) -> dict[str, Any]:
    return {
        "userId": row.user_id,
        "integration": row.integration,
        "externalId": row.external_id,
        "credentialId": row.credential_id,
    }


def busy_time_output(result: BusyTimes) -> list[dict[str, Any]]:
    return [{"start": iso_ms(t.start), "end": iso_ms(t.end), "source": t.source} for t in result.times]


def reference_output(row: BookingReference) -> dict[str, Any]:
    return {"id": row.id, "type": row.type, "eventUid": row.uid, "destinationCalendarId": row.external_calendar_id}


# ---------------------------------------------------------------- connections


@router.post(
    "/apple/credentials", status_code=201, operation_id="calendars_apple_credentials", **declare(StatusOnly, 201)
)
async def connect_apple(
    body: AppleCredentialsInput, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> dict[str, Any]:
    config = settings_of(request)
    command = ConnectCalDav(CredentialType.apple, config.apple_url, body.username, body.password)
    await service.connect_caldav(session, principal.user_id, command, config)
    return success_no_data()


@router.post(
    "/caldav/credentials", status_code=201, operation_id="calendars_caldav_credentials", **declare(StatusOnly, 201)
)
async def connect_caldav(
    body: CalDavCredentialsInput, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> dict[str, Any]:
    command = ConnectCalDav(CredentialType.caldav, body.url, body.username, body.password)
    await service.connect_caldav(session, principal.user_id, command, settings_of(request))
    return success_no_data()


@router.post(
    "/ics-feed/save",
    status_code=201,
    operation_id="calendars_ics_feed_save",
    **declare(Envelope[declared.Credential], 201),
)
async def save_ics_feed(
    body: IcsFeedInput, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> dict[str, Any]:
    command = SaveFeeds(tuple(body.urls), read_only=body.readOnly)
    credential = await service.save_feeds(session, principal.user_id, command, settings_of(request))
    return success(credential_output(credential))


Segment = Annotated[str, Path(max_length=32)]


@router.get("/{calendar}/check", operation_id="calendars_check", **declare(declared.CheckStatus))
async def check_connection(calendar: Segment, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    await service.check(session, principal.user_id, _segment(calendar))
    return success_no_data()


@router.post("/{calendar}/disconnect", operation_id="calendars_disconnect", **declare(Envelope[declared.Credential]))
async def disconnect(
    calendar: Segment, body: DisconnectInput, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    # Cal.com does not use the path segment either: the credential id says which connection.
    credential = await service.disconnect(session, principal.user_id, body.id)
    return success(credential_output(credential))


@router.get("", operation_id="calendars_list", **declare(Envelope[declared.ConnectedCalendars]))
async def list_connected(
    principal: CurrentPrincipal, session: SessionDep, request: Request, response: Response, now: Now
) -> dict[str, Any]:
    result = await service.connected_calendars(session, principal.user_id, now=now, config=settings_of(request))
    if result.stale:
        response.headers[STALE_HEADER] = stale_header_value(result.stale)
    return success(
        {
            "connectedCalendars": [connection_output(c) for c in result.connections],
            "destinationCalendar": destination_output(result),
            "staleCalendars": result.stale,
        }
    )


# ---------------------------------------------------------------- busy times

_CALENDAR_PARAM = re.compile(r"^calendarsToLoad\[(\d{1,3})\]\[(credentialId|externalId)\]$")


def _zone(request: Request) -> ZoneInfo:
    name = request.query_params.get("timeZone") or request.query_params.get("loggedInUsersTz")
    if not name:
        raise BadRequest("Either timeZone or loggedInUsersTz must be provided")
    if not is_time_zone(name):
        raise BadRequest(f"timeZone must be an IANA time zone such as 'Europe/London', got {name[:64]!r}")
    return ZoneInfo(name)


def _bound(name: str, raw: str | None, zone: ZoneInfo, *, end: bool) -> datetime:
    if not raw or not raw.strip():
        raise BadRequest(f"{name} must be an ISO 8601 date such as 2026-01-31")
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=zone).astimezone(UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 date such as 2026-01-31, got {text[:40]!r}") from None
    return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)


def _calendars_to_load(request: Request) -> tuple[CalendarRef, ...]:
    items: dict[int, dict[str, str]] = {}
    for key, value in request.query_params.multi_items():
        match = _CALENDAR_PARAM.match(key)
        if match:
            items.setdefault(int(match.group(1)), {})[match.group(2)] = value
    if len(items) > _MAX_CALENDARS:
        raise BadRequest(f"calendarsToLoad may name at most {_MAX_CALENDARS} calendars")
    refs = []
    for index in sorted(items):
        item = items[index]
        raw_id, external_id = item.get("credentialId", ""), item.get("externalId", "")
        if not raw_id.strip().isdigit() or not 0 < int(raw_id) < 2**31 or not external_id or len(external_id) > 2048:
            raise BadRequest(
                f"calendarsToLoad[{index}] needs a numeric credentialId and an externalId, got {item!r}"[:300]
            )
        refs.append(CalendarRef("", external_id, int(raw_id)))
    return tuple(refs)


@router.get("/busy-times", operation_id="calendars_busy_times", **declare(Envelope[list[declared.BusyTime]]))
async def busy_times(
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
    now: Now,
    dateFrom: Annotated[str | None, Query(max_length=40)] = None,
    dateTo: Annotated[str | None, Query(max_length=40)] = None,
    timeZone: Annotated[str | None, Query(max_length=64)] = None,
    loggedInUsersTz: Annotated[str | None, Query(max_length=64, deprecated=True)] = None,
) -> dict[str, Any]:
    zone = _zone(request)
    start, end = _bound("dateFrom", dateFrom, zone, end=False), _bound("dateTo", dateTo, zone, end=True)
    if end <= start:
        raise BadRequest("dateTo must be after dateFrom")
    if end - start > timedelta(days=_MAX_BUSY_DAYS):
        raise BadRequest(f"dateFrom and dateTo may be at most {_MAX_BUSY_DAYS} days apart")
    query = BusyTimesQuery(start, end, _calendars_to_load(request))
    result = await service.busy_times(session, principal.user_id, query, config=settings_of(request))
    if result.stale:
        response.headers[STALE_HEADER] = stale_header_value(result.stale)
    return success(busy_time_output(result))


# ---------------------------------------------------------------- selected and destination calendars


@selected_router.post(
    "", status_code=201, operation_id="selected_calendars_add", **declare(Envelope[declared.CalendarChoice], 201)
)
async def add_selected(body: SelectedCalendarInput, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    ref = CalendarRef(body.integration, body.externalId, body.credentialId)
    return success(choice_output(await service.select_calendar(session, principal.user_id, ref)))


@selected_router.delete("", operation_id="selected_calendars_remove", **declare(Envelope[declared.CalendarChoice]))
async def remove_selected(
    principal: CurrentPrincipal,
    session: SessionDep,
    integration: Annotated[str, Query(min_length=1, max_length=32)],
    externalId: Annotated[str, Query(min_length=1, max_length=2048)],
    credentialId: Annotated[int, Query(ge=1, le=2**31 - 1)],
    delegationCredentialId: Annotated[str | None, Query(max_length=255)] = None,
) -> dict[str, Any]:
    ref = CalendarRef(integration, externalId, credentialId)
    return success(choice_output(await service.unselect_calendar(session, principal.user_id, ref)))


@destination_router.put("", operation_id="destination_calendars_update", **declare(Envelope[declared.CalendarChoice]))
async def set_destination(
    body: DestinationCalendarInput, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    ref = CalendarRef(body.integration, body.externalId)
    return success(choice_output(await service.set_user_destination(session, principal.user_id, ref)))


# ---------------------------------------------------------------- a booking's references and links

BookingUid = Annotated[str, Path(alias="bookingUid", max_length=255)]
REFERENCE_TYPES = (
    "google_calendar",
    "office365_calendar",
    "daily_video",
    "google_video",
    "office365_video",
    "zoom_video",
    CredentialType.apple.value,
    CredentialType.caldav.value,
)


@booking_router.get(
    "/{bookingUid}/references", operation_id="bookings_references", **declare(Envelope[list[declared.BookingReference]])
)
async def booking_references(
    uid: BookingUid,
    principal: CurrentPrincipal,
    session: SessionDep,
    type: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    if type is not None and type not in REFERENCE_TYPES:
        raise BadRequest(f"type must be one of the following values: {', '.join(REFERENCE_TYPES)}")
    rows = await service.references_of_booking(session, uid, principal, reference_type=type)
    return success([reference_output(r) for r in rows])


@booking_router.get(
    "/{bookingUid}/calendar-links",
    operation_id="bookings_calendar_links",
    **declare(Envelope[list[declared.CalendarLink]]),
)
async def booking_calendar_links(
    uid: BookingUid, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> dict[str, Any]:
    meeting = await service.linked_meeting(session, uid)
    ics_url = str(request.url_for("booking_ics", bookingUid=uid))
    return success(
        [{"label": x.label, "id": x.id, "link": x.link} for x in calendar_links.calendar_links(meeting, ics_url)]
    )


_ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The booking as a one-event iCalendar file",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }
}


@ics_router.get("/{bookingUid}/event.ics", operation_id="booking_ics", response_model=None, responses=_ICS_RESPONSE)
async def booking_ics(uid: BookingUid, session: SessionDep, now: Now) -> Response:
    meeting = await service.linked_meeting(session, uid)
    body = calendar_links.meeting_file(meeting, stamp=now)
    filename = quote(f"{meeting.uid}.ics")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )
