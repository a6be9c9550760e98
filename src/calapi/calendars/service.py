"""The calendars room's rules: connections, which calendars block slots and receive bookings,
booking references, busy times on request, calendar links.

Typed input (``commands.py``), rows or ``results.py`` out. A connection is proven before it is
stored (the account's calendars are listed, a feed is fetched and parsed) with the network asked
before the database is touched. Another user's connection, calendar, destination or reference
answers exactly as one that does not exist (404).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings.models import Booking, BookingHost
from calapi.calendars import busy, caldav_client, feeds, fetch, ical
from calapi.calendars.caldav_client import Account, CalendarUnreachable, CredentialsRefused
from calapi.calendars.commands import (
    BusyTimesQuery,
    CalendarRef,
    ConnectCalDav,
    DestinationFields,
    ReferenceFields,
    SaveFeeds,
)
from calapi.calendars.links import LinkedMeeting
from calapi.calendars.models import (
    BookingReference,
    CalendarBusy,
    CalendarCredential,
    CredentialType,
    DestinationCalendar,
    ExternalCalendar,
    SelectedCalendar,
)
from calapi.calendars.refresh import sync_listing
from calapi.calendars.results import BusyTime, BusyTimes, CalendarState, ConnectedCalendars, Connection
from calapi.calendars.secrets import SecretUnreadable
from calapi.calendars.settings import CalendarSettings
from calapi.core import authorization
from calapi.core.auth import Principal
from calapi.core.errors import BadRequest, NotFound, Unauthorized
from calapi.event_types import service as event_types_service
from calapi.event_types.models import EventType
from calapi.users.models import User

# How Cal.com's messages name each kind of connection.
LABELS = {
    CredentialType.apple.value: "apple calendar",
    CredentialType.caldav.value: "caldav calendar",
    CredentialType.ics_feed.value: "Ics Feed",
}
_MAX_FEEDS = 20


# ---------------------------------------------------------------- connections


async def connect_caldav(
    session: AsyncSession, user_id: int, command: ConnectCalDav, config: CalendarSettings
) -> CalendarCredential:
    """Prove the account (its calendars are listed), then store it — or, for a username already
    connected to that server, store the new password. A new account's first calendar is selected
    (its events block slots) and becomes the user's destination when they have none."""
    if not command.username.strip() or not command.password:
        raise BadRequest("Username or password cannot be empty")
    label = LABELS[command.type.value]
    try:
        listed = await caldav_client.list_calendars(
            Account(command.url, command.username, command.password),
            timeout=config.timeout,
            allow_private=config.allow_private,
        )
    except (CredentialsRefused, CalendarUnreachable) as exc:
        raise BadRequest(f"Could not add this {label} account: {exc}") from None
    credential = await session.scalar(
        select(CalendarCredential).where(
            CalendarCredential.user_id == user_id,
            CalendarCredential.type == command.type.value,
            CalendarCredential.url == command.url,
            CalendarCredential.username == command.username,
        )
    )
    secret = config.cipher.seal({"password": command.password})
    new = credential is None
    if credential is None:
        credential = CalendarCredential(
            user_id=user_id, type=command.type.value, url=command.url, username=command.username, secret=secret
        )
        session.add(credential)
    else:
        credential.secret = secret
    credential.invalid, credential.invalid_reason = False, None
    await session.flush()
    await sync_listing(session, credential.id, listed)
    if new and listed:
        primary = listed[0].external_id
        session.add(
            SelectedCalendar(
                user_id=user_id, integration=credential.type, external_id=primary, credential_id=credential.id
            )
        )
        if await _user_destination(session, user_id) is None:
            session.add(
                DestinationCalendar(
                    user_id=user_id, integration=credential.type, external_id=primary, credential_id=credential.id
                )
            )
        await session.flush()
    await busy.request_refresh(session, credential.id)
    return credential


