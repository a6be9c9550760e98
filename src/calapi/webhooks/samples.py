"""A sample payload for every trigger: what a payload template is previewed against.

Booking triggers are built by the same functions that build a real delivery's payload
(``calapi.bookings.events``), run on a sample booking that is never stored, so a preview has the
real shape. Triggers this server does not send yet get the shape Cal.com documents for them
(``sent_here`` is False), so a template can be written ahead of the feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from calapi.bookings import events
from calapi.bookings.models import Attendee, Booking
from calapi.core.envelopes import iso_ms
from calapi.event_types.models import EventType
from calapi.users.models import User
from calapi.webhooks.delivery import ping_payload
from calapi.webhooks.triggers import ALL_TRIGGERS, PING

# The triggers some part of this server sends today (bookings and their scheduled meeting events).
SENT_HERE = frozenset(
    {
        events.BOOKING_CREATED,
        events.BOOKING_REQUESTED,
        events.BOOKING_CANCELLED,
        events.BOOKING_RESCHEDULED,
        events.BOOKING_REJECTED,
        events.BOOKING_NO_SHOW_UPDATED,
        events.BOOKING_LOCATION_UPDATED,
        events.BOOKING_REASSIGNED,
        events.MEETING_STARTED,
        events.MEETING_ENDED,
        PING,
    }
)
PREVIEW_TRIGGERS: tuple[str, ...] = (*ALL_TRIGGERS, PING)


@dataclass(frozen=True)
class Sample:
    trigger: str
    payload: dict[str, Any]
    sent_here: bool  # False: this server does not send the trigger yet; the shape is Cal.com's documented one


@dataclass(frozen=True)
class _Booking:
    booking: Booking
    attendees: tuple[Attendee, ...]
    organizer: User
    event_type: EventType
    second_host: User


def _sample_booking(now: datetime, *, status: str = "accepted") -> _Booking:
    start = (now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    organizer = User(
        id=1,
        name="Alex Organizer",
        email="alex@example.com",
        username="alex",
        time_zone="Europe/London",
        locale="en",
        time_format=24,
    )
    second_host = User(id=2, name="Sam Host", email="sam@example.com", username="sam", time_zone="Europe/Paris")
    event_type = EventType(
        id=10,
        slug="intro-call",
        title="Intro call",
        description="A first 30-minute call.",
        length_in_minutes=30,
        booking_fields=[{"slug": "notes", "label": "Additional notes"}],
        requires_confirmation=status == "pending",
    )
    booking = Booking(
        id=100,
        uid="sampleBookingUid0000001",
        user_id=organizer.id,
        event_type_id=event_type.id,
        title="Intro call between Alex Organizer and Jordan Guest",
        description="Looking forward to it.",
        start_time=start,
        end_time=start + timedelta(minutes=30),
        status=status,
        location="https://meet.example.com/intro",
        responses={"name": "Jordan Guest", "email": "jordan@example.com", "notes": "Looking forward to it."},
        booking_metadata={},
        ical_uid="sampleBookingUid0000001@calapi",
        created_at=now,
    )
    attendees = (Attendee(name="Jordan Guest", email="jordan@example.com", time_zone="America/New_York", locale="en"),)
    return _Booking(booking, attendees, organizer, event_type, second_host)


def _booking(sample: _Booking, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return events.booking_payload(
        sample.booking,
        attendees=sample.attendees,
        organizer=sample.organizer,
        event_type=sample.event_type,
        extra=extra,
    )


def _booking_sample(trigger: str, now: datetime) -> dict[str, Any]:
    """Booking triggers, as ``calapi.bookings.service`` records them."""
    if trigger == events.BOOKING_REQUESTED:
        return _booking(_sample_booking(now, status="pending"))
    if trigger == events.BOOKING_REJECTED:
        sample = _sample_booking(now, status="rejected")
        sample.booking.rejection_reason = "The time no longer suits the host."
        return _booking(sample)
    sample = _sample_booking(now)
    booking = sample.booking
    if trigger == events.BOOKING_CANCELLED:
        booking.status = "cancelled"
        booking.cancellation_reason = "Something came up."
        booking.cancelled_by_email = "jordan@example.com"
        return _booking(sample)
    if trigger == events.BOOKING_RESCHEDULED:
        old = _sample_booking(now - timedelta(days=1)).booking
        old.id, old.uid = 99, "sampleBookingUid0000000"
        return _booking(sample, events.rescheduled_from(old, "jordan@example.com"))
    if trigger == events.BOOKING_LOCATION_UPDATED:
        return _booking(sample, {"previousLocation": "https://meet.example.com/old-room"})
    if trigger == events.BOOKING_REASSIGNED:
        booking.user_id = sample.second_host.id
        reassigned = _booking_of(sample, organizer=sample.second_host)
        return _booking(
            reassigned, events.reassigned_to(sample.organizer, sample.second_host, reason="Out sick", manual=True)
        )
    if trigger == events.BOOKING_NO_SHOW_UPDATED:
        return events.no_show_payload(booking, [(a.email, True) for a in sample.attendees], host=None)
    if trigger in events.MEETING_TRIGGERS:
        return events.meeting_payload(booking, attendees=sample.attendees, organizer=sample.organizer)
    return _booking(sample)


def _booking_of(sample: _Booking, *, organizer: User) -> _Booking:
    return _Booking(sample.booking, sample.attendees, organizer, sample.event_type, sample.second_host)


def _documented_sample(trigger: str, now: datetime) -> dict[str, Any]:
    """Triggers not sent here yet: the fields Cal.com documents for each."""
    sample = _sample_booking(now)
    person = {"id": sample.organizer.id, "name": sample.organizer.name, "email": sample.organizer.email}
    if trigger in ("FORM_SUBMITTED", "FORM_SUBMITTED_NO_EVENT", "ROUTING_FORM_FALLBACK_HIT"):
        return {
            "formId": "sample-routing-form",
            "formName": "Which team?",
            "teamId": None,
            "responses": {
                "Email": {"value": "jordan@example.com", "response": "jordan@example.com"},
                "Company size": {"value": "11-50", "response": "11-50"},
            },
        }
    if trigger == "OOO_CREATED":
        start = sample.booking.start_time
        return {
            "oooEntry": {
                "id": 1,
                "start": iso_ms(start),
                "end": iso_ms(start + timedelta(days=7)),
                "createdAt": iso_ms(now),
                "updatedAt": iso_ms(now),
                "notes": "Back next week",
                "reason": {"emoji": "🏝️", "reason": "Vacation"},
                "reasonId": 1,
                "user": {**person, "timeZone": sample.organizer.time_zone},
                "toUser": None,
                "uuid": "sample-ooo-entry",
            }
        }
    if trigger.startswith("DELEGATION_CREDENTIAL_"):
        return {
            "error": {"type": "CalendarAccessError", "message": "The calendar credential was refused."},
            "credential": {"id": 1, "type": "google_calendar", "appId": "google-calendar"},
            "user": person,
        }
    if trigger == "WRONG_ASSIGNMENT_REPORT":
        booking = _booking(sample)
        return {
            "booking": {key: booking[key] for key in ("bookingId", "uid", "title", "startTime", "endTime", "status")},
            "report": {
                "reportedBy": person,
                "correctAssignee": "sam@example.com",
                "additionalNotes": "This lead belongs to the Paris team.",
                "routingFormId": "sample-routing-form",
            },
        }
    extra: dict[str, Any] = {}
    if trigger in ("BOOKING_PAYMENT_INITIATED", "BOOKING_PAID"):
        extra = {"paymentId": 1}
    elif trigger == "RECORDING_READY":
        extra = {"downloadLink": "https://video.example.com/recordings/sample.mp4"}
    elif trigger == "RECORDING_TRANSCRIPTION_GENERATED":
        extra = {
            "downloadLinks": {
                "transcription": [
                    {"format": kind, "link": f"https://video.example.com/transcripts/sample.{kind}"}
                    for kind in ("json", "srt", "txt", "vtt")
                ],
                "recording": "https://video.example.com/recordings/sample.mp4",
            }
        }
    elif trigger == "INSTANT_MEETING":
        extra = {"connectAndJoinUrl": "https://meet.example.com/instant"}
    return _booking(sample, extra or None)


def sample_payload(trigger: str, now: datetime) -> Sample:
    """The sample of ``trigger`` (one of ``PREVIEW_TRIGGERS``), with bookings starting the day after ``now``."""
    if trigger == PING:
        return Sample(trigger, ping_payload(now), sent_here=True)
    if trigger not in ALL_TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r}")
    if trigger in SENT_HERE:
        return Sample(trigger, _booking_sample(trigger, now), sent_here=True)
    return Sample(trigger, _documented_sample(trigger, now), sent_here=False)
