from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from calapi.db import Base, UTCDateTime, utcnow


class JobStatus(StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"  # gave up after its last attempt
    expired = "expired"  # too late to be worth doing (kept, never silently dropped)


class Job(Base):
    """A unit of background work, written in the same transaction as the change that caused it."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.pending.value)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A claimed job is leased: if its worker dies, the lease runs out and another worker takes it.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DomainEvent(Base):
    """Something that happened, recorded in the same transaction as the change that made it.

    ``trigger`` is Cal.com's webhook trigger name (BOOKING_CREATED, …); ``payload`` is built from
    the committed row so a receiver gets what the database holds. Delivery is someone else's job:
    recording an event also enqueues an ``events.dispatch`` job that points at it.
    """

    __tablename__ = "domain_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    trigger: Mapped[str] = mapped_column(String(64), index=True)
    subject_uid: Mapped[str | None] = mapped_column(String(64), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    event_type_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
