"""``calendars.write``: bookings into the hosts' calendars, driven by the bookings' domain events.

This room consumes the recorded booking events (``jobs.outbox.consume_events``, registered at
start-up): the dispatch of each event it follows enqueues a write job in the dispatch's own
transaction — so no booking change is missed, a booking create pays nothing for calendars, and the
bookings room knows nothing of calendars. The event's payload is the booking as it was
then (Cal.com's webhook payload); what the job reads besides is this room's own tables.

- created (or confirmed): the meeting is written to the event type's destination calendar, else
  the organizer's, as a VEVENT whose UID is the booking's iCalUID;
- rescheduled: the old booking's event is moved — same UID, same place, SEQUENCE + 1 — and its
  reference passes to the new booking; never a second event;
- one seat rescheduled: the meeting it joins is written (or created); the meeting it left is
  written again with the attendees it keeps, or deleted when that was its last seat (the old
  booking ended);
- reassigned to another host: the event is deleted from the old host's calendar and written to
  the new host's destination (the event type's when it is the new host's, else the new host's
  own), its reference replaced;
- cancelled or rejected: the event is deleted; one seat leaving rewrites the attendee list;
- a create or move that runs after its booking stopped being accepted (a retry that outlived the
  calendar server's outage, the booking since cancelled, rescheduled away or rejected) writes
  nothing and deletes what the booking still has in a calendar: the cancel's delete wins;
- each write is recorded as a booking reference, only once every write of the job succeeded (a
  write is idempotent: the same UID at the same URL), and a failure is retried on the job
  engine's back-off schedule;
- the writes of one booking never run at once (the job engine's serialization keys: the bookings
  a job writes), and each puts the attendees as the database holds them when its job is claimed —
  so seats booked or cancelled together all end up in the event, and the first seats' jobs do not
  each create the event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings.models import Attendee, Booking, BookingStatus
from calapi.calendars import caldav_client, fetch
from calapi.calendars.ical import MeetingEvent, Person, meeting_ics
from calapi.calendars.models import (
    BookingReference,
    CalendarCredential,
    CredentialType,
    DestinationCalendar,
    ExternalCalendar,
)
from calapi.calendars.settings import CalendarSettings
from calapi.db import utcnow
from calapi.jobs import outbox
from calapi.jobs import worker as jobs
from calapi.jobs.models import DomainEvent, Job

WRITE_JOB = "calendars.write"
SERIAL = "meetings"  # the write job's payload field naming the bookings it writes (its serialization keys)
# The booking events (their wire trigger names) that change what a calendar should show.
CREATED, REQUESTED, RESCHEDULED = "BOOKING_CREATED", "BOOKING_REQUESTED", "BOOKING_RESCHEDULED"
CANCELLED, REJECTED, REASSIGNED = "BOOKING_CANCELLED", "BOOKING_REJECTED", "BOOKING_REASSIGNED"
FOLLOWED = (CREATED, REQUESTED, RESCHEDULED, CANCELLED, REJECTED, REASSIGNED)
CALENDAR_TYPES = tuple(t.value for t in CredentialType if t is not CredentialType.ics_feed)
# The writes that put a booking's meeting into a calendar (the others only delete or rewrite).
PUTTING = (CREATED, REQUESTED, RESCHEDULED, REASSIGNED)

log = logging.getLogger("calapi.calendars")


@dataclass(frozen=True)
class Place:
    """A calendar that can be written, with the credential that writes it."""

    credential: CalendarCredential
    external_id: str


@dataclass(frozen=True)
class WriteContext:
    trigger: str
    payload: dict[str, Any]
    destination: Place | None
    current: list[BookingReference]  # this booking's live references
    previous: list[BookingReference]  # the rescheduled booking's live references
    credentials: dict[int, CalendarCredential] = field(default_factory=dict)
    previous_ended: bool = False  # the rescheduled booking is cancelled (a seat move: its last seat left)
    # A seat move out of a meeting that goes on: the attendees that meeting keeps.
    previous_attendees: list[dict[str, Any]] | None = None
    status: str | None = None  # the booking's status when the job was claimed (None: not found)


@dataclass(frozen=True)
class Written:
    """What to record once every write succeeded."""

    new: list[BookingReference] = field(default_factory=list)
    sequence: dict[int, int] = field(default_factory=dict)  # reference id -> SEQUENCE now written
    deleted: list[int] = field(default_factory=list)  # reference ids
    skipped: list[str] = field(default_factory=list)  # why a write put nothing (logged with the job)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) else None


async def load(session: AsyncSession, claimed: list[Job]) -> dict[int, WriteContext]:
    """The batch's events, destinations, references, credentials, the bookings' statuses and
    attendees as they are now: seven statements at most."""
    event_ids = {int(job.payload.get("eventId") or 0): job.id for job in claimed}
    events = (await session.scalars(select(DomainEvent).where(DomainEvent.id.in_(list(event_ids))))).all()
    if not events:
        return {}
    payloads = {event.id: event.payload or {} for event in events}
    owners = {_int((p.get("organizer") or {}).get("id")) for p in payloads.values()} - {None}
    event_type_ids = {_int(p.get("eventTypeId")) for p in payloads.values()} - {None}
    booking_ids = {_int(p.get(key)) for p in payloads.values() for key in ("bookingId", "rescheduleId")} - {None}

    destinations = (
        await session.scalars(
            select(DestinationCalendar)
            .where(
                or_(
                    DestinationCalendar.event_type_id.in_(list(event_type_ids)),
                    and_(DestinationCalendar.user_id.in_(list(owners)), DestinationCalendar.event_type_id.is_(None)),
                )
            )
            .order_by(DestinationCalendar.id)  # an event type's first row wins (as its output shows it)
        )
    ).all()
    references = (
        await session.scalars(
            select(BookingReference).where(
                BookingReference.booking_id.in_(list(booking_ids)),
                BookingReference.deleted.is_(None),
                BookingReference.type.in_(CALENDAR_TYPES),
            )
        )
    ).all()
    credential_ids = {d.credential_id for d in destinations} | {r.credential_id for r in references if r.credential_id}
    credentials = {
        c.id: c
        for c in (
            await session.scalars(select(CalendarCredential).where(CalendarCredential.id.in_(list(credential_ids))))
        ).all()
    }
    read_only = {
        (row.credential_id, row.external_id)
        for row in (
            await session.execute(
                select(ExternalCalendar.credential_id, ExternalCalendar.external_id).where(
                    ExternalCalendar.credential_id.in_(list(credential_ids)), ExternalCalendar.read_only.is_(True)
                )
            )
        ).all()
    }
    previous_ids = {_int(p.get("rescheduleId")) for p in payloads.values() if p.get("seatUid")} - {None}
    current_ids = {_int(p.get("bookingId")) for p in payloads.values()} - {None}
    # The statuses as they are now: a write retried after its booking was cancelled must not put
    # the meeting back (``_Writer.run``).
    statuses: dict[int, str] = {
        row.id: row.status
        for row in (
            await session.execute(
                select(Booking.id, Booking.status).where(Booking.id.in_(list(current_ids | previous_ids)))
            )
        ).all()
    }
    ended = {i for i in previous_ids if statuses.get(i or 0) == BookingStatus.cancelled.value}
    # The attendees as they are now, not as the event saw them: this job holds its meetings (see
    # ``register``), so what it writes carries every seat committed before it was claimed.
    kept: dict[int, list[dict[str, Any]]] = {}
    for person in (
        await session.execute(
            select(Attendee.booking_id, Attendee.name, Attendee.email)
            .where(Attendee.booking_id.in_(list(current_ids | (previous_ids - ended))))
            .order_by(Attendee.id)
        )
    ).all():
        kept.setdefault(person.booking_id, []).append({"name": person.name, "email": person.email})
    for row in (*destinations, *references, *credentials.values()):
        session.expunge(row)

    contexts: dict[int, WriteContext] = {}
    for event in events:
        payload = payloads[event.id]
        owner = _int((payload.get("organizer") or {}).get("id"))
        event_type_id = _int(payload.get("eventTypeId"))
        # A reassigned booking goes to its new host's calendars: an event type's destination only
        # when it is theirs.
        mine = event.trigger != REASSIGNED
        chosen = next(
            (
                d
                for d in destinations
                if event_type_id and d.event_type_id == event_type_id and (mine or d.user_id == owner)
            ),
            None,
        ) or next((d for d in destinations if d.event_type_id is None and d.user_id == owner), None)
        place = None
        if (
            chosen is not None
            and chosen.credential_id in credentials
            and (chosen.credential_id, chosen.external_id) not in read_only
        ):
            place = Place(credentials[chosen.credential_id], chosen.external_id)
        booking_id, previous_id = _int(payload.get("bookingId")), _int(payload.get("rescheduleId"))
        if kept.get(booking_id or 0):
            payload = {**payload, "attendees": kept[booking_id or 0]}
        contexts[event_ids[event.id]] = WriteContext(
            trigger=event.trigger,
            payload=payload,
            destination=place,
            current=[r for r in references if r.booking_id == booking_id],
            previous=[r for r in references if previous_id is not None and r.booking_id == previous_id],
            credentials=credentials,
            previous_ended=previous_id in ended,
            previous_attendees=kept.get(previous_id or 0, [])
            if payload.get("seatUid") and previous_id is not None and previous_id not in ended
            else None,
            status=statuses.get(booking_id) if booking_id is not None else None,
        )
    return contexts


def _instant(text: Any) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def meeting(payload: dict[str, Any], *, uid: str, sequence: int) -> MeetingEvent:
    organizer = payload.get("organizer") or {}
    return MeetingEvent(
        uid=uid,
        sequence=sequence,
        booking_uid=str(payload.get("uid") or ""),
        title=str(payload.get("title") or ""),
        start=_instant(payload["startTime"]),
        end=_instant(payload["endTime"]),
        description=payload.get("description") or None,
        location=payload.get("location") or None,
        organizer=Person(organizer.get("name"), organizer["email"]) if organizer.get("email") else None,
        attendees=[
            Person(a.get("name"), a["email"])
            for a in payload.get("attendees") or []
            if isinstance(a, dict) and a.get("email")
        ],
    )


class _Writer:
    def __init__(self, context: WriteContext, config: CalendarSettings) -> None:
        self.context = context
        self.config = config

    def _account(self, credential: CalendarCredential) -> caldav_client.Account:
        account = fetch.open_secrets(credential, self.config).account
        if account is None:
            raise caldav_client.CalendarUnreachable("an ICS feed cannot receive events")
        return account

    async def put(self, credential: CalendarCredential, calendar: str, event: MeetingEvent) -> None:
        await caldav_client.put_event(
            self._account(credential),
            calendar,
            event.uid,
            meeting_ics(event, stamp=utcnow()),
            timeout=self.config.timeout,
            allow_private=self.config.allow_private,
        )

    async def delete(self, reference: BookingReference) -> None:
        credential = self.context.credentials.get(reference.credential_id or 0)
        if credential is None or not reference.external_calendar_id:
            return  # the account was disconnected: nothing calapi can still reach
        await caldav_client.delete_event(
            self._account(credential),
            reference.external_calendar_id,
            reference.uid,
            timeout=self.config.timeout,
            allow_private=self.config.allow_private,
        )

    async def create(self, written: Written) -> None:
        place = self.context.destination
        payload = self.context.payload
        if place is None:
            return
        uid = str(payload.get("iCalUID") or f"{payload.get('uid')}@calapi")
        await self.put(place.credential, place.external_id, meeting(payload, uid=uid, sequence=0))
        written.new.append(
            BookingReference(
                booking_id=payload["bookingId"],
                type=place.credential.type,
                uid=uid,
                external_calendar_id=place.external_id,
                credential_id=place.credential.id,
                sequence=0,
            )
        )

    async def rewrite(
        self,
        references: list[BookingReference],
        written: Written,
        *,
        move_to: int | None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Write each referenced event again with this payload (or ``payload``; SEQUENCE + 1);
        ``move_to``: the booking the references pass to (a reschedule)."""
        for reference in references:
            credential = self.context.credentials.get(reference.credential_id or 0)
            if credential is None or not reference.external_calendar_id:
                continue
            sequence = reference.sequence + 1
            event = meeting(payload or self.context.payload, uid=reference.uid, sequence=sequence)
            await self.put(credential, reference.external_calendar_id, event)
            if move_to is None:
                written.sequence[reference.id] = sequence
                continue
            written.deleted.append(reference.id)
            written.new.append(
                BookingReference(
                    booking_id=move_to,
                    type=reference.type,
                    uid=reference.uid,
                    external_calendar_id=reference.external_calendar_id,
                    credential_id=reference.credential_id,
                    sequence=sequence,
                )
            )

    async def remove(self, references: list[BookingReference], written: Written) -> None:
        for reference in references:
            await self.delete(reference)
            written.deleted.append(reference.id)

    async def withdraw(self, written: Written) -> None:
        """A create or move whose booking is no longer accepted (its job retried after the calendar
        server came back, the booking cancelled, rescheduled away or rejected meanwhile): the
        later change's delete wins. Put nothing; delete what the booking still has in a calendar —
        and, for a move, the event it was moving (it never reached the new booking). The meeting a
        seat left is still written as it is now."""
        context, payload = self.context, self.context.payload
        seat_change = bool(payload.get("seatUid"))
        written.skipped.append(f"booking {payload.get('bookingId')} is {context.status} now")
        await self.remove(context.current, written)
        if context.trigger in (RESCHEDULED, REQUESTED) and payload.get("rescheduleUid"):
            if not seat_change or context.previous_ended:
                await self.remove(context.previous, written)
            elif context.previous_attendees is not None:
                await self.rewrite(context.previous, written, move_to=None, payload=self._left())

    def _left(self) -> dict[str, Any]:
        """The meeting a seat left, with the attendees it keeps."""
        payload = self.context.payload
        return {
            **payload,
            "uid": payload.get("rescheduleUid"),
            "startTime": payload.get("rescheduleStartTime"),
            "endTime": payload.get("rescheduleEndTime"),
            "attendees": self.context.previous_attendees,
        }

    async def run(self) -> Written:
        context, payload, written = self.context, self.context.payload, Written()
        accepted = str(payload.get("status") or "").upper() == "ACCEPTED"
        seat_change = bool(payload.get("seatUid"))
        if (
            context.trigger in PUTTING
            and accepted
            and context.status is not None
            and context.status != BookingStatus.accepted.value
        ):
            await self.withdraw(written)
        elif context.trigger == CREATED and accepted:
            if context.current:
                await self.rewrite(context.current, written, move_to=None)
            else:
                await self.create(written)
        elif context.trigger in (RESCHEDULED, REQUESTED) and payload.get("rescheduleUid"):
            if not accepted:
                await self.remove(context.previous, written)  # back in the calendar once confirmed
            elif context.current:
                await self.rewrite(context.current, written, move_to=None)
            elif context.previous and not seat_change:
                await self.rewrite(context.previous, written, move_to=payload["bookingId"])
            else:
                await self.create(written)
            if accepted and seat_change and context.previous_ended:
                await self.remove(context.previous, written)  # the meeting the last seat left
            elif accepted and context.previous_attendees is not None:
                # The meeting the seat left goes on, without it.
                await self.rewrite(context.previous, written, move_to=None, payload=self._left())
        elif context.trigger == REASSIGNED:
            await self.remove(context.current, written)
            if accepted:
                await self.create(written)
        elif context.trigger == CANCELLED:
            if seat_change:
                await self.rewrite(context.current, written, move_to=None)
            else:
                await self.remove(context.current, written)
        elif context.trigger == REJECTED:
            await self.remove(context.current, written)
        return written


