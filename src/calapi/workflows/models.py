"""Workflows (what to send, to whom, when) and the message log (what was sent, or why not).

A workflow belongs to one user or one team. Its trigger is Cal.com's (stored by its enum name:
``BEFORE_EVENT`` …); its steps each send one kind of message. The message log holds every
message calapi decided to send — default booking emails and workflow steps alike — with a stable
id that a retry reuses (the email's ``Message-ID``, the SMS provider's idempotency key).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from calapi.db import Base, UTCDateTime, utcnow


class Trigger(StrEnum):
    BEFORE_EVENT = "BEFORE_EVENT"
    AFTER_EVENT = "AFTER_EVENT"
    NEW_EVENT = "NEW_EVENT"
    RESCHEDULE_EVENT = "RESCHEDULE_EVENT"
    EVENT_CANCELLED = "EVENT_CANCELLED"
    BOOKING_REQUESTED = "BOOKING_REQUESTED"
    BOOKING_REJECTED = "BOOKING_REJECTED"
    BOOKING_NO_SHOW_UPDATED = "BOOKING_NO_SHOW_UPDATED"
    BOOKING_PAYMENT_INITIATED = "BOOKING_PAYMENT_INITIATED"
    BOOKING_PAID = "BOOKING_PAID"


TIMED_TRIGGERS = frozenset({Trigger.BEFORE_EVENT, Trigger.AFTER_EVENT})


class TimeUnit(StrEnum):
    MINUTE = "MINUTE"
    HOUR = "HOUR"
    DAY = "DAY"


class Action(StrEnum):
    EMAIL_HOST = "EMAIL_HOST"
    EMAIL_ATTENDEE = "EMAIL_ATTENDEE"
    EMAIL_ADDRESS = "EMAIL_ADDRESS"
    SMS_ATTENDEE = "SMS_ATTENDEE"
    SMS_NUMBER = "SMS_NUMBER"


SMS_ACTIONS = frozenset({Action.SMS_ATTENDEE, Action.SMS_NUMBER})


class Template(StrEnum):
    REMINDER = "REMINDER"
    CUSTOM = "CUSTOM"
    RESCHEDULED = "RESCHEDULED"
    COMPLETED = "COMPLETED"
    RATING = "RATING"
    CANCELLED = "CANCELLED"


class Channel(StrEnum):
    email = "email"
    sms = "sms"


class Source(StrEnum):
    booking = "booking"  # a default booking email
    workflow = "workflow"  # a workflow step


class MessageStatus(StrEnum):
    scheduled = "scheduled"  # waiting for its time (or for the worker)
    sent = "sent"  # accepted by the SMTP server / the SMS provider
    failed = "failed"  # refused for good, or still failing after the last attempt
    cancelled = "cancelled"  # no longer due: the booking was cancelled or moved, the workflow changed
    missed = "missed"  # found too late (after downtime), outside the catch-up window: not sent
    not_sent = "not_sent"  # never could go: nothing configured to send it, or no address


class Workflow(Base):
    __tablename__ = "workflows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Exactly one owner: a user or a team.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    trigger: Mapped[str] = mapped_column(String(40))
    offset_value: Mapped[int | None] = mapped_column(Integer)
    offset_unit: Mapped[str | None] = mapped_column(String(8))
    active_on_all: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WorkflowStep(Base):
    __tablename__ = "workflow_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), index=True)
    step_number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    template: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str | None] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The address (EMAIL_ADDRESS) or number (SMS_NUMBER) the step sends to.
    send_to: Mapped[str | None] = mapped_column(String(320))
    include_calendar_event: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    phone_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class WorkflowEventType(Base):
    """A workflow is active on an event type (a team workflow on a managed parent covers its children)."""

    __tablename__ = "workflow_event_types"

    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), primary_key=True)
    event_type_id: Mapped[int] = mapped_column(
        ForeignKey("event_types.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class WorkflowMessage(Base):
    """One message: planned, then sent (or why not). Its ``id`` is stable across retries."""

    __tablename__ = "workflow_messages"
    __table_args__ = (
        Index("ix_workflow_messages_booking_uid_created_at", "booking_uid", "created_at"),
        Index("ix_workflow_messages_workflow_id_created_at", "workflow_id", "created_at"),
        Index("ix_workflow_messages_updated_at", "updated_at"),  # the retention prune
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # What makes two plans the same message (a retried planning job, a re-synced reminder).
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    booking_uid: Mapped[str] = mapped_column(String(64))
    workflow_id: Mapped[int | None] = mapped_column(ForeignKey("workflows.id", ondelete="SET NULL"))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_steps.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str | None] = mapped_column(String(255))
    recipient_role: Mapped[str] = mapped_column(String(16))  # host | attendee | address | number
    time_zone: Mapped[str] = mapped_column(String(64))  # the zone its times are written in
    ics_method: Mapped[str | None] = mapped_column(String(8))  # REQUEST | CANCEL | None (no calendar file)
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the event added (old times, seat …)
    timed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # a reminder at a time
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.scheduled.value)
    note: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    job_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
