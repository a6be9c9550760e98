"""Message layouts: the booking emails calapi sends by default, and the frame around a workflow's
own text. Jinja2 templates (``templates/``) with autoescaping on for HTML: every value from a
booking is escaped. A workflow's body is the owner's own HTML; its variables are rendered by
``variables.render`` with their values escaped, and the result is placed in the frame as is (it
never passes through Jinja, so a brace in it is text, not template code).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from calapi.notifications import variables
from calapi.notifications.facts import Meeting, Person
from calapi.notifications.variables import format_dayjs

_env = Environment(
    loader=PackageLoader("calapi.notifications", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    auto_reload=False,  # the templates ship with the package: no stat per message
)


class BookingEmail(StrEnum):
    """The emails a booking change sends unless its event type turns them off."""

    created = "created"
    requested = "requested"
    confirmed = "confirmed"
    rescheduled = "rescheduled"
    cancelled = "cancelled"
    rejected = "rejected"
    reassigned = "reassigned"  # a new organizer: to the one who lost the booking, and the attendees


class Audience(StrEnum):
    host = "host"  # the organizer and co-hosts
    attendee = "attendee"  # the booker and guests


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class _PersonLine:
    name: str
    email: str
    label: str


def _when(meeting: Meeting, zone: str, time_format: int, *, start: bool = True) -> str:
    tz = _zone(zone)
    begin = (meeting.start if start else meeting.previous_start or meeting.start).astimezone(tz)
    end = (meeting.end if start else meeting.previous_end or meeting.end).astimezone(tz)
    clock = "h:mma" if time_format == 12 else "HH:mm"
    return f"{format_dayjs(begin, 'dddd, MMMM D, YYYY')} {format_dayjs(begin, clock)} – {format_dayjs(end, clock)} ({zone})"


_UNITS = {"weekly": "week", "monthly": "month", "yearly": "year"}


def _repeats(meeting: Meeting) -> str | None:
    """ "Every 2 weeks, 4 meetings" for a series spoken of as a whole."""
    repeats = meeting.repeats
    if repeats is None:
        return None
    unit = _UNITS.get(repeats.frequency, repeats.frequency)
    every = f"every {unit}" if repeats.interval == 1 else f"every {repeats.interval} {unit}s"
    return f"Repeats {every}, {repeats.count} meetings in all"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _short_date(meeting: Meeting, zone: str, time_format: int) -> str:
    clock = "h:mma" if time_format == 12 else "HH:mm"
    return format_dayjs(meeting.start.astimezone(_zone(zone)), f"ddd, MMM D, YYYY {clock}")


_SUBJECTS: dict[tuple[BookingEmail, Audience], str] = {
    (BookingEmail.created, Audience.host): "New booking: {title} on {date}",
    (BookingEmail.created, Audience.attendee): "Confirmed: {title} on {date}",
    (BookingEmail.requested, Audience.host): "Confirmation needed: {title} on {date}",
    (BookingEmail.requested, Audience.attendee): "Request sent: {title} on {date}",
    (BookingEmail.confirmed, Audience.host): "Confirmed: {title} on {date}",
    (BookingEmail.confirmed, Audience.attendee): "Confirmed: {title} on {date}",
    (BookingEmail.rescheduled, Audience.host): "Rescheduled: {title} on {date}",
    (BookingEmail.rescheduled, Audience.attendee): "Rescheduled: {title} on {date}",
    (BookingEmail.cancelled, Audience.host): "Cancelled: {title} on {date}",
    (BookingEmail.cancelled, Audience.attendee): "Cancelled: {title} on {date}",
    (BookingEmail.rejected, Audience.host): "Declined: {title} on {date}",
    (BookingEmail.rejected, Audience.attendee): "Declined: {title} on {date}",
    (BookingEmail.reassigned, Audience.host): "Reassigned: {title} on {date}",
    (BookingEmail.reassigned, Audience.attendee): "New host: {title} on {date}",
}
_HEADLINES: dict[tuple[BookingEmail, Audience], tuple[str, str]] = {
    (BookingEmail.created, Audience.host): ("A new event has been booked", "{booker} booked time with you."),
    (BookingEmail.created, Audience.attendee): (
        "Your event has been booked",
        "We sent a calendar invitation to everyone taking part.",
    ),
    (BookingEmail.requested, Audience.host): (
        "A booking is waiting for your confirmation",
        "{booker} asked for this time. Confirm or decline the booking; it stays tentative until then.",
    ),
    (BookingEmail.requested, Audience.attendee): (
        "Your booking request has been sent",
        "{organizer} will confirm or decline it. You will get another email then.",
    ),
    (BookingEmail.confirmed, Audience.host): ("You confirmed a booking", "The booking with {booker} is confirmed."),
    (BookingEmail.confirmed, Audience.attendee): (
        "Your booking has been confirmed",
        "{organizer} confirmed your booking.",
    ),
    (BookingEmail.rescheduled, Audience.host): ("An event has been rescheduled", "The event has a new time."),
    (BookingEmail.rescheduled, Audience.attendee): ("Your event has been rescheduled", "The event has a new time."),
    (BookingEmail.cancelled, Audience.host): ("An event has been cancelled", "This event will not take place."),
    (BookingEmail.cancelled, Audience.attendee): ("Your event has been cancelled", "This event will not take place."),
    (BookingEmail.rejected, Audience.host): ("A booking request was declined", "The request was declined."),
    (BookingEmail.rejected, Audience.attendee): (
        "Your booking request was declined",
        "{organizer} declined your request.",
    ),
    (BookingEmail.reassigned, Audience.host): (
        "A booking was reassigned",
        "{organizer} hosts this event now; you no longer take part in it.",
    ),
    (BookingEmail.reassigned, Audience.attendee): (
        "Your event has a new host",
        "{organizer} will host this event; its time stays the same.",
    ),
}


def _people(meeting: Meeting, shown: tuple[Person, ...]) -> list[_PersonLine]:
    lines = [_PersonLine(meeting.organizer.name, meeting.organizer.email, "organizer")]
    lines += [_PersonLine(h.name, h.email, "host") for h in meeting.hosts]
    lines += [_PersonLine(a.name, a.email, "") for a in shown]
    return lines


def booking_email(
    kind: BookingEmail,
    audience: Audience,
    meeting: Meeting,
    *,
    zone: str,
    time_format: int,
    shown_attendees: tuple[Person, ...],
    links: tuple[Link, ...] = (),
) -> Rendered:
    """One default booking email for one recipient, in their zone and clock."""
    booker = meeting.attendees[0].name if meeting.attendees else ""
    subject = _SUBJECTS[(kind, audience)].format(title=meeting.title, date=_short_date(meeting, zone, time_format))
    headline, intro = _HEADLINES[(kind, audience)]
    gone = kind in (BookingEmail.cancelled, BookingEmail.rejected)
    reason = (
        meeting.cancellation_reason
        if kind is BookingEmail.cancelled
        else meeting.rejection_reason
        if kind is BookingEmail.rejected
        else meeting.reschedule_reason
        if kind is BookingEmail.rescheduled
        else None
    )
    context = {
        "lang": "en",
        "subject": subject,
        "headline": headline,
        "intro": intro.format(booker=booker, organizer=meeting.organizer.name),
        "title": meeting.title,
        "when": _when(meeting, zone, time_format),
        "repeats": _repeats(meeting),
        "struck": gone,
        "previously": _when(meeting, zone, time_format, start=False)
        if kind is BookingEmail.rescheduled and meeting.previous_start
        else None,
        "people": _people(meeting, shown_attendees),
        "location": meeting.location,
        "notes": meeting.additional_notes,
        "reason": reason,
        "links": [] if gone else list(links),
    }
    return Rendered(
        subject=subject,
        html=_env.get_template("booking.html").render(context),
        text=_env.get_template("booking.txt").render(context),
    )


# ---------------------------------------------------------------- workflow steps

# The text a step's template stands for when its message is left empty.
DEFAULT_TEXTS: dict[str, tuple[str, str]] = {
    "reminder": (
        "Reminder: {EVENT_NAME} - {EVENT_DATE_ddd, MMM D, YYYY h:mma}",
        "Hi {ATTENDEE},\n\nThis is a reminder about your upcoming event.\n\nEvent: {EVENT_NAME}\n"
        "Date & time: {EVENT_DATE_ddd, MMM D, YYYY h:mma} - {EVENT_END_TIME} {TIMEZONE}\n"
        "Attendees: You & {ORGANIZER}\nLocation: {LOCATION}",
    ),
    "rescheduled": (
        "Rescheduled: {EVENT_NAME} - {EVENT_DATE_ddd, MMM D, YYYY h:mma}",
        "Hi {ATTENDEE},\n\nYour event {EVENT_NAME} has been rescheduled to "
        "{EVENT_DATE_ddd, MMM D, YYYY h:mma} {TIMEZONE}.",
    ),
    "cancelled": (
        "Cancelled: {EVENT_NAME} - {EVENT_DATE_ddd, MMM D, YYYY h:mma}",
        "Hi {ATTENDEE},\n\nYour event {EVENT_NAME} on {EVENT_DATE_ddd, MMM D, YYYY h:mma} has been cancelled.",
    ),
    "completed": (
        "Thank you for attending {EVENT_NAME}",
        "Hi {ATTENDEE},\n\nThank you for attending {EVENT_NAME} with {ORGANIZER}.",
    ),
    "rating": (
        "How was {EVENT_NAME}?",
        "Hi {ATTENDEE},\n\nWe hope {EVENT_NAME} with {ORGANIZER} went well.",
    ),
    "custom": ("{EVENT_NAME}", ""),
}


def _text_of(markup: str) -> str:
    """A plain-text alternative of an HTML body: line breaks kept, tags dropped, entities decoded."""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</h[1-6]>", "\n", markup)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip() + "\n"


def workflow_email(
    subject_template: str,
    body_template: str,
    meeting: Meeting,
    *,
    attendee: Person | None,
    zone: str,
    time_format: int,
) -> Rendered:
    """A workflow step's email: its subject and HTML body with the variables rendered (values
    escaped in the body), in the frame; the text alternative derived from the body."""
    subject = variables.render(subject_template, meeting, attendee=attendee, zone=zone, time_format=time_format)
    subject = " ".join(subject.split())  # a header is one line
    body = variables.render(
        body_template, meeting, attendee=attendee, zone=zone, time_format=time_format, escape=html.escape
    )
    frame = _env.get_template("workflow.html").render({"lang": "en", "subject": subject, "body": Markup(body)})
    return Rendered(subject=subject, html=frame, text=_text_of(body))


def workflow_text(body_template: str, meeting: Meeting, *, attendee: Person | None, zone: str, time_format: int) -> str:
    """A workflow step's SMS: the text with its variables rendered (nothing to escape in a text message)."""
    return variables.render(body_template, meeting, attendee=attendee, zone=zone, time_format=time_format)
