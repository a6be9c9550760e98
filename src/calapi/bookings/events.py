"""Booking domain events in the outbox: Cal.com's webhook payload, built from the rows as stored.

Everything here runs inside the caller's transaction: the event rows exist if and only if the
booking change commits (architecture invariant 4).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings import attendees as booking_attendees
from calapi.bookings.models import Attendee, Booking
from calapi.core.envelopes import iso_ms
from calapi.core.limits import EMAIL_MAX_LENGTH, LOCATION_MAX_LENGTH, InputLimits
from calapi.core.wire import METADATA_MAX_KEY_LENGTH, METADATA_MAX_KEYS, METADATA_MAX_VALUE_LENGTH
from calapi.event_types import pricing
from calapi.event_types.models import EventType
from calapi.jobs.models import DomainEvent, Job, JobStatus
from calapi.jobs.outbox import DISPATCH_JOB, NewEvent, record_events
from calapi.users.models import User

BOOKING_CREATED = "BOOKING_CREATED"
BOOKING_REQUESTED = "BOOKING_REQUESTED"
BOOKING_CANCELLED = "BOOKING_CANCELLED"
BOOKING_RESCHEDULED = "BOOKING_RESCHEDULED"
BOOKING_REJECTED = "BOOKING_REJECTED"
BOOKING_NO_SHOW_UPDATED = "BOOKING_NO_SHOW_UPDATED"
BOOKING_LOCATION_UPDATED = "BOOKING_LOCATION_UPDATED"
BOOKING_REASSIGNED = "BOOKING_REASSIGNED"
MEETING_STARTED = "MEETING_STARTED"
MEETING_ENDED = "MEETING_ENDED"
MEETING_TRIGGERS = (MEETING_STARTED, MEETING_ENDED)


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first, last


def _organizer(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "username": user.username,
        "usernameInOrg": None,
        "timeZone": user.time_zone,
        "language": {"locale": user.locale or "en"},
        "timeFormat": "h:mma" if user.time_format == 12 else "HH:mm",
    }


def _attendee(attendee: Attendee) -> dict[str, Any]:
    first, last = _split_name(attendee.name)
    out: dict[str, Any] = {
        "email": attendee.email,
        "name": attendee.name,
        "firstName": first,
        "lastName": last,
        "timeZone": attendee.time_zone,
        "language": {"locale": attendee.locale or "en"},
    }
    if attendee.phone_number:
        out["phoneNumber"] = attendee.phone_number
    return out


def _responses(responses: dict[str, Any], fields: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``{name: {label, value, isHidden}}`` — Cal.com's webhook form of the booker's answers."""
    by_slug = {f.get("slug"): f for f in fields}
    out: dict[str, Any] = {}
    for name, value in responses.items():
        spec = by_slug.get(name, {})
        out[name] = {"label": spec.get("label") or name, "value": value, "isHidden": bool(spec.get("hidden", False))}
    return out


