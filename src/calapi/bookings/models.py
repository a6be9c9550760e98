from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from calapi.db import Base, UTCDateTime, utcnow


class BookingStatus(StrEnum):
    accepted = "accepted"
    pending = "pending"
    cancelled = "cancelled"
    rejected = "rejected"
    awaiting_host = "awaiting_host"


class Booking(Base):
    """A booked meeting: one row per occurrence; a seated meeting is one row with many seats."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_user_id_start_time", "user_id", "start_time"),
        Index("ix_bookings_event_type_id_start_time", "event_type_id", "start_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # the organizer
    event_type_id: Mapped[int | None] = mapped_column(ForeignKey("event_types.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.accepted.value)
    # The occurrences of a recurring booking share this id (the wire's ``recurringBookingUid``).
    recurring_event_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # Reschedule links: the new booking names the old in ``from_reschedule``; the old one is
    # cancelled with ``rescheduled`` set, and finds its successor by that link.
    from_reschedule: Mapped[str | None] = mapped_column(String(64), index=True)
    rescheduled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rescheduled_by_email: Mapped[str | None] = mapped_column(String(320))
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by_email: Mapped[str | None] = mapped_column(String(320))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(2048))
    responses: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # bookingFieldsResponses as stored
    booking_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    absent_host: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ical_uid: Mapped[str | None] = mapped_column(String(255))
    rating: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Attendee(Base):
    __tablename__ = "attendees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320), index=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    phone_number: Mapped[str | None] = mapped_column(String(64))
    absent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BookingSeat(Base):
    """One attendee's seat in a seated booking; ``reference_uid`` is the wire's ``seatUid``."""

    __tablename__ = "booking_seats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference_uid: Mapped[str] = mapped_column(String(64), unique=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), index=True)
    responses: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seat_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BookingHost(Base):
    """A host of a booking other than its organizer: a collective co-host, or a round-robin
    booking's mandatory (fixed) host. Each is also an attendee row (contract §2.6.2); this row is
    what keeps them busy — ``load_busy_for_hosts`` reads organizers from ``bookings`` and co-hosts
    from here in one statement. The organizer is not repeated here, so personal bookings (and
    every path that writes them) need no extra row.
    """

    __tablename__ = "booking_hosts"
    __table_args__ = (Index("ix_booking_hosts_user_id_booking_id", "user_id", "booking_id"),)

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
