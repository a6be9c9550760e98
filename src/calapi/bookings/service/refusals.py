"""Why a booking (or a new time for one) is refused, in Cal.com's words (contract §2.6.2).

Creation, reschedule and reassignment ask the same slot engine and answer its refusals alike.
"""

from __future__ import annotations

from calapi.core.errors import AppError
from calapi.scheduling import BookingCheck, RefusalReason

PAST = "Attempting to book a meeting in the past."
HOST_UNAVAILABLE = "User either already has booking at this time or is not available"
TEAM_HOST_UNAVAILABLE = "One of the hosts either already has booking at this time or is not available"
SEATS_FULL = "No more seats left at this seated booking."
CANT_BOOK_AT = 'The event type can\'t be booked at the "start" time provided.'
_REFUSAL_TEXT = {
    RefusalReason.MINIMUM_NOTICE: "It is within the event type's minimum booking notice.",
    RefusalReason.BOOKING_WINDOW: "It is outside the event type's booking window (how far ahead it can be booked).",
    RefusalReason.BOOKING_LIMIT: "The event type's booking limit for that period has been reached.",
    RefusalReason.DURATION_LIMIT: "The event type's limit on booked minutes for that period has been reached.",
    RefusalReason.OUTSIDE_AVAILABILITY: "It is outside the host's availability.",
}


class BookingRefused(AppError):
    """A business-rule refusal with a machine-readable ``reason`` in the error details."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.details = {"message": message, "error": self.reason_phrase, "statusCode": self.status, "reason": reason}


class SlotUnavailable(BookingRefused):
    status, code = 409, "ConflictException"


class NotBookableAt(BookingRefused):
    status, code = 400, "BadRequestException"


def outside_availability() -> NotBookableAt:
    """No host has any availability to check the time against."""
    reason = RefusalReason.OUTSIDE_AVAILABILITY
    return NotBookableAt(f"{CANT_BOOK_AT} {_REFUSAL_TEXT[reason]}", reason=reason.value)


def host_unavailable(*, team_event: bool) -> SlotUnavailable:
    return SlotUnavailable(TEAM_HOST_UNAVAILABLE if team_event else HOST_UNAVAILABLE, reason="slot_unavailable")


def refusal_for(check: BookingCheck, *, minimum_notice: int, team_event: bool = False) -> AppError:
    """The engine's refusal of a time, as the error the caller gets."""
    reason = check.reason
    assert reason is not None
    if reason is RefusalReason.SEATS_FULL:
        return SlotUnavailable(SEATS_FULL, reason="seats_full")
    if reason is RefusalReason.BUSY:
        return host_unavailable(team_event=team_event)
    if reason is RefusalReason.RESERVED:
        return SlotUnavailable(TEAM_HOST_UNAVAILABLE if team_event else HOST_UNAVAILABLE, reason="slot_reserved")
    text = _REFUSAL_TEXT[reason]
    if reason is RefusalReason.MINIMUM_NOTICE:
        text = f"It is within the event type's minimum booking notice of {minimum_notice} minutes."
    return NotBookableAt(f"{CANT_BOOK_AT} {text}", reason=reason.value)