async def write_references(session: AsyncSession, written: Written) -> None:
    for reference_id, sequence in written.sequence.items():
        await session.execute(
            update(BookingReference).where(BookingReference.id == reference_id).values(sequence=sequence)
        )
    if written.deleted:
        await session.execute(
            update(BookingReference).where(BookingReference.id.in_(written.deleted)).values(deleted=True)
        )
    session.add_all(written.new)
    await session.flush()


def register(config: CalendarSettings) -> None:
    async def perform(job: Job, context: WriteContext | None) -> jobs.Record | None:
        if context is None:
            return None
        written = await _Writer(context, config).run()  # raises: the job engine retries it
        if written.skipped:
            log.info(
                "job %s (%s, %s): %s; nothing written, %s stale event(s) deleted",
                job.id,
                WRITE_JOB,
                context.trigger,
                "; ".join(written.skipped),
                len(written.deleted),
            )
        if not (written.new or written.sequence or written.deleted):
            return None

        async def record(session: AsyncSession) -> None:
            await write_references(session, written)

        return record

    jobs.register(
        WRITE_JOB,
        jobs.Handler(
            load=load,
            perform=perform,
            backoff=(timedelta(seconds=5), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30)),
            # Each write puts a meeting's whole event (its attendee list): two writes of one meeting
            # at once (seats booked or cancelled together) could each read before the other wrote,
            # and the later write would drop a seat. The bookings a job writes are its keys.
            serial_field=SERIAL,
        ),
    )

    async def follow_bookings(session: AsyncSession, _dispatch: Job, event: DomainEvent | None) -> None:
        if event is not None and event.trigger in FOLLOWED:
            payload = event.payload or {}
            meetings = {i for key in ("bookingId", "rescheduleId") if (i := _int(payload.get(key))) is not None}
            jobs.enqueue(session, WRITE_JOB, {"eventId": event.id, SERIAL: [f"booking:{i}" for i in sorted(meetings)]})

    outbox.consume_events("calendars", follow_bookings)
