from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from calapi.db import Base, UTCDateTime, utcnow


class EventType(Base):
    """A bookable kind of meeting.

    The fields the slot engine reads are columns; the structured settings Cal.com's API accepts
    are kept in their wire shape in JSON columns and echoed back as given.
    """

    __tablename__ = "event_types"
    __table_args__ = (UniqueConstraint("owner_id", "slug"), UniqueConstraint("team_id", "slug"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # Team event types: ``team_id`` set, ``owner_id`` NULL. A managed event type's children are
    # personal event types of each member (``owner_id`` set) with ``parent_id`` = the parent.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    scheduling_type: Mapped[str | None] = mapped_column(String(16))  # COLLECTIVE | ROUND_ROBIN | MANAGED
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("event_types.id", ondelete="CASCADE"), index=True)
    assign_all_team_members: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # What changes slots.
    length_in_minutes: Mapped[int] = mapped_column(Integer)
    length_in_minutes_options: Mapped[list[int] | None] = mapped_column(JSON)
    slot_interval: Mapped[int | None] = mapped_column(Integer)
    minimum_booking_notice: Mapped[int] = mapped_column(Integer, default=120)
    before_event_buffer: Mapped[int] = mapped_column(Integer, default=0)
    after_event_buffer: Mapped[int] = mapped_column(Integer, default=0)
    offset_start: Mapped[int] = mapped_column(Integer, default=0)
    only_show_first_available_slot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    seats_per_time_slot: Mapped[int | None] = mapped_column(Integer)
    requires_confirmation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"), index=True)
    booking_window: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # wire shape
    booking_limits_count: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # wire shape
    booking_limits_duration: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # wire shape

    # Stored and echoed: locations, bookingFields, recurrence, seats, confirmationPolicy, …
    locations: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    booking_fields: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    recurrence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seats: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    confirmation_policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the remaining settings, by their 2024-06-14 names
    event_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    # The default booking emails (workflows room): off for the hosts, off for the attendees.
    disable_standard_emails_host: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    disable_standard_emails_attendee: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Host(Base):
    """A user who hosts a team event type.

    ``is_fixed`` is the wire's ``mandatory``; ``priority`` 0 (lowest) … 4 (highest), 2 = medium.
    ``weight`` is NULL unless a client set one (round-robin fairness reads NULL as 100).
    """

    __tablename__ = "hosts"
    __table_args__ = (UniqueConstraint("event_type_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_type_id: Mapped[int] = mapped_column(ForeignKey("event_types.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_fixed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    priority: Mapped[int] = mapped_column(Integer, default=2)
    weight: Mapped[int | None] = mapped_column(Integer)

    @property
    def effective_weight(self) -> int:
        return 100 if self.weight is None else self.weight


class EventTypeCustomInput(Base):
    """A question a booker answers for an event type (API v1 ``/custom-inputs``).

    Shown among the event type's booking fields and answered under the slug of its label in a
    booking's responses. ``type``: TEXT | TEXTLONG | NUMBER | BOOL | RADIO | PHONE; ``options``
    (RADIO's choices) as the wire sends them: ``[{"label": …, "type": …}]``.
    """

    __tablename__ = "event_type_custom_inputs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_type_id: Mapped[int] = mapped_column(ForeignKey("event_types.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16))
    options: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    placeholder: Mapped[str] = mapped_column(String(255), default="", server_default="")
