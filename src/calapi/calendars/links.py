"""'Add to calendar' links for a booking (Google, Microsoft Office, Outlook.com) and its .ics file.

Pure: built from the booking's title, times, description and location. The .ics link points at
calapi's own ``GET /v2/bookings/{uid}/event.ics`` (a calendar app follows it without a key), whose
event has the booking's iCalUID, so importing it twice updates one event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from calapi.calendars.ical import MeetingEvent, meeting_ics


@dataclass(frozen=True)
class CalendarLink:
    label: str
    id: str
    link: str


@dataclass(frozen=True)
class LinkedMeeting:
    uid: str
    ical_uid: str
    title: str
    start: datetime
    end: datetime
    description: str | None
    location: str | None


def _google_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def calendar_links(meeting: LinkedMeeting, ics_url: str) -> list[CalendarLink]:
    google = {
        "action": "TEMPLATE",
        "dates": f"{_google_time(meeting.start)}/{_google_time(meeting.end)}",
        "text": meeting.title,
        "details": meeting.description or "",
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "startdt": _iso(meeting.start),
        "enddt": _iso(meeting.end),
        "subject": meeting.title,
        "body": meeting.description or "",
    }
    if meeting.location:
        google["location"] = meeting.location
        outlook["location"] = meeting.location
    query = urlencode(outlook, quote_via=quote)
    return [
        CalendarLink(
            "Google Calendar",
            "googleCalendar",
            "https://calendar.google.com/calendar/render?" + urlencode(google, quote_via=quote),
        ),
        CalendarLink(
            "Microsoft Office", "microsoftOffice", "https://outlook.office.com/calendar/0/deeplink/compose?" + query
        ),
        CalendarLink(
            "Microsoft Outlook", "microsoftOutlook", "https://outlook.live.com/calendar/0/deeplink/compose?" + query
        ),
        CalendarLink("ICS", "ics", ics_url),
    ]


def meeting_file(meeting: LinkedMeeting, *, stamp: datetime) -> str:
    """The booking as a one-event iCalendar file."""
    return meeting_ics(
        MeetingEvent(
            uid=meeting.ical_uid,
            sequence=0,
            booking_uid=meeting.uid,
            title=meeting.title,
            start=meeting.start,
            end=meeting.end,
            description=meeting.description,
            location=meeting.location,
            organizer=None,
            attendees=(),
        ),
        stamp=stamp,
    )