async def save_feeds(
    session: AsyncSession, user_id: int, command: SaveFeeds, config: CalendarSettings
) -> CalendarCredential:
    """Fetch and parse every feed, then store them as one connection, each feed a selected calendar."""
    urls = list(dict.fromkeys(feeds.normal_url(u.strip()) for u in command.urls))
    if not urls or len(urls) > _MAX_FEEDS:
        raise BadRequest(f"urls must hold between 1 and {_MAX_FEEDS} feed URLs")

    async def describe(url: str) -> tuple[str | None, str | None] | None:
        try:
            body = await feeds.fetch(url, timeout=config.timeout, allow_private=config.allow_private)
            return await asyncio.to_thread(ical.describe, body)
        except (CalendarUnreachable, ical.CalendarDataError):
            return None

    described = await asyncio.gather(*(describe(u) for u in urls))
    if any(d is None for d in described):
        raise BadRequest("Could not add ICS feeds, try using private ics feed.")
    ids = [fetch.feed_id(u) for u in urls]
    credential = CalendarCredential(
        user_id=user_id,
        type=CredentialType.ics_feed.value,
        secret=config.cipher.seal({"feeds": dict(zip(ids, urls, strict=True))}),
        read_only=command.read_only,
    )
    session.add(credential)
    await session.flush()
    for position, (url, external_id, found) in enumerate(zip(urls, ids, described, strict=True)):
        name, zone = found or (None, None)
        session.add(
            ExternalCalendar(
                credential_id=credential.id,
                external_id=external_id,
                name=(name or f"ICS feed ({urlsplit(url).hostname})")[:255],
                read_only=command.read_only,
                primary=position == 0,
                time_zone=zone,
            )
        )
        session.add(
            SelectedCalendar(
                user_id=user_id, integration=credential.type, external_id=external_id, credential_id=credential.id
            )
        )
    await session.flush()
    await busy.request_refresh(session, credential.id)
    return credential


async def _own_credential(session: AsyncSession, user_id: int, credential_id: int) -> CalendarCredential:
    credential = await session.get(CalendarCredential, credential_id)
    if credential is None or credential.user_id != user_id:
        raise NotFound(f"Credential with id {credential_id} not found")
    return credential


async def disconnect(session: AsyncSession, user_id: int, credential_id: int) -> CalendarCredential:
    """Remove a connection with its calendars, their busy times, selections and destinations (the
    references of bookings already written keep the event's UID, no longer its connection)."""
    credential = await _own_credential(session, user_id, credential_id)
    await session.execute(delete(SelectedCalendar).where(SelectedCalendar.credential_id == credential_id))
    await session.execute(delete(DestinationCalendar).where(DestinationCalendar.credential_id == credential_id))
    calendar_ids = select(ExternalCalendar.id).where(ExternalCalendar.credential_id == credential_id)
    await session.execute(delete(CalendarBusy).where(CalendarBusy.calendar_id.in_(calendar_ids)))
    await session.execute(delete(ExternalCalendar).where(ExternalCalendar.credential_id == credential_id))
    await session.delete(credential)
    await session.flush()
    return credential


async def check(session: AsyncSession, user_id: int, credential_type: CredentialType) -> None:
    """Cal.com's ``/check``: connected, and not known to be refused. Calls no server: the refresh
    job keeps ``invalid`` current."""
    label = LABELS[credential_type.value]
    rows = (
        await session.scalars(
            select(CalendarCredential).where(
                CalendarCredential.user_id == user_id, CalendarCredential.type == credential_type.value
            )
        )
    ).all()
    if not rows:
        text = f"{label[:1].upper()}{label[1:]} not connected."
        raise Unauthorized(text)
    if all(row.invalid for row in rows):
        raise BadRequest(f"Invalid {label} credentials.")


# ---------------------------------------------------------------- listing


async def connected(
    session: AsyncSession, user_ids: Sequence[int] | None, *, now: datetime, config: CalendarSettings
) -> list[Connection]:
    """Every connection of the users (None: everyone) with its calendars as last listed, each with
    whether it is selected and how fresh its busy times are. Four statements."""
    query = select(CalendarCredential, User.email).join(User, User.id == CalendarCredential.user_id)
    if user_ids is not None:
        query = query.where(CalendarCredential.user_id.in_(list(user_ids)))
    rows = (await session.execute(query.order_by(CalendarCredential.id))).all()
    ids = [credential.id for credential, _ in rows]
    calendars = (
        await session.scalars(
            select(ExternalCalendar).where(ExternalCalendar.credential_id.in_(ids)).order_by(ExternalCalendar.id)
        )
    ).all()
    selected = {
        (r.credential_id, r.external_id)
        for r in (
            await session.execute(
                select(SelectedCalendar.credential_id, SelectedCalendar.external_id).where(
                    SelectedCalendar.credential_id.in_(ids)
                )
            )
        ).all()
    }
    caches = {
        b.calendar_id: b
        for b in (
            await session.scalars(select(CalendarBusy).where(CalendarBusy.calendar_id.in_([c.id for c in calendars])))
        ).all()
    }
    connections = []
    for credential, email in rows:
        states = []
        for c in calendars:
            if c.credential_id != credential.id:
                continue
            is_selected = (credential.id, c.external_id) in selected
            cache = caches.get(c.id)
            fetched_at = cache.fetched_at if cache else None
            covers = (cache.covers_from, cache.covers_until) if cache else None
            states.append(
                CalendarState(
                    credential_id=credential.id,
                    integration=credential.type,
                    external_id=c.external_id,
                    name=c.name,
                    read_only=c.read_only,
                    primary=c.primary,
                    is_selected=is_selected,
                    fetched_at=fetched_at,
                    stale=is_selected and busy.is_stale(fetched_at, covers, now=now, ttl=config.ttl),
                    error=cache.error if cache else None,
                )
            )
        connections.append(Connection(credential, states, email))
    return connections


