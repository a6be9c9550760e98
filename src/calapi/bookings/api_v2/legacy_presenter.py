"""The bodies of the legacy ``/v2/bookings`` reads (versions 2024-04-15 … 2024-06-14).

Shapes as Cal.com declares them in ``GetBookingsOutput_2024_04_15`` (a list entry) and
``GetBookingOutput_2024_04_15`` (one booking), and ``recurringInfo`` as its bookings list handler
computes it (every recurring series the caller organizes, with its occurrences' start times per
status). calapi stores no payments, no booking references and no custom inputs: those are ``[]``,
``[]`` and ``{}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from calapi.bookings.results import BookingResult, EventTypeRef, SeriesOccurrence
from calapi.core.envelopes import iso_ms
from calapi.event_types import pricing

STATUSES = ("ACCEPTED", "CANCELLED", "REJECTED", "PENDING", "AWAITING_HOST")


def _list_event_type(event_type: EventTypeRef | None) -> dict[str, Any] | None:
    if event_type is None:
        return None
    team = event_type.team
    return {
        "slug": event_type.slug,
        "id": event_type.id,
        "eventName": event_type.custom_name,
        "price": pricing.shown_price(event_type.metadata)[0],
        "recurringEvent": event_type.recurrence,
        "currency": pricing.shown_price(event_type.metadata)[1],
        "metadata": event_type.metadata,
        "seatsShowAttendees": event_type.seats_show_attendees,
        "seatsShowAvailabilityCount": event_type.seats_show_availability_count,
        "team": {"id": team.id, "name": team.name, "slug": team.slug} if team is not None else None,
    }


def list_entry(result: BookingResult) -> dict[str, Any]:
    """``GetBookingsDataEntry``."""
    row, organizer = result.booking, result.organizer
    return {
        "id": row.id,
        "title": row.title,
        "userPrimaryEmail": organizer.email if organizer else None,
        "description": row.description,
        "customInputs": {},
        "startTime": iso_ms(row.start_time),
        "endTime": iso_ms(row.end_time),
        "attendees": [
            {
                "id": a.id,
                "email": a.email,
                "name": a.name,
                "timeZone": a.time_zone,
                "locale": a.locale,
                "bookingId": a.booking_id,
            }
            for a in result.attendees
        ],
        "metadata": row.booking_metadata or {},
        "uid": row.uid,
        "recurringEventId": row.recurring_event_id,
        "location": row.location,
        "eventType": _list_event_type(result.event_type),
        "status": row.status.upper(),
        "paid": bool(result.payment and result.payment.success),
        "payment": (
            [
                {
                    "amount": result.payment.amount,
                    "currency": result.payment.currency,
                    "success": result.payment.success,
                    "paymentOption": result.payment.payment_option,
                }
            ]
            if result.payment is not None
            else []
        ),
        "references": [],
        "isRecorded": False,
        "seatsReferences": [],
        "user": {"id": organizer.id, "name": organizer.name, "email": organizer.email} if organizer else None,
        "rescheduled": row.rescheduled,
    }


def recurring_info(occurrences: Iterable[SeriesOccurrence]) -> list[dict[str, Any]]:
    """Per series (in order of first start): its count, first start, and its starts by status."""
    series: dict[str, dict[str, Any]] = {}
    for occurrence in occurrences:
        info = series.setdefault(
            occurrence.series_uid,
            {
                "recurringEventId": occurrence.series_uid,
                "count": 0,
                "firstDate": iso_ms(occurrence.start),
                "bookings": {s: [] for s in STATUSES},
            },
        )
        info["count"] += 1
        info["bookings"].setdefault(occurrence.status.upper(), []).append(iso_ms(occurrence.start))
    return list(series.values())


def booking_info(result: BookingResult) -> dict[str, Any]:
    """``GetBookingData_2024_04_15``."""
    row, organizer, event_type = result.booking, result.organizer, result.event_type
    return {
        "title": row.title,
        "id": row.id,
        "uid": row.uid,
        "description": row.description,
        "customInputs": {},
        "smsReminderNumber": None,
        "recurringEventId": row.recurring_event_id,
        "startTime": iso_ms(row.start_time),
        "endTime": iso_ms(row.end_time),
        "location": row.location,
        "status": row.status.upper(),
        "metadata": row.booking_metadata or {},
        "cancellationReason": row.cancellation_reason,
        "responses": row.responses or {},
        "rejectionReason": row.rejection_reason,
        "userPrimaryEmail": organizer.email if organizer else None,
        "user": (
            {
                "id": organizer.id,
                "name": organizer.name,
                "email": organizer.email,
                "username": organizer.username,
                "timeZone": organizer.time_zone,
            }
            if organizer
            else None
        ),
        "attendees": [{"name": a.name, "email": a.email, "timeZone": a.time_zone} for a in result.attendees],
        "eventTypeId": row.event_type_id,
        "eventType": (
            {"eventName": event_type.custom_name, "slug": event_type.slug, "timeZone": event_type.time_zone}
            if event_type is not None
            else None
        ),
    }


def no_show_message(attendees: Sequence[tuple[str, bool]], host: bool) -> str:
    """The ``message`` of ``MarkNoShowOutput_2024_04_15`` as Cal.com's English strings word it: one
    attendee is named, several get the general line, and marking the host has the last word."""
    if host or len(attendees) > 1:
        return "No-show status updated"
    if attendees:
        email, absent = attendees[0]
        return f"{email} marked as no-show" if absent else f"{email} unmarked as no-show"
    return ""
