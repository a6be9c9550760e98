"""Declared response bodies of bookings in each API version.

v2 (2024-08-13) answers one of four booking kinds: a regular booking, one occurrence of a recurring
series (``recurringBookingUid``), a seated booking (seat attendees, no ``metadata`` or
``bookingFieldsResponses`` of its own) and a recurring seated one. Keys that appear only in some
states (``rescheduledFromUid``, ``guests``, an attendee's ``phoneNumber``…) are optional.
"""

from __future__ import annotations

from typing import Any

from pydantic import RootModel

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


class BookingPayment(ResponseModel):
    """A paid event's booking: how to pay (calapi's own field; Cal.com's v2 answer has none).
    ``amount`` is in minor units; ``clientSecret`` (while unpaid) confirms the PaymentIntent with
    Stripe.js; ``paymentUrl`` is calapi's payment page for people."""

    uid: str
    amount: int
    currency: str
    status: str
    success: bool
    refunded: bool
    paymentOption: str
    provider: str
    paymentIntentId: str | None
    clientSecret: str | None
    holdUntil: str
    paymentUrl: str


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
    payment: BookingPayment | None = None


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


class AnyBooking(RootModel[RecurringBooking | RecurringSeatedBooking | Booking | SeatedBooking]):
    """A booking of any of the four kinds."""


class BookingOrSeries(RootModel[AnyBooking | list[AnyBooking]]):
    """One booking, or every occurrence of a recurring series."""


class CreatedBooking(
    RootModel[
        CreatedRecurringSeatedBooking
        | CreatedSeatedBooking
        | AnyBooking
        | list[CreatedRecurringSeatedBooking | AnyBooking]
    ]
):
    """What a create or reschedule answers: a booking, a seat (with its ``seatUid``) or a series."""


class ReassignedHost(ResponseModel):
    id: int
    name: str
    email: str
    displayEmail: str


class Reassigned(ResponseModel):
    bookingUid: str
    reassignedTo: ReassignedHost


# ---------------------------------------------------------------- legacy v2 (2024-04-15 … 2024-06-14)


class LegacyListAttendee(ResponseModel):
    id: int
    email: str
    name: str
    timeZone: str
    locale: str | None
    bookingId: int


class LegacyTeamRef(ResponseModel):
    id: int
    name: str
    slug: str | None


class LegacyListEventType(ResponseModel):
    slug: str
    id: int
    eventName: str | None
    price: int
    recurringEvent: dict[str, Any] | None
    currency: str
    metadata: dict[str, Any]
    seatsShowAttendees: bool
    seatsShowAvailabilityCount: bool
    team: LegacyTeamRef | None


class LegacyUserRef(ResponseModel):
    id: int
    name: str | None
    email: str


class LegacyListEntry(ResponseModel):
    id: int
    title: str
    userPrimaryEmail: str | None
    description: str | None
    customInputs: dict[str, Any]
    startTime: str
    endTime: str
    attendees: list[LegacyListAttendee]
    metadata: dict[str, Any]
    uid: str
    recurringEventId: str | None
    location: str | None
    eventType: LegacyListEventType | None
    status: str
    paid: bool
    payment: list[Any]
    references: list[Any]
    isRecorded: bool
    seatsReferences: list[Any]
    user: LegacyUserRef | None
    rescheduled: bool | None


class LegacyRecurringInfo(ResponseModel):
    recurringEventId: str
    count: int
    firstDate: str
    bookings: dict[str, list[str]]


class LegacyBookingList(ResponseModel):
    bookings: list[LegacyListEntry]
    recurringInfo: list[LegacyRecurringInfo]
    totalCount: int
    nextCursor: int | None


class LegacyBookingUser(LegacyUserRef):
    username: str | None
    timeZone: str


class LegacyBookingAttendee(ResponseModel):
    name: str
    email: str
    timeZone: str


class LegacyBookingEventType(ResponseModel):
    eventName: str | None
    slug: str
    timeZone: str | None


class LegacyBooking(ResponseModel):
    title: str
    id: int
    uid: str
    description: str | None
    customInputs: dict[str, Any]
    smsReminderNumber: str | None
    recurringEventId: str | None
    startTime: str
    endTime: str
    location: str | None
    status: str
    metadata: dict[str, Any]
    cancellationReason: str | None
    responses: dict[str, Any]
    rejectionReason: str | None
    userPrimaryEmail: str | None
    user: LegacyBookingUser | None
    attendees: list[LegacyBookingAttendee]
    eventTypeId: int | None
    eventType: LegacyBookingEventType | None


class LegacyCancelled(ResponseModel):
    bookingId: int
    bookingUid: str
    onlyRemovedAttendee: bool


class NoShowAttendee(ResponseModel):
    email: str
    noShow: bool


class NoShowMarked(ResponseModel):
    """Legacy v2's mark-no-show data and v1's ``/no-show`` answer."""

    attendees: list[NoShowAttendee]
    noShowHost: bool
    message: str


# ---------------------------------------------------------------- v1 (and legacy v2's creates)


class V1BookingAttendee(ResponseModel):
    id: int
    email: str
    name: str
    timeZone: str
    locale: str | None


class V1BookingOrganizer(ResponseModel):
    email: str
    name: str | None
    timeZone: str
    locale: str | None


class V1PublicBooking(ResponseModel):
    """v1's booking object; legacy v2's creates answer it too, in the v2 envelope."""

    id: int
    userId: int
    description: str | None
    eventTypeId: int | None
    uid: str
    title: str
    startTime: str
    endTime: str
    attendees: list[V1BookingAttendee]
    user: V1BookingOrganizer | None
    payment: list[Any]
    metadata: dict[str, Any]
    status: str
    responses: dict[str, Any] | None
    fromReschedule: str | None
    cancelledBy: str | None
    rescheduledBy: str | None
    createdAt: str


class V1Cancelled(ResponseModel):
    success: bool
    message: str
    onlyRemovedAttendee: bool
    bookingId: int
    bookingUid: str
    isPlatformManagedUserBooking: bool


class V1Confirmed(ResponseModel):
    message: str
    status: str


class V1Recording(ResponseModel):
    """A Cal Video recording (calapi has no video integration, so it never lists one)."""

    id: str
    room_name: str
    start_ts: int
    status: str
    max_participants: int | None = None
    duration: int
    share_token: str | None = None
    download_link: str | None = None


class V1AttendeeRow(ResponseModel):
    """``/v1/attendees`` rows."""

    id: int
    bookingId: int
    name: str
    email: str
    timeZone: str