async def connected_calendars(
    session: AsyncSession, user_id: int, *, now: datetime, config: CalendarSettings
) -> ConnectedCalendars:
    """``GET /v2/calendars``: the user's connections and their destination calendar."""
    connections = await connected(session, [user_id], now=now, config=config)
    destination = await _user_destination(session, user_id)
    state = None
    if destination is not None:
        state = next(
            (
                c
                for conn in connections
                for c in conn.calendars
                if c.credential_id == destination.credential_id and c.external_id == destination.external_id
            ),
            None,
        )
    return ConnectedCalendars(connections, destination, state)


# ---------------------------------------------------------------- selected calendars


async def _find_calendar(
    session: AsyncSession, user_id: int, ref: CalendarRef
) -> tuple[CalendarCredential, ExternalCalendar] | None:
    query = (
        select(CalendarCredential, ExternalCalendar)
        .join(ExternalCalendar, ExternalCalendar.credential_id == CalendarCredential.id)
        .where(
            CalendarCredential.user_id == user_id,
            CalendarCredential.type == ref.integration,
            ExternalCalendar.external_id == ref.external_id,
        )
        .order_by(CalendarCredential.id)
    )
    if ref.credential_id is not None:
        query = query.where(CalendarCredential.id == ref.credential_id)
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row is not None else None


def _no_calendar(ref: CalendarRef) -> NotFound:
    return NotFound(f"Could not find calendar {ref.external_id}")


async def select_calendar(session: AsyncSession, user_id: int, ref: CalendarRef) -> SelectedCalendar:
    """Its events block the user's slots from the next refresh on (run at once)."""
    found = await _find_calendar(session, user_id, ref)
    if found is None:
        raise _no_calendar(ref)
    credential, calendar = found
    existing = await session.scalar(
        select(SelectedCalendar).where(
            SelectedCalendar.user_id == user_id,
            SelectedCalendar.credential_id == credential.id,
            SelectedCalendar.external_id == calendar.external_id,
        )
    )
    if existing is not None:
        return existing
    row = SelectedCalendar(
        user_id=user_id, integration=credential.type, external_id=calendar.external_id, credential_id=credential.id
    )
    session.add(row)
    await session.flush()
    await busy.request_refresh(session, credential.id)
    return row


async def find_selected(session: AsyncSession, user_id: int, ref: CalendarRef) -> SelectedCalendar:
    query = select(SelectedCalendar).where(
        SelectedCalendar.user_id == user_id,
        SelectedCalendar.integration == ref.integration,
        SelectedCalendar.external_id == ref.external_id,
    )
    if ref.credential_id is not None:
        query = query.where(SelectedCalendar.credential_id == ref.credential_id)
    rows = (await session.scalars(query)).all()
    if not rows:
        raise NotFound("Selected calendar not found")
    if len(rows) > 1:
        raise BadRequest("Multiple selected calendars match: give the credentialId too")
    return rows[0]


async def unselect_calendar(session: AsyncSession, user_id: int, ref: CalendarRef) -> SelectedCalendar:
    row = await find_selected(session, user_id, ref)
    await session.delete(row)
    await session.flush()
    return row


async def list_selected(session: AsyncSession, user_ids: Sequence[int] | None) -> list[SelectedCalendar]:
    query = select(SelectedCalendar).order_by(SelectedCalendar.user_id, SelectedCalendar.id)
    if user_ids is not None:
        query = query.where(SelectedCalendar.user_id.in_(list(user_ids)))
    return list((await session.scalars(query)).all())


