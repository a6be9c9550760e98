"""iCalendar in and out, pure: busy intervals from calendar data, and the event a booking becomes.

Reading (``busy_intervals``): each document is parsed with ``icalendar``, Google's and Outlook's
``X-WR-TIMEZONE`` exports are repaired (``x-wr-timezone``), and recurring events are expanded in
their own zones (``recurring-ical-events``: RRULE, RDATE, EXDATE, moved instances by RECURRENCE-ID),
so a weekly meeting keeps its wall-clock hours across a DST change. What does not block: a
cancelled instance or event (STATUS:CANCELLED), a TRANSPARENT one, and events calapi wrote itself
(the booking they stand for blocks already, and a cancelled booking's event must not outlive it in
the cache). An all-day event blocks its dates from midnight to midnight in the calendar's zone
(``X-WR-TIMEZONE`` or the CalDAV calendar's own), else in the host's; a floating time is the host's.

Data that cannot be read raises ``CalendarDataError`` — never a silently shorter busy list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone

# The property calapi puts on the events it writes: the booking's uid.
BOOKING_UID_PROPERTY = "X-CALAPI-BOOKING-UID"
PRODID = "-//calapi//calapi//EN"
_PAD = timedelta(days=1)  # expansion runs a day wider: floating and all-day times are placed afterwards

Interval = tuple[int, int]


class CalendarDataError(Exception):
    """Calendar data that cannot be read; the message says what, without the data itself."""


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _instant(value: date | datetime, *, day_zone: ZoneInfo, host_zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=host_zone)
    return datetime.combine(value, time(0), tzinfo=day_zone)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined."""
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _documents(text: str | bytes) -> list[icalendar.Calendar]:
    try:
        return list(icalendar.Calendar.from_ical(text, multiple=True))
    except Exception as exc:  # icalendar raises ValueError and friends on malformed input
        raise CalendarDataError(f"the calendar data is not valid iCalendar ({exc.__class__.__name__})") from None


def busy_intervals(
    texts: Iterable[str | bytes],
    *,
    start: datetime,
    end: datetime,
    host_zone: str,
    calendar_zone: str | None = None,
) -> list[Interval]:
    """The busy ``[start, end)`` epoch-second intervals of ``texts`` inside ``start``–``end``."""
    host = _zone(host_zone) or ZoneInfo("UTC")
    low, high = int(start.timestamp()), int(end.timestamp())
    found: list[Interval] = []
    for text in texts:
        for document in _documents(text):
            day_zone = _zone(calendar_zone) or _zone(str(document.get("X-WR-TIMEZONE") or "")) or host
            try:
                standard = x_wr_timezone.to_standard(document)
                occurrences = recurring_ical_events.of(standard).between(start - _PAD, end + _PAD)
                for event in occurrences:
                    interval = _blocking(event, day_zone=day_zone, host_zone=host)
                    if interval is None:
                        continue
                    begin, finish = max(interval[0], low), min(interval[1], high)
                    if begin < finish:
                        found.append((begin, finish))
            except CalendarDataError:
                raise
            except Exception as exc:  # a rule or date the libraries cannot expand
                raise CalendarDataError(
                    f"an event could not be expanded ({exc.__class__.__name__}: {str(exc)[:120]})"
                ) from None
    return merge(found)


def _blocking(event: Any, *, day_zone: ZoneInfo, host_zone: ZoneInfo) -> Interval | None:
    if event.get(BOOKING_UID_PROPERTY) is not None:
        return None
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
        return None
    dtstart = event.get("DTSTART")
    if dtstart is None:
        return None
    begin = _instant(dtstart.dt, day_zone=day_zone, host_zone=host_zone)
    try:
        raw_end = event.end
    except Exception:  # neither DTEND nor DURATION: RFC 5545 gives a date one day, a time none
        raw_end = dtstart.dt + timedelta(days=1) if not isinstance(dtstart.dt, datetime) else dtstart.dt
    finish = _instant(raw_end, day_zone=day_zone, host_zone=host_zone)
    begin_s, finish_s = int(begin.timestamp()), int(finish.timestamp())
    return (begin_s, finish_s) if finish_s > begin_s else None


def describe(text: str | bytes) -> tuple[str | None, str | None]:
    """A feed's own name and zone (``X-WR-CALNAME``, ``X-WR-TIMEZONE``); raises ``CalendarDataError``
    for data that is not iCalendar."""
    documents = _documents(text)
    if not documents:
        raise CalendarDataError("the feed holds no calendar")
    first = documents[0]
    name = str(first.get("X-WR-CALNAME") or "").strip() or None
    zone_name = str(first.get("X-WR-TIMEZONE") or "").strip()
    return name, zone_name if _zone(zone_name) else None


# ---------------------------------------------------------------- writing


@dataclass(frozen=True)
class Person:
    name: str | None
    email: str


@dataclass(frozen=True)
class MeetingEvent:
    """What a booking's calendar event says. ``uid`` stays the same for the whole meeting."""

    uid: str
    sequence: int
    booking_uid: str
    title: str
    start: datetime
    end: datetime
    description: str | None
    location: str | None
    organizer: Person | None
    attendees: Sequence[Person]


def _person(person: Person, **params: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = icalendar.vText(person.name)
    for key, value in params.items():
        address.params[key] = icalendar.vText(value)
    return address


def meeting_ics(meeting: MeetingEvent, *, stamp: datetime) -> str:
    """One VCALENDAR with the meeting's VEVENT (times in UTC)."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    event = icalendar.Event()
    event.add("UID", meeting.uid)
    event.add("DTSTAMP", stamp.astimezone(UTC))
    event.add("DTSTART", meeting.start.astimezone(UTC))
    event.add("DTEND", meeting.end.astimezone(UTC))
    event.add("SEQUENCE", meeting.sequence)
    event.add("SUMMARY", meeting.title)
    if meeting.description:
        event.add("DESCRIPTION", meeting.description)
    if meeting.location:
        event.add("LOCATION", meeting.location)
    if meeting.organizer is not None:
        event.add("ORGANIZER", _person(meeting.organizer))
    for attendee in meeting.attendees:
        event.add(
            "ATTENDEE",
            _person(attendee, ROLE="REQ-PARTICIPANT", PARTSTAT="ACCEPTED", RSVP="FALSE"),
        )
    event.add("STATUS", "CONFIRMED")
    event.add("TRANSP", "OPAQUE")
    event.add(BOOKING_UID_PROPERTY, meeting.booking_uid)
    calendar.add_component(event)
    return str(calendar.to_ical().decode())


__all__ = [
    "BOOKING_UID_PROPERTY",
    "CalendarDataError",
    "Interval",
    "MeetingEvent",
    "Person",
    "busy_intervals",
    "describe",
    "meeting_ics",
    "merge",
]
