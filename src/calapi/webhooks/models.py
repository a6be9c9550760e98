"""Webhook subscriptions, the deliveries fanned out to them, and every attempt (the delivery log)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from calapi.db import Base, UTCDateTime, utcnow


class Webhook(Base):
    """A subscription: where to POST which triggers, owned by a user, an event type (or, later, a team)."""

    __tablename__ = "webhooks"
    __table_args__ = (
        UniqueConstraint("user_id", "subscriber_url"),
        UniqueConstraint("event_type_id", "subscriber_url"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID, as Cal.com
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_type_id: Mapped[int | None] = mapped_column(ForeignKey("event_types.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(Integer, index=True)  # team-level subscriptions come with teams
    subscriber_url: Mapped[str] = mapped_column(String(2048))
    payload_template: Mapped[str | None] = mapped_column(Text)
    triggers: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    secret: Mapped[str | None] = mapped_column(String(255))
    # Rotation: the old secret keeps signing (next to the new one) until it expires.
    previous_secret: Mapped[str | None] = mapped_column(String(255))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[str] = mapped_column(String(16), default="2021-10-20")
    time: Mapped[int | None] = mapped_column(Integer)
    time_unit: Mapped[str | None] = mapped_column(String(8))
    app_id: Mapped[str | None] = mapped_column(String(64))
    platform: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Auto-disable: when the first failure after the last success happened; cleared on success/re-enable.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryStatus:
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"  # ran out of attempts, or 410, or the subscription was disabled
    expired = "expired"  # a scheduled trigger found past the catch-up window
    cancelled = "cancelled"  # the subscription was disabled or deleted before it could be sent


DELIVERY_STATUSES = (
    DeliveryStatus.pending,
    DeliveryStatus.succeeded,
    DeliveryStatus.failed,
    DeliveryStatus.expired,
    DeliveryStatus.cancelled,
)


class WebhookDelivery(Base):
    """One event for one subscriber: a fixed body and a fixed ``webhook-id`` for every attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # fan-out is idempotent: a re-run dispatch job cannot make a second delivery of one event
        UniqueConstraint("event_id", "webhook_id"),
        Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at"),
        Index("ix_webhook_deliveries_created_at", "created_at"),  # the retention prune
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64))  # the ``webhook-id`` header
    webhook_id: Mapped[str] = mapped_column(String(36), index=True)
    event_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    trigger: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WebhookAttempt(Base):
    """One HTTP attempt. (job_id, job_attempt) is unique: two workers can never record the same attempt."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (UniqueConstraint("job_id", "job_attempt"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(36), index=True)
    job_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    job_attempt: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(2048))
    request_headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)  # the first 4 KB
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    error_class: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(128))  # host:pid that made the attempt
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