def booking_payload(
    booking: Booking,
    *,
    attendees: Sequence[Attendee],
    organizer: User | None,
    event_type: EventType | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``payload`` of a booking webhook (version 2021-10-20, webhooks doc §2.3)."""
    responses = booking.responses or {}
    settings = (event_type.settings if event_type else None) or {}
    seats = (event_type.seats if event_type else None) or {}
    metadata = dict(booking.booking_metadata or {})
    notes = responses.get("notes")
    payload: dict[str, Any] = {
        "bookingId": booking.id,
        "uid": booking.uid,
        "eventTypeId": booking.event_type_id,
        "type": event_type.slug if event_type else None,
        "title": booking.title,
        "eventTitle": event_type.title if event_type else None,
        "eventDescription": event_type.description if event_type else None,
        "description": booking.description if booking.description is not None else notes,
        "additionalNotes": notes,
        "iCalUID": booking.ical_uid,
        "iCalSequence": 0,
        "startTime": iso_ms(booking.start_time),
        "endTime": iso_ms(booking.end_time),
        "length": int((booking.end_time - booking.start_time).total_seconds() // 60),
        "organizer": _organizer(organizer),
        "attendees": [_attendee(a) for a in attendees],
        "responses": _responses(responses, (event_type.booking_fields if event_type else None) or []),
        "userFieldsResponses": {},
        "customInputs": {},
        "location": booking.location,
        "metadata": metadata,
        "requiresConfirmation": bool(event_type.requires_confirmation) if event_type else False,
        "hideCalendarNotes": bool(settings.get("hideCalendarNotes", False)),
        "hideCalendarEventDetails": bool(settings.get("hideCalendarEventDetails", False)),
        "hideOrganizerEmail": bool(settings.get("hideOrganizerEmail", False)),
        "schedulingType": None,
        "seatsPerTimeSlot": event_type.seats_per_time_slot if event_type else None,
        "seatsShowAttendees": bool(seats.get("showAttendeeInfo", False)),
        "seatsShowAvailabilityCount": bool(seats.get("showAvailabilityCount", False)),
        "price": pricing.shown_price(event_type.event_metadata if event_type else None)[0],
        "currency": pricing.shown_price(event_type.event_metadata if event_type else None)[1],
        "status": booking.status.upper(),
        "cancellationReason": booking.cancellation_reason,
        "rejectionReason": booking.rejection_reason,
        "cancelledBy": booking.cancelled_by_email,
        "rescheduledBy": booking.rescheduled_by_email,
        "smsReminderNumber": responses.get("smsReminderNumber"),
    }
    if booking.recurring_event_id:
        payload["recurringEventId"] = booking.recurring_event_id
    if extra:
        payload.update(extra)
    return payload


def meeting_payload(booking: Booking, *, attendees: Sequence[Attendee], organizer: User | None) -> dict[str, Any]:
    """MEETING_STARTED / MEETING_ENDED: Cal.com sends the raw booking row, flat (webhooks doc §2.3)."""
    return {
        "id": booking.id,
        "uid": booking.uid,
        "userId": booking.user_id,
        "eventTypeId": booking.event_type_id,
        "title": booking.title,
        "description": booking.description,
        "startTime": iso_ms(booking.start_time),
        "endTime": iso_ms(booking.end_time),
        "status": booking.status.upper(),
        "location": booking.location,
        "metadata": booking.booking_metadata or {},
        "responses": booking.responses or {},
        "createdAt": iso_ms(booking.created_at),
        "user": _organizer(organizer),
        "attendees": [_attendee(a) for a in attendees],
    }


def rescheduled_from(old: Booking, rescheduled_by: str | None, **more: Any) -> dict[str, Any]:
    """What a BOOKING_RESCHEDULED (or REQUESTED) event tells of the booking it replaces."""
    return {
        "rescheduleId": old.id,
        "rescheduleUid": old.uid,
        "rescheduleStartTime": iso_ms(old.start_time),
        "rescheduleEndTime": iso_ms(old.end_time),
        "rescheduledBy": rescheduled_by,
        **more,
    }


def reassigned_to(previous: User | None, new_host: User, *, reason: str | None, manual: bool) -> dict[str, Any]:
    """What a BOOKING_REASSIGNED event adds to the booking's payload."""
    return {
        "reassignedFrom": {"id": previous.id, "name": previous.name, "email": previous.email} if previous else None,
        "reassignedTo": {"id": new_host.id, "name": new_host.name, "email": new_host.email},
        "reassignReason": reason,
        "reassignType": "manual" if manual else "automatic",
    }


def no_show_payload(booking: Booking, marks: Sequence[tuple[str, bool]], *, host: bool | None) -> dict[str, Any]:
    """BOOKING_NO_SHOW_UPDATED's small payload: the attendees' flags as asked (email, absent)."""
    payload: dict[str, Any] = {
        "bookingUid": booking.uid,
        "bookingId": booking.id,
        "message": "No-show status updated",
        "attendees": [{"email": email, "noShow": absent} for email, absent in marks],
    }
    if host is not None:
        payload["noShowHost"] = host
    return payload


def largest_payloads(limits: InputLimits) -> list[dict[str, Any]]:
    """A booking event's payload and a meeting event's, for a booking whose every input is as
    long as the limits allow (plain ASCII): what a webhook's template is tried against when saved."""

    def text(length: int, mark: str = "x") -> str:
        return (mark * length)[:length]

    def email(n: int) -> str:
        domain = "@example.com"
        return text(EMAIL_MAX_LENGTH - len(domain) - len(str(n)), "g") + str(n) + domain

    start = datetime(2050, 1, 3, 9, tzinfo=UTC)
    notes = text(limits.max_text_length, "n")
    guests = [email(n) for n in range(limits.max_guests)]
    responses: dict[str, Any] = {
        "name": text(limits.max_name_length),
        "email": email(0),
        "guests": guests,
        "notes": notes,
        "location": {"value": "link", "optionValue": text(LOCATION_MAX_LENGTH, "l")},
    }
    # The remaining keys share what is left of the byte budget.
    spare_keys = max(limits.max_response_keys - len(responses), 0)
    spare_bytes = max(limits.max_responses_bytes - len(json.dumps(responses)), 0)
    each = max(spare_bytes // spare_keys - 12, 0) if spare_keys else 0
    for n in range(spare_keys):
        responses[f"field{n}"] = text(min(each, limits.max_text_length), "r")
    metadata = {
        text(METADATA_MAX_KEY_LENGTH - 3, "k") + f"{n:03}": text(METADATA_MAX_VALUE_LENGTH, "m")
        for n in range(METADATA_MAX_KEYS)
    }
    organizer = User(
        id=1,
        name=text(255, "o"),
        email=email(0),
        username=text(64, "u"),
        time_zone="America/Argentina/ComodRivadavia",
        locale="en",
        time_format=24,
    )
    event_type = EventType(
        id=1, slug=text(255, "s"), title=text(255, "t"), description=text(10_000, "d"), booking_fields=[]
    )
    booking = Booking(
        id=1,
        uid=text(22, "b"),
        user_id=1,
        event_type_id=1,
        title=text(512, "t"),
        description=notes,
        start_time=start,
        end_time=start + timedelta(minutes=30),
        status="accepted",
        location=text(LOCATION_MAX_LENGTH, "l"),
        responses=responses,
        booking_metadata=metadata,
        ical_uid=text(40, "i"),
        recurring_event_id=text(36, "e"),
        cancellation_reason=text(limits.max_text_length, "c"),
        rejection_reason=text(limits.max_text_length, "j"),
        cancelled_by_email=email(0),
        rescheduled_by_email=email(0),
        created_at=start,
    )
    attendees = [
        Attendee(
            name=text(limits.max_name_length, "a"),
            email=email(n),
            time_zone="America/Argentina/ComodRivadavia",
            locale="en",
        )
        for n in range(limits.max_guests + 1)
    ]
    return [
        booking_payload(booking, attendees=attendees, organizer=organizer, event_type=event_type),
        meeting_payload(booking, attendees=attendees, organizer=organizer),
    ]


async def _load_context(
    session: AsyncSession, booking: Booking
) -> tuple[list[Attendee], User | None, EventType | None]:
    attendees = await booking_attendees.of_booking(session, booking.id)
    organizer = await session.get(User, booking.user_id)
    event_type = await session.get(EventType, booking.event_type_id) if booking.event_type_id is not None else None
    return attendees, organizer, event_type


def booking_event(
    trigger: str,
    booking: Booking,
    *,
    attendees: Sequence[Attendee],
    organizer: User | None,
    event_type: EventType | None,
    extra: dict[str, Any] | None = None,
) -> NewEvent:
    """A booking event built from rows the caller holds (flushed: the payload carries the ids)."""
    payload = booking_payload(booking, attendees=attendees, organizer=organizer, event_type=event_type, extra=extra)
    return NewEvent(
        trigger, payload, subject_uid=booking.uid, owner_user_id=booking.user_id, event_type_id=booking.event_type_id
    )


def meeting_events(booking: Booking, *, attendees: Sequence[Attendee], organizer: User | None) -> list[NewEvent]:
    """MEETING_STARTED at the booking's start and MEETING_ENDED at its end (deferred dispatch)."""
    payload = meeting_payload(booking, attendees=attendees, organizer=organizer)
    return [
        NewEvent(
            trigger,
            payload,
            subject_uid=booking.uid,
            owner_user_id=booking.user_id,
            event_type_id=booking.event_type_id,
            dispatch_at=at,
        )
        for trigger, at in ((MEETING_STARTED, booking.start_time), (MEETING_ENDED, booking.end_time))
    ]


async def record_booking_event(
    session: AsyncSession,
    trigger: str,
    booking: Booking,
    *,
    extra: dict[str, Any] | None = None,
    attendees: Sequence[Attendee] | None = None,
    organizer: User | None = None,
    event_type: EventType | None = None,
) -> None:
    """Flush, build the payload from the rows as they now stand, write the event + its dispatch job.

    ``attendees`` / ``organizer`` / ``event_type`` may be passed by a caller that holds them
    already (saves three reads); otherwise they are loaded.
    """
    await session.flush()
    if attendees is None or organizer is None or (event_type is None and booking.event_type_id is not None):
        attendees, organizer, event_type = await _load_context(session, booking)
    event = booking_event(
        trigger, booking, attendees=attendees, organizer=organizer, event_type=event_type, extra=extra
    )
    await record_events(session, [event])


async def schedule_meeting_events(
    session: AsyncSession,
    booking: Booking,
    *,
    attendees: Sequence[Attendee] | None = None,
    organizer: User | None = None,
) -> None:
    """Record MEETING_STARTED and MEETING_ENDED for a booking (loading what the caller lacks)."""
    await session.flush()
    if attendees is None or organizer is None:
        attendees, organizer, _ = await _load_context(session, booking)
    await record_events(session, meeting_events(booking, attendees=attendees, organizer=organizer))


async def cancel_meeting_events(session: AsyncSession, booking_uid: str) -> int:
    """Drop the booking's MEETING_* events not dispatched yet, with their jobs; returns how many.

    An event whose dispatch job already ran (or is running) is history and stays.
    """
    event_ids = list(
        (
            await session.scalars(
                select(DomainEvent.id).where(
                    DomainEvent.subject_uid == booking_uid, DomainEvent.trigger.in_(MEETING_TRIGGERS)
                )
            )
        ).all()
    )
    if not event_ids:
        return 0
    pending = (
        await session.execute(
            select(Job.id, Job.payload).where(
                Job.kind == DISPATCH_JOB,
                Job.status == JobStatus.pending.value,
                Job.payload["eventId"].as_integer().in_(event_ids),
            )
        )
    ).all()
    if not pending:
        return 0
    job_ids = [row.id for row in pending]
    undelivered = [row.payload["eventId"] for row in pending]
    await session.execute(delete(Job).where(Job.id.in_(job_ids)))
    await session.execute(delete(DomainEvent).where(DomainEvent.id.in_(undelivered)))
    return len(undelivered)
