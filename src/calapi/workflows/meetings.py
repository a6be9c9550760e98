"""Bookings as messages see them: loaded in a fixed number of queries for any number of bookings,
and turned into the notifications room's ``Meeting`` for one recipient.

A meeting keeps its calendar identity across reschedules: a rescheduled booking is a new row
that names the one it replaced (``from_reschedule``), so the chain is walked back to the first
booking, whose ``ical_uid`` is the meeting's UID; each step back is one more SEQUENCE.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from calapi.bookings import attendees as booking_attendees
from calapi.bookings.models import Attendee, Booking, BookingHost, BookingSeat
from calapi.event_types.models import EventType
from calapi.notifications.facts import Meeting, Person, Repeats
from calapi.notifications.sms import normalize_phone
from calapi.users.models import User

_CHAIN_LIMIT = 500  # reschedules of one meeting followed back (a guard against a cycle)


@dataclass(frozen=True)
class BookingContext:
    booking: Booking
    attendees: tuple[Attendee, ...]  # the booker first, then guests (co-hosts' rows left out)
    organizer: User | None
    co_hosts: tuple[User, ...]
    event_type: EventType | None
    team_id: int | None  # the event type's team (a managed child's: its parent's)
    parent_id: int | None
    ical_uid: str
    ical_sequence: int

    @property
    def seats_hidden(self) -> bool:
        """A seated meeting whose seat holders do not see each other."""
        et = self.event_type
        return bool(et and et.seats_per_time_slot and not (et.seats or {}).get("showAttendeeInfo", False))


async def _calendar_identity(session: AsyncSession, uids: Collection[str]) -> dict[str, tuple[str, int]]:
    """uid → (the first booking's iCal UID, reschedules since): one recursive query."""
    step = aliased(Booking)
    chain = (
        select(
            Booking.uid.label("uid"),
            Booking.uid.label("root"),
            Booking.ical_uid.label("ical"),
            Booking.from_reschedule.label("up"),
            literal(0).label("depth"),
        )
        .where(Booking.uid.in_(list(uids)))
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(chain.c.uid, step.uid, step.ical_uid, step.from_reschedule, chain.c.depth + 1)
        .join(step, step.uid == chain.c.up)
        .where(chain.c.depth < _CHAIN_LIMIT)
    )
    deepest = select(chain.c.uid, func.max(chain.c.depth).label("depth")).group_by(chain.c.uid).subquery()
    rows = (
        await session.execute(
            select(chain.c.uid, chain.c.root, chain.c.ical, chain.c.depth).join(
                deepest, (deepest.c.uid == chain.c.uid) & (deepest.c.depth == chain.c.depth)
            )
        )
    ).all()
    return {row.uid: (row.ical or f"{row.root}@calapi", int(row.depth)) for row in rows}


async def load(
    session: AsyncSession, uids: Collection[str], *, calendar_identity: bool = True
) -> dict[str, BookingContext]:
    """The bookings with these uids, and everything their messages need (six queries in all)."""
    if not uids:
        return {}
    bookings = list((await session.scalars(select(Booking).where(Booking.uid.in_(list(uids))))).all())
    if not bookings:
        return {}
    ids = [b.id for b in bookings]
    attendees = await booking_attendees.of_bookings(session, ids)
    host_rows = (
        await session.execute(
            select(BookingHost.booking_id, BookingHost.user_id).where(BookingHost.booking_id.in_(ids))
        )
    ).all()
    user_ids = {b.user_id for b in bookings} | {row.user_id for row in host_rows}
    users = {u.id: u for u in (await session.scalars(select(User).where(User.id.in_(user_ids)))).all()}
    parent = aliased(EventType)
    type_ids = {b.event_type_id for b in bookings if b.event_type_id is not None}
    types: dict[int, tuple[EventType, int | None]] = {}
    if type_ids:
        for row_type, parent_team in (
            await session.execute(
                select(EventType, parent.team_id)
                .outerjoin(parent, parent.id == EventType.parent_id)
                .where(EventType.id.in_(type_ids))
            )
        ).all():
            types[row_type.id] = (row_type, row_type.team_id if row_type.team_id is not None else parent_team)
    # Planning reminders needs no calendar identity (sending reads it again): one query saved.
    identity = await _calendar_identity(session, [b.uid for b in bookings]) if calendar_identity else {}
    co_hosts_of: dict[int, list[User]] = {}
    for row in host_rows:
        if row.user_id in users:
            co_hosts_of.setdefault(row.booking_id, []).append(users[row.user_id])
    out: dict[str, BookingContext] = {}
    for booking in bookings:
        co_hosts = tuple(co_hosts_of.get(booking.id, []))
        host_emails = {u.email.lower() for u in co_hosts}
        found = types.get(booking.event_type_id) if booking.event_type_id is not None else None
        event_type = found[0] if found is not None else None
        team_id = found[1] if found is not None else None
        ical_uid, sequence = identity.get(booking.uid, (booking.ical_uid or f"{booking.uid}@calapi", 0))
        out[booking.uid] = BookingContext(
            booking=booking,
            attendees=tuple(a for a in attendees.get(booking.id, []) if a.email.lower() not in host_emails),
            organizer=users.get(booking.user_id),
            co_hosts=co_hosts,
            event_type=event_type,
            team_id=team_id,
            parent_id=event_type.parent_id if event_type is not None else None,
            ical_uid=ical_uid,
            ical_sequence=sequence,
        )
    return out


async def seat_attendee_ids(session: AsyncSession, seat_uids: Collection[str]) -> dict[str, int]:
    """seatUid → the attendee holding it."""
    if not seat_uids:
        return {}
    rows = (
        await session.execute(
            select(BookingSeat.reference_uid, BookingSeat.attendee_id).where(
                BookingSeat.reference_uid.in_(list(seat_uids))
            )
        )
    ).all()
    return {row.reference_uid: row.attendee_id for row in rows}


# ---------------------------------------------------------------- people and meetings


def user_person(user: User) -> Person:
    return Person(
        name=user.name or user.username or user.email,
        email=user.email,
        time_zone=user.time_zone,
        locale=user.locale or "en",
        time_format=user.time_format or 12,
    )


def attendee_phone(context: BookingContext, attendee: Attendee) -> str | None:
    """The attendee's number for text messages: theirs, or (the booker) the one given when booking."""
    if attendee.phone_number:
        return normalize_phone(attendee.phone_number)
    if context.attendees and attendee is context.attendees[0]:
        responses = context.booking.responses or {}
        for field in ("attendeePhoneNumber", "smsReminderNumber"):
            value = responses.get(field)
            if isinstance(value, str) and normalize_phone(value):
                return normalize_phone(value)
    return None


def attendee_person(context: BookingContext, attendee: Attendee) -> Person:
    return Person(
        name=attendee.name,
        email=attendee.email,
        time_zone=attendee.time_zone,
        locale=attendee.locale or "en",
        phone=attendee_phone(context, attendee),
    )


def organizer_person(context: BookingContext) -> Person:
    if context.organizer is not None:
        return user_person(context.organizer)
    return Person(name="", email="", time_zone="UTC")


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


_LOCATION_LABELS = {
    "integrations:daily": "Cal Video",
    "integrations:google:meet": "Google Meet",
    "integrations:zoom": "Zoom",
    "integrations:office365_video": "Microsoft Teams",
}


def location_label(location: str | None) -> str | None:
    """A location as a person reads it: an app's name instead of its stored key."""
    if not location:
        return None
    if location in _LOCATION_LABELS:
        return _LOCATION_LABELS[location]
    if location.startswith("integrations:"):
        return location.removeprefix("integrations:").replace("_", " ").replace(":", " ").title()
    return location


def _meeting_url(booking: Booking) -> str | None:
    location = booking.location or ""
    if location.startswith(("https://", "http://")):
        return location
    url = (booking.booking_metadata or {}).get("videoCallUrl")
    return url if isinstance(url, str) else None


def meeting(context: BookingContext, *, public_url: str, extra: Mapping[str, Any] | None = None) -> Meeting:
    """The booking as its messages describe it; ``extra``: what the event that caused the message
    added (a rescheduled meeting's old times, a seat's cancellation reason)."""
    booking = context.booking
    extra = extra or {}
    responses = dict(booking.responses or {})
    notes = responses.get("notes")
    links = bool(public_url)
    return Meeting(
        uid=booking.uid,
        title=booking.title,
        event_type_title=context.event_type.title if context.event_type else booking.title,
        start=booking.start_time,
        end=booking.end_time,
        organizer=organizer_person(context),
        attendees=tuple(attendee_person(context, a) for a in context.attendees),
        hosts=tuple(user_person(u) for u in context.co_hosts),
        location=location_label(booking.location),
        description=booking.description,
        additional_notes=notes if isinstance(notes, str) else None,
        meeting_url=_meeting_url(booking),
        cancel_url=f"{public_url}/booking/{booking.uid}?cancel=true" if links else None,
        reschedule_url=f"{public_url}/reschedule/{booking.uid}" if links else None,
        cancellation_reason=extra.get("cancellationReason") or booking.cancellation_reason,
        rejection_reason=booking.rejection_reason,
        reschedule_reason=responses.get("rescheduledReason")
        if isinstance(responses.get("rescheduledReason"), str)
        else None,
        previous_start=_instant(extra.get("previousStart")),
        previous_end=_instant(extra.get("previousEnd")),
        responses=responses,
        ical_uid=context.ical_uid,
        ical_sequence=context.ical_sequence,
        tentative=booking.status == "pending",
        repeats=_repeats(extra.get("repeats")),
    )


def _repeats(given: Any) -> Repeats | None:
    if not isinstance(given, dict):
        return None
    return Repeats(str(given["frequency"]), int(given["interval"]), int(given["count"]))
