"""API v1's booking object ("public booking"); legacy v2's creates answer it too."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from calapi.bookings.results import BookingResult
from calapi.core.envelopes import iso_ms


def v1_status(status: str) -> str:
    """Stored ``accepted`` → v1's ``ACCEPTED`` (``awaiting_host`` → ``AWAITING_HOST``)."""
    return status.upper()


def booking(result: BookingResult) -> dict[str, Any]:
    row, organizer = result.booking, result.organizer
    return {
        "id": row.id,
        "userId": row.user_id,
        "description": row.description,
        "eventTypeId": row.event_type_id,
        "uid": row.uid,
        "title": row.title,
        "startTime": iso_ms(row.start_time),
        "endTime": iso_ms(row.end_time),
        "attendees": [
            {"id": a.id, "email": a.email, "name": a.name, "timeZone": a.time_zone, "locale": a.locale}
            for a in result.attendees
        ],
        "user": (
            {
                "email": organizer.email,
                "name": organizer.name,
                "timeZone": organizer.time_zone,
                "locale": organizer.locale,
            }
            if organizer is not None
            else None
        ),
        "payment": [
            {
                "id": result.payment.id,
                "amount": result.payment.amount,
                "success": result.payment.success,
                "refunded": result.payment.refunded,
                "fee": 0,
                "paymentOption": result.payment.payment_option,
                "currency": result.payment.currency,
                "bookingId": row.id,
            }
        ]
        if result.payment is not None
        else [],
        "metadata": row.booking_metadata or {},
        "status": v1_status(row.status),
        "responses": row.responses,
        "fromReschedule": row.from_reschedule,
        "cancelledBy": row.cancelled_by_email,
        "rescheduledBy": row.rescheduled_by_email,
        "createdAt": iso_ms(row.created_at),
    }


def bookings(results: Iterable[BookingResult]) -> list[dict[str, Any]]:
    return [booking(r) for r in results]