async def move_selected(session: AsyncSession, user_id: int, ref: CalendarRef, target: CalendarRef) -> SelectedCalendar:
    """v1's PATCH: the selection now names ``target`` (another calendar of the same user)."""
    row = await find_selected(session, user_id, ref)
    if (target.integration, target.external_id, target.credential_id) == (ref.integration, ref.external_id, None):
        return row
    found = await _find_calendar(session, user_id, target)
    if found is None:
        raise _no_calendar(target)
    credential, calendar = found
    row.integration, row.external_id, row.credential_id = credential.type, calendar.external_id, credential.id
    await session.flush()
    await busy.request_refresh(session, credential.id)
    return row


# ---------------------------------------------------------------- destination calendars


async def _user_destination(session: AsyncSession, user_id: int) -> DestinationCalendar | None:
    return await session.scalar(
        select(DestinationCalendar)
        .where(DestinationCalendar.user_id == user_id, DestinationCalendar.event_type_id.is_(None))
        .order_by(DestinationCalendar.id)
        .limit(1)
    )


async def _writable(session: AsyncSession, user_id: int, ref: CalendarRef, missing: Exception) -> ExternalCalendar:
    if ref.integration == CredentialType.ics_feed.value:
        raise BadRequest("An ICS feed is read-only: it cannot receive bookings")
    found = await _find_calendar(session, user_id, ref)
    if found is None:
        raise missing
    credential, calendar = found
    if calendar.read_only or credential.read_only:
        raise BadRequest(f"Calendar {ref.external_id} is read-only: it cannot receive bookings")
    return calendar


async def set_user_destination(session: AsyncSession, user_id: int, ref: CalendarRef) -> DestinationCalendar:
    """``PUT /v2/destination-calendars``: where the user's bookings are written."""
    calendar = await _writable(session, user_id, ref, _no_calendar(ref))
    row = await _user_destination(session, user_id)
    if row is None:
        row = DestinationCalendar(user_id=user_id)
        session.add(row)
    row.integration, row.external_id, row.credential_id = ref.integration, calendar.external_id, calendar.credential_id
    await session.flush()
    return row


NO_SUCH_DESTINATION = "Invalid destinationCalendarId: Calendar does not exist"
READ_ONLY_DESTINATION = "Invalid destinationCalendarId: Calendar does not have write permission"


async def follow_event_type_destination(
    session: AsyncSession, user_id: int, event_type_id: int, wanted: dict[str, Any] | None
) -> None:
    """An event type's ``destinationCalendar`` (API v2): one of the owner's connected calendars
    that can be written, where the event type's bookings go from now on; None clears it (back to
    the owner's own destination)."""
    existing = await session.scalar(
        select(DestinationCalendar).where(
            DestinationCalendar.user_id == user_id, DestinationCalendar.event_type_id == event_type_id
        )
    )
    if wanted is None:
        if existing is not None:
            await session.delete(existing)
            await session.flush()
        return
    ref = CalendarRef(str(wanted.get("integration") or ""), str(wanted.get("externalId") or ""))
    found = await _find_calendar(session, user_id, ref)
    if found is None:
        raise BadRequest(NO_SUCH_DESTINATION)
    credential, calendar = found
    if ref.integration == CredentialType.ics_feed.value or calendar.read_only or credential.read_only:
        raise BadRequest(READ_ONLY_DESTINATION)
    if existing is None:
        existing = DestinationCalendar(user_id=user_id, event_type_id=event_type_id)
        session.add(existing)
    existing.integration, existing.external_id, existing.credential_id = (
        ref.integration,
        calendar.external_id,
        calendar.credential_id,
    )
    await session.flush()


