from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from calapi.db import Base, UTCDateTime, utcnow


class BookingStatus(StrEnum):
    accepted = "accepted"
    pending = "pending"
    cancelled = "cancelled"
    rejected = "rejected"
    awaiting_host = "awaiting_host"


class Booking(Base):
    """A booked meeting. The scheduling columns are here; the bookings issue adds the rest."""

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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
