"""Declared response bodies of bookings in each API version.

v2 (2024-08-13) answers one of four booking kinds: a regular booking, one occurrence of a recurring
series (``recurringBookingUid``), a seated booking (seat attendees, no ``metadata`` or
``bookingFieldsResponses`` of its own) and a recurring seated one. Keys that appear only in some
states (``rescheduledFromUid``, ``guests``, an attendee's ``phoneNumber``…) are optional.
"""

from __future__ import annotations

from typing import Any

from calapi.core.api_schemas import ResponseModel

# ---------------------------------------------------------------- v2 (2024-08-13)


class BookingHost(ResponseModel):
    """The organizer; ``"unknown"`` in every field when the user is gone."""

    id: int | str
    name: str
    email: str
    displayEmail: str
    username: str
    timeZone: str | None = None


class BookingEventTypeRef(ResponseModel):
    id: int
    slug: str


class BookingAttendee(ResponseModel):
    name: str
    email: str
    displayEmail: str
    timeZone: str
    language: str | None
    absent: bool
    phoneNumber: str | None = None


class SeatAttendee(BookingAttendee):
    seatUid: str | None
    bookingFieldsResponses: dict[str, Any]
    metadata: dict[str, str]


class _BookingCommon(ResponseModel):
    id: int
    uid: str
    title: str
    description: str | None
    hosts: list[BookingHost]
    status: str
    cancellationReason: str
    rescheduledByEmail: str | None
    rescheduledFromUid: str | None = None
    rescheduledToUid: str | None = None
    start: str
    end: str
    duration: int
    eventTypeId: int | None
    eventType: BookingEventTypeRef | None
    meetingUrl: str | None
    location: str | None
    absentHost: bool
    createdAt: str
    updatedAt: str | None
    rating: int | None
    icsUid: str | None


class Booking(_BookingCommon):
    cancelledByEmail: str
    reschedulingReason: str | None = None
    metadata: dict[str, Any]
    attendees: list[BookingAttendee]
    guests: list[str] | None = None
    bookingFieldsResponses: dict[str, Any]


class RecurringBooking(Booking):
    recurringBookingUid: str


class SeatedBooking(_BookingCommon):
    attendees: list[SeatAttendee]


class RecurringSeatedBooking(SeatedBooking):
    recurringBookingUid: str


class CreatedSeatedBooking(SeatedBooking):
    """A seat just booked (or moved): its ``seatUid`` beside the booking."""

    seatUid: str


class CreatedRecurringSeatedBooking(RecurringSeatedBooking):
    seatUid: str


AnyBooking = RecurringBooking | RecurringSeatedBooking | Booking | SeatedBooking
# One booking, or every occurrence of a recurring series.
BookingOrSeries = AnyBooking | list[AnyBooking]
CreatedBooking = (
    CreatedRecurringSeatedBooking | CreatedSeatedBooking | AnyBooking | list[CreatedRecurringSeatedBooking | AnyBooking]
)


class ReassignedHost(ResponseModel):
    id: int
    name: str
    email: str
    displayEmail: str


class Reassigned(ResponseModel):
    bookingUid: str
    reassignedTo: ReassignedHost
