"""Declared response bodies of slots and reservations in each API version.

Listings are ``{day: [slot, …]}`` keyed by ISO date. A slot's seat keys appear only for a seated
event type, ``end``/``endTime`` only in the range format, ``bookingUid`` only once a seat is taken.
"""

from __future__ import annotations

from pydantic import RootModel

from calapi.core.api_schemas import ResponseModel

# ---------------------------------------------------------------- v2 (2024-09-04)


class Slot(ResponseModel):
    start: str
    end: str | None = None
    seatsBooked: int | None = None
    seatsRemaining: int | None = None
    seatsTotal: int | None = None
    bookingUid: str | None = None


SlotsByDay = dict[str, list[Slot]]


class Reservation(ResponseModel):
    eventTypeId: int
    slotStart: str
    slotEnd: str
    slotDuration: int
    reservationUid: str
    reservationDuration: int | None = None
    reservationUntil: str


# ---------------------------------------------------------------- legacy v2 (2024-04-15)


class LegacySlot(ResponseModel):
    """``{time}``, or ``{startTime, endTime}`` in the range format."""

    time: str | None = None
    startTime: str | None = None
    endTime: str | None = None
    attendees: int | None = None
    bookingUid: str | None = None


class LegacySlots(ResponseModel):
    slots: dict[str, list[LegacySlot]]


# ---------------------------------------------------------------- v1


class V1Slot(ResponseModel):
    time: str
    attendees: int | None = None
    bookingUid: str | None = None


class V1Slots(ResponseModel):
    slots: dict[str, list[V1Slot]]


class StartEnd(ResponseModel):
    start: str
    end: str


class V1WorkingHours(ResponseModel):
    """Weekly hours in minutes from midnight UTC."""

    days: list[int]
    startTime: int
    endTime: int


class V1FreeBusy(ResponseModel):
    busy: list[StartEnd]
    timeZone: str
    dateRanges: list[StartEnd]
    oooExcludedDateRanges: list[StartEnd]
    workingHours: list[V1WorkingHours]
    dateOverrides: list[StartEnd]
    currentSeats: int | None
    datesOutOfOffice: dict[str, object]


class V1MemberFreeBusy(ResponseModel):
    userId: int
    availability: V1FreeBusy


class V1AvailabilityAnswer(RootModel[V1FreeBusy | list[V1MemberFreeBusy]]):
    """One user's availability, or each member's for a team."""