async def event_type_destinations(session: AsyncSession, event_type_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each event type's own destination (``{integration, externalId}``), as the write jobs choose
    it (``sync.load``: the first row of the event type), whichever API version set it."""
    rows = await session.execute(
        select(DestinationCalendar.event_type_id, DestinationCalendar.integration, DestinationCalendar.external_id)
        .where(DestinationCalendar.event_type_id.in_(list(event_type_ids)))
        .order_by(DestinationCalendar.id)
    )
    found: dict[int, dict[str, Any]] = {}
    for row in rows.all():
        if row.event_type_id is not None:
            found.setdefault(row.event_type_id, {"integration": row.integration, "externalId": row.external_id})
    return found


async def list_destinations(session: AsyncSession, user_ids: Sequence[int] | None) -> list[DestinationCalendar]:
    """The users' own destination calendars and those of their event types."""
    query = select(DestinationCalendar).order_by(DestinationCalendar.id)
    if user_ids is not None:
        query = query.where(DestinationCalendar.user_id.in_(list(user_ids)))
    return list((await session.scalars(query)).all())


async def destination_owner(session: AsyncSession, destination_id: int) -> int | None:
    return await session.scalar(select(DestinationCalendar.user_id).where(DestinationCalendar.id == destination_id))


async def get_destination(session: AsyncSession, user_id: int, destination_id: int) -> DestinationCalendar:
    row = await session.get(DestinationCalendar, destination_id)
    if row is None or row.user_id != user_id:
        raise NotFound("Destination calendar not found")
    return row


async def _check_event_type(session: AsyncSession, user_id: int, event_type_id: int) -> None:
    if await event_types_service.owner_of(session, event_type_id) != user_id:
        raise NotFound(f"Event type with ID {event_type_id} not found")


async def create_destination(session: AsyncSession, user_id: int, fields: DestinationFields) -> DestinationCalendar:
    """v1's POST: a user's destination, or (``event_type_id``) one event type's."""
    if not fields.integration or not fields.external_id:
        raise BadRequest("integration and externalId are required")
    ref = CalendarRef(fields.integration, fields.external_id)
    calendar = await _writable(session, user_id, ref, BadRequest("Bad request, credential id invalid"))
    if fields.event_type_id is not None:
        await _check_event_type(session, user_id, fields.event_type_id)
    existing = await session.scalar(
        select(DestinationCalendar).where(
            DestinationCalendar.user_id == user_id,
            DestinationCalendar.event_type_id.is_(None)
            if fields.event_type_id is None
            else DestinationCalendar.event_type_id == fields.event_type_id,
        )
    )
    if existing is not None:
        raise BadRequest(
            "This event type already has a destination calendar"
            if fields.event_type_id is not None
            else "This user already has a destination calendar"
        )
    row = DestinationCalendar(
        user_id=user_id,
        event_type_id=fields.event_type_id,
        booking_id=fields.booking_id,
        integration=fields.integration,
        external_id=calendar.external_id,
        credential_id=calendar.credential_id,
    )
    session.add(row)
    await session.flush()
    return row


async def update_destination(
    session: AsyncSession, user_id: int, destination_id: int, fields: DestinationFields
) -> DestinationCalendar:
    row = await get_destination(session, user_id, destination_id)
    if bool(fields.integration) != bool(fields.external_id):
        raise BadRequest(
            "External Id is required with integration value"
            if fields.integration
            else "Integration value is required with external ID"
        )
    if fields.event_type_id is not None:
        if row.event_type_id is None:
            raise BadRequest("The provided destination calendar can not be linked to an event type")
        await _check_event_type(session, user_id, fields.event_type_id)
        row.event_type_id = fields.event_type_id
    if fields.integration and fields.external_id:
        ref = CalendarRef(fields.integration, fields.external_id)
        calendar = await _writable(session, user_id, ref, BadRequest("Bad request, credential id invalid"))
        row.integration, row.external_id, row.credential_id = (
            ref.integration,
            calendar.external_id,
            calendar.credential_id,
        )
    if fields.booking_id is not None:
        row.booking_id = fields.booking_id
    await session.flush()
    return row


async def delete_destination(session: AsyncSession, user_id: int, destination_id: int) -> None:
    row = await get_destination(session, user_id, destination_id)
    await session.delete(row)
    await session.flush()


# ---------------------------------------------------------------- booking references


async def _booking_of(session: AsyncSession, uid: str) -> tuple[int, int] | None:
    row = (await session.execute(select(Booking.id, Booking.user_id).where(Booking.uid == uid))).first()
    return (row.id, row.user_id) if row is not None else None


async def _hosts_booking(session: AsyncSession, principal: Principal, booking_id: int, organizer: int) -> bool:
    if authorization.may_act_for(principal, organizer):
        return True
    co_host = await session.scalar(
        select(BookingHost.user_id).where(
            BookingHost.booking_id == booking_id, BookingHost.user_id == principal.user_id
        )
    )
    return co_host is not None


async def references_of_booking(
    session: AsyncSession, uid: str, principal: Principal, *, reference_type: str | None = None
) -> list[BookingReference]:
    """``GET /v2/bookings/{uid}/references``: for the booking's hosts (and system admins)."""
    found = await _booking_of(session, uid)
    if found is None or not await _hosts_booking(session, principal, *found):
        raise NotFound(f"Booking with uid={uid} not found")
    query = select(BookingReference).where(BookingReference.booking_id == found[0], BookingReference.deleted.is_(None))
    if reference_type is not None:
        query = query.where(BookingReference.type == reference_type)
    return list((await session.scalars(query.order_by(BookingReference.id))).all())


async def list_references(session: AsyncSession, organizer_id: int | None) -> list[BookingReference]:
    """v1's list: the references of the organizer's bookings that are not deleted (None: every one)."""
    query = select(BookingReference).order_by(BookingReference.id)
    if organizer_id is not None:
        query = query.join(Booking, Booking.id == BookingReference.booking_id).where(
            Booking.user_id == organizer_id, BookingReference.deleted.is_(None)
        )
    return list((await session.scalars(query)).all())


async def reference_owner(session: AsyncSession, reference_id: int) -> int | None:
    return await session.scalar(
        select(Booking.user_id)
        .join(BookingReference, BookingReference.booking_id == Booking.id)
        .where(BookingReference.id == reference_id)
    )


async def get_reference(session: AsyncSession, reference_id: int) -> BookingReference:
    row = await session.get(BookingReference, reference_id)
    if row is None:
        raise NotFound(f"Booking reference with id: {reference_id} not found")
    return row


async def _check_booking(session: AsyncSession, booking_id: int, organizer_id: int | None) -> None:
    owner = await session.scalar(select(Booking.user_id).where(Booking.id == booking_id))
    if owner is None or (organizer_id is not None and owner != organizer_id):
        raise NotFound(f"Booking with id {booking_id} not found")


async def _check_credential(session: AsyncSession, credential_id: int, owner_id: int | None) -> None:
    owner = await session.scalar(select(CalendarCredential.user_id).where(CalendarCredential.id == credential_id))
    if owner is None or (owner_id is not None and owner != owner_id):
        raise NotFound(f"Credential with id {credential_id} not found")


async def create_reference(
    session: AsyncSession, fields: ReferenceFields, *, organizer_id: int | None
) -> BookingReference:
    """v1's POST; ``organizer_id`` None: a system admin's (any booking)."""
    if fields.booking_id is None or not fields.type or not fields.uid:
        raise BadRequest("bookingId, type and uid are required")
    await _check_booking(session, fields.booking_id, organizer_id)
    if fields.credential_id is not None:
        await _check_credential(session, fields.credential_id, organizer_id)
    row = BookingReference(
        booking_id=fields.booking_id,
        type=fields.type,
        uid=fields.uid,
        meeting_id=fields.meeting_id,
        meeting_password=fields.meeting_password,
        meeting_url=fields.meeting_url,
        external_calendar_id=fields.external_calendar_id,
        deleted=fields.deleted,
        credential_id=fields.credential_id,
    )
    session.add(row)
    await session.flush()
    return row


_REFERENCE_COLUMNS = (
    "booking_id",
    "type",
    "uid",
    "meeting_id",
    "meeting_password",
    "meeting_url",
    "external_calendar_id",
    "deleted",
    "credential_id",
)


async def update_reference(
    session: AsyncSession, reference_id: int, fields: ReferenceFields, *, organizer_id: int | None
) -> BookingReference:
    row = await get_reference(session, reference_id)
    if row.deleted:
        raise NotFound(f"Booking reference with id: {reference_id} not found")
    if "booking_id" in fields.given:
        if fields.booking_id is None:
            raise BadRequest("bookingId cannot be null")
        await _check_booking(session, fields.booking_id, organizer_id)
    if "credential_id" in fields.given and fields.credential_id is not None:
        await _check_credential(session, fields.credential_id, organizer_id)
    for column in _REFERENCE_COLUMNS:
        if column in fields.given:
            value = getattr(fields, column)
            if column in ("type", "uid") and not value:
                raise BadRequest(f"{column} cannot be empty")
            setattr(row, column, value)
    await session.flush()
    return row


async def delete_reference(session: AsyncSession, reference_id: int) -> None:
    row = await get_reference(session, reference_id)
    await session.delete(row)
    await session.flush()


# ---------------------------------------------------------------- busy times on request


async def busy_times(
    session: AsyncSession, user_id: int, query: BusyTimesQuery, *, config: CalendarSettings
) -> BusyTimes:
    """``GET /v2/calendars/busy-times``: the named calendars' busy times, fetched now (every calendar
    at once, each within ``CALAPI_CALENDAR_TIMEOUT``). A calendar that fails answers with its cached
    busy times, if it is selected, and is named stale — this never fails for a calendar's sake."""
    host_zone = await session.scalar(select(User.time_zone).where(User.id == user_id)) or "UTC"
    pairs = {(ref.credential_id or 0, ref.external_id) for ref in query.calendars}
    found = {
        (credential.id, calendar.external_id): (credential, calendar)
        for credential, calendar in (
            await session.execute(
                select(CalendarCredential, ExternalCalendar)
                .join(ExternalCalendar, ExternalCalendar.credential_id == CalendarCredential.id)
                .where(tuple_(CalendarCredential.id, ExternalCalendar.external_id).in_(list(pairs)))
            )
        ).all()
    }
    sources: list[tuple[str, fetch.Source | None, ExternalCalendar]] = []
    for ref in query.calendars:
        match = found.get((ref.credential_id or 0, ref.external_id))
        if match is None or match[0].user_id != user_id:
            raise Unauthorized("These credentials do not belong to you")
        credential, calendar = match
        try:
            source: fetch.Source | None = fetch.open_secrets(credential, config).source(
                calendar.external_id, time_zone=calendar.time_zone
            )
        except (SecretUnreadable, CalendarUnreachable):
            source = None
        sources.append((calendar.name or calendar.external_id, source, calendar))
    cached = {
        row.calendar_id: row
        for row in (
            await session.scalars(
                select(CalendarBusy).where(CalendarBusy.calendar_id.in_([c.id for _, _, c in sources]))
            )
        ).all()
    }

    async def one(name: str, source: fetch.Source | None, calendar: ExternalCalendar) -> tuple[list[BusyTime], bool]:
        try:
            if source is None:
                raise CalendarUnreachable("the connection's secret cannot be read")
            got = await fetch.busy(source, query.start, query.end, host_zone=host_zone, config=config)
            intervals = got.intervals or []
            fresh = True
        except (CalendarUnreachable, CredentialsRefused, ical.CalendarDataError):
            row = cached.get(calendar.id)
            low, high = int(query.start.timestamp()), int(query.end.timestamp())
            intervals = [(s, e) for s, e in (row.intervals if row else []) if s < high and e > low]
            fresh = False
        times = [
            BusyTime(datetime.fromtimestamp(s, tz=UTC), datetime.fromtimestamp(e, tz=UTC), name) for s, e in intervals
        ]
        return times, fresh

    answers = await asyncio.gather(*(one(*s) for s in sources))
    times = sorted((t for got, _ in answers for t in got), key=lambda t: (t.start, t.end))
    stale = [name for (name, _, _), (_, fresh) in zip(sources, answers, strict=True) if not fresh]
    return BusyTimes(times, stale)


# ---------------------------------------------------------------- calendar links


async def linked_meeting(session: AsyncSession, uid: str) -> LinkedMeeting:
    """A booking as its calendar links show it (anyone who knows the uid may read a booking)."""
    row = (
        await session.execute(
            select(Booking, EventType.description)
            .outerjoin(EventType, EventType.id == Booking.event_type_id)
            .where(Booking.uid == uid)
        )
    ).first()
    if row is None:
        raise NotFound(f"Booking with uid={uid} not found")
    booking, description = row
    if booking.event_type_id is None:
        raise BadRequest(f"Booking with uid {uid} has no event type")
    return LinkedMeeting(
        uid=booking.uid,
        ical_uid=booking.ical_uid or f"{booking.uid}@calapi",
        title=booking.title,
        start=booking.start_time,
        end=booking.end_time,
        description=description,
        location=booking.location,
    )


__all__ = [
    "LABELS",
    "busy_times",
    "check",
    "connect_caldav",
    "connected",
    "connected_calendars",
    "create_destination",
    "create_reference",
    "delete_destination",
    "delete_reference",
    "destination_owner",
    "disconnect",
    "find_selected",
    "get_destination",
    "get_reference",
    "linked_meeting",
    "list_destinations",
    "list_references",
    "list_selected",
    "move_selected",
    "reference_owner",
    "references_of_booking",
    "save_feeds",
    "select_calendar",
    "set_user_destination",
    "unselect_calendar",
    "update_destination",
    "update_reference",
]
