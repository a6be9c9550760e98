"""The calendars room's tables: connections to calendar servers and feeds, the calendars they hold,
each calendar's cached busy times, which calendars block slots (selected) and receive bookings
(destination), and what was written where (booking references).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from calapi.db import Base, UTCDateTime, utcnow


class CredentialType(StrEnum):
    """Cal.com's credential types (``integration`` on the wire); CalDAV is calapi's own."""

    apple = "apple_calendar"
    caldav = "caldav_calendar"
    ics_feed = "ics-feed_calendar"


class CalendarCredential(Base):
    """A user's connection to a calendar account (CalDAV, Apple's CalDAV) or to ICS feeds.

    ``secret`` is encrypted (``calendars/secrets.py``): the password, or the feed URLs (a private
    feed's URL is a password too). It never leaves the server in an answer.
    """

    __tablename__ = "calendar_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    url: Mapped[str | None] = mapped_column(String(2048))  # the CalDAV server; None for feeds
    username: Mapped[str | None] = mapped_column(String(320))
    secret: Mapped[str] = mapped_column(Text)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set when the server refused the credentials or the secret cannot be read; cleared on success.
    invalid: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    invalid_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ExternalCalendar(Base):
    """One calendar of a connection, as last listed: a CalDAV collection (``external_id`` is its
    URL) or one ICS feed (its URL)."""

    __tablename__ = "calendars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("calendar_credentials.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(2048))
    name: Mapped[str | None] = mapped_column(String(255))
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The calendar's own zone when it names one: where its all-day events begin and end.
    time_zone: Mapped[str | None] = mapped_column(String(64))


class CalendarBusy(Base):
    """A calendar's busy intervals as last fetched: ``intervals`` are ``[start, end)`` epoch seconds,
    sorted and merged, covering ``covers_from``–``covers_until``.

    ``fetched_at`` is the last good fetch (None: none yet); a failed one leaves the intervals and
    records ``error``.
    """

    __tablename__ = "calendar_busy"

    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"), primary_key=True)
    intervals: Mapped[list[Any]] = mapped_column(JSON)
    covers_from: Mapped[datetime] = mapped_column(UTCDateTime)
    covers_until: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What was parsed last (its hash): the same text, zone and window are not parsed again.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(500))
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SelectedCalendar(Base):
    """A calendar whose events keep its user busy."""

    __tablename__ = "selected_calendars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    integration: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(2048))
    credential_id: Mapped[int] = mapped_column(ForeignKey("calendar_credentials.id", ondelete="CASCADE"), index=True)


class DestinationCalendar(Base):
    """Where bookings are written: the user's (``event_type_id`` None) or one event type's."""

    __tablename__ = "destination_calendars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_type_id: Mapped[int | None] = mapped_column(ForeignKey("event_types.id", ondelete="CASCADE"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    integration: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(2048))
    credential_id: Mapped[int] = mapped_column(ForeignKey("calendar_credentials.id", ondelete="CASCADE"), index=True)


class BookingReference(Base):
    """Something made outside calapi for a booking: here, the event written to a calendar.

    ``uid`` is the event's UID — the same for every booking of one meeting (a reschedule moves the
    event), ``sequence`` the SEQUENCE last written. ``deleted`` marks a reference whose event is gone
    or moved on to the successor booking's reference.
    """

    __tablename__ = "booking_references"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(64))
    uid: Mapped[str] = mapped_column(String(255))
    meeting_id: Mapped[str | None] = mapped_column(String(255))
    meeting_password: Mapped[str | None] = mapped_column(String(255))
    meeting_url: Mapped[str | None] = mapped_column(String(2048))
    external_calendar_id: Mapped[str | None] = mapped_column(String(2048))
    credential_id: Mapped[int | None] = mapped_column(
        ForeignKey("calendar_credentials.id", ondelete="SET NULL"), index=True
    )
    deleted: Mapped[bool | None] = mapped_column(Boolean)
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
