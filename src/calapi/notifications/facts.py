"""What a message says about one meeting: plain data, read from the rows by the room that sends it.

The notifications room knows no table: the caller (workflows) builds a ``Meeting`` from a booking
and its people, and everything here — variables, layouts, the calendar file — works from that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    time_zone: str
    locale: str = "en"
    phone: str | None = None
    time_format: int = 12  # 12 (h:mma) or 24 (HH:mm)


@dataclass(frozen=True)
class Repeats:
    """A recurring series the message speaks for as a whole: how often, and how many meetings."""

    frequency: str  # weekly | monthly | yearly
    interval: int
    count: int


@dataclass(frozen=True)
class Meeting:
    """One booking as its messages describe it. Instants are aware (UTC)."""

    uid: str
    title: str
    event_type_title: str
    start: datetime
    end: datetime
    organizer: Person
    attendees: tuple[Person, ...]
    hosts: tuple[Person, ...] = ()  # co-hosts besides the organizer
    location: str | None = None
    description: str | None = None
    additional_notes: str | None = None
    meeting_url: str | None = None
    cancel_url: str | None = None
    reschedule_url: str | None = None
    cancellation_reason: str | None = None
    rejection_reason: str | None = None
    reschedule_reason: str | None = None
    previous_start: datetime | None = None  # a rescheduled meeting's old time
    previous_end: datetime | None = None
    responses: Mapping[str, Any] = field(default_factory=dict)  # the booker's answers, by field name
    # The calendar identity of the meeting: the same across reschedules; SEQUENCE grows with each.
    ical_uid: str = ""
    ical_sequence: int = 0
    tentative: bool = False  # awaiting the host's confirmation
    repeats: Repeats | None = None  # one message for a whole series: this is its first meeting
