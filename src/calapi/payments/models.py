"""The payments tables: one payment per booking, and the provider events already handled."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from calapi.db import Base, UTCDateTime, utcnow


class PaymentStatus(StrEnum):
    """Where a payment stands (``pending`` until the provider says it succeeded)."""

    pending = "pending"
    succeeded = "succeeded"
    expired = "expired"  # the hold ran out unpaid: booking cancelled, PaymentIntent cancelled
    refunded = "refunded"
    canceled = "canceled"  # the booking was cancelled before it was paid


class Payment(Base):
    """A booking's payment. ``amount`` is in the currency's minor units (cents), as the provider takes it."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    # One payment per booking: the second create of a retried request finds the first.
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    fee: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    payment_option: Mapped[str] = mapped_column(String(32), default="ON_BOOKING")
    status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.pending.value)
    provider: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)  # the PaymentIntent's id
    success: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    refunded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the client needs to pay (the PaymentIntent's client secret) and the provider's last word.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    hold_until: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProviderEvent(Base):
    """A provider event handled already: its id is unique, so a redelivery changes nothing."""

    __tablename__ = "payment_provider_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    event_type: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
