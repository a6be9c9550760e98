"""The calendar file attached to a message (iTIP over email, RFC 5546): one VEVENT per meeting.

The UID stays the meeting's across reschedules and SEQUENCE grows with each change, so a
calendar updates the entry it already has instead of adding a second one; METHOD:CANCEL removes
it. Times are written in UTC, which every calendar reads without a VTIMEZONE.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress, vText

from calapi.notifications.facts import Meeting, Person

PRODUCT_ID = "-//calapi//calapi notifications//EN"


class Method(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


def _address(person: Person, *, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name or person.email)
    if role is not None:
        address.params["ROLE"] = vText(role)
        address.params["PARTSTAT"] = vText("NEEDS-ACTION")
        address.params["RSVP"] = vText("TRUE")
    return address


def calendar_file(meeting: Meeting, method: Method, *, stamp: datetime, attendees: tuple[Person, ...]) -> bytes:
    """The ``.ics`` for ``meeting``; ``attendees``: who the file lists (a seat holder sees only
    themselves when the event type hides its attendees)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    event = Event()
    event.add("uid", meeting.ical_uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.start)
    event.add("dtend", meeting.end)
    if meeting.repeats is not None:
        # The whole series in one entry: a calendar shows every meeting from the first one's file.
        event.add(
            "rrule",
            {
                "FREQ": meeting.repeats.frequency.upper(),
                "INTERVAL": meeting.repeats.interval,
                "COUNT": meeting.repeats.count,
            },
        )
    event.add("summary", meeting.title)
    if meeting.description or meeting.additional_notes:
        event.add("description", meeting.description or meeting.additional_notes or "")
    if meeting.location:
        event.add("location", meeting.location)
    event.add("sequence", meeting.ical_sequence + (1 if method is Method.CANCEL else 0))
    status = "CANCELLED" if method is Method.CANCEL else "TENTATIVE" if meeting.tentative else "CONFIRMED"
    event.add("status", status)
    event.add("organizer", _address(meeting.organizer))
    for host in meeting.hosts:
        event.add("attendee", _address(host, role="REQ-PARTICIPANT"))
    for person in attendees:
        event.add("attendee", _address(person, role="REQ-PARTICIPANT"))
    calendar.add_component(event)
    content: bytes = calendar.to_ical()
    return content
