"""The busy-event pipeline on its own (no server): what blocks, when, and in which zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from calapi.calendars import ical
from tests.calendars.conftest import vcalendar, vevent

START = datetime(2027, 3, 1, tzinfo=UTC)
END = datetime(2027, 5, 1, tzinfo=UTC)


def utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def busy(text: str, *, host_zone: str = "UTC", calendar_zone: str | None = None) -> list[tuple[int, int]]:
    return ical.busy_intervals([text], start=START, end=END, host_zone=host_zone, calendar_zone=calendar_zone)


WEEKLY = vevent(
    "weekly",
    "DTSTART;TZID=Europe/Berlin:20270315T100000",
    "DTEND;TZID=Europe/Berlin:20270315T110000",
    "RRULE:FREQ=WEEKLY;COUNT=4",
    "SUMMARY:Dentist",
)


def test_a_weekly_event_keeps_its_wall_clock_hours_across_the_dst_change() -> None:
    # Berlin moves to summer time on 2027-03-28: 10:00 local is 09:00Z before, 08:00Z after.
    assert busy(vcalendar(WEEKLY)) == [
        (utc(2027, 3, 15, 9), utc(2027, 3, 15, 10)),
        (utc(2027, 3, 22, 9), utc(2027, 3, 22, 10)),
        (utc(2027, 3, 29, 8), utc(2027, 3, 29, 9)),
        (utc(2027, 4, 5, 8), utc(2027, 4, 5, 9)),
    ]


def test_exdate_frees_its_week_and_a_moved_instance_blocks_its_new_time_only() -> None:
    series = WEEKLY.replace("SUMMARY:Dentist", "EXDATE;TZID=Europe/Berlin:20270322T100000\r\nSUMMARY:Dentist")
    moved = vevent(
        "weekly",
        "RECURRENCE-ID;TZID=Europe/Berlin:20270329T100000",
        "DTSTART;TZID=Europe/Berlin:20270329T150000",
        "DTEND;TZID=Europe/Berlin:20270329T160000",
    )
    assert busy(vcalendar(series, moved)) == [
        (utc(2027, 3, 15, 9), utc(2027, 3, 15, 10)),
        (utc(2027, 3, 29, 13), utc(2027, 3, 29, 14)),
        (utc(2027, 4, 5, 8), utc(2027, 4, 5, 9)),
    ]


def test_a_cancelled_instance_and_a_transparent_event_block_nothing() -> None:
    cancelled = vevent(
        "weekly",
        "RECURRENCE-ID;TZID=Europe/Berlin:20270315T100000",
        "DTSTART;TZID=Europe/Berlin:20270315T100000",
        "DTEND;TZID=Europe/Berlin:20270315T110000",
        "STATUS:CANCELLED",
    )
    transparent = vevent("free", "DTSTART:20270316T090000Z", "DTEND:20270316T100000Z", "TRANSP:TRANSPARENT")
    cancelled_event = vevent("gone", "DTSTART:20270317T090000Z", "DTEND:20270317T100000Z", "STATUS:CANCELLED")
    got = busy(vcalendar(WEEKLY, cancelled, transparent, cancelled_event))
    assert (utc(2027, 3, 15, 9), utc(2027, 3, 15, 10)) not in got
    assert got[0] == (utc(2027, 3, 22, 9), utc(2027, 3, 22, 10))
    assert len(got) == 3


def test_an_all_day_event_blocks_its_date_in_the_calendars_zone_else_the_hosts() -> None:
    day = vevent("holiday", "DTSTART;VALUE=DATE:20270310", "DTEND;VALUE=DATE:20270311")
    # An export that names its zone: the date is New York's (05:00Z to 05:00Z).
    exported = vcalendar(day, extra="X-WR-TIMEZONE:America/New_York\r\n")
    assert busy(exported, host_zone="Asia/Tokyo") == [(utc(2027, 3, 10, 5), utc(2027, 3, 11, 5))]
    # A CalDAV calendar's own zone wins as well.
    assert busy(vcalendar(day), host_zone="UTC", calendar_zone="Asia/Kolkata") == [
        (utc(2027, 3, 9, 18, 30), utc(2027, 3, 10, 18, 30))
    ]
    # No zone anywhere: the host's.
    assert busy(vcalendar(day), host_zone="Asia/Tokyo") == [(utc(2027, 3, 9, 15), utc(2027, 3, 10, 15))]


def test_floating_times_are_the_hosts_and_x_wr_timezone_exports_are_repaired() -> None:
    floating = vevent("float", "DTSTART:20270311T090000", "DTEND:20270311T093000")
    assert busy(vcalendar(floating), host_zone="America/New_York") == [(utc(2027, 3, 11, 14), utc(2027, 3, 11, 14, 30))]
    # Google's export: floating times that mean the X-WR-TIMEZONE zone, whoever the host is.
    google = vcalendar(floating, extra="X-WR-TIMEZONE:Europe/Berlin\r\n")
    assert busy(google, host_zone="America/New_York") == [(utc(2027, 3, 11, 8), utc(2027, 3, 11, 8, 30))]


def test_overlapping_events_merge_and_events_outside_the_window_are_clipped() -> None:
    one = vevent("a", "DTSTART:20270301T090000Z", "DTEND:20270301T100000Z")
    two = vevent("b", "DTSTART:20270301T093000Z", "DURATION:PT1H")
    early = vevent("c", "DTSTART:20270228T230000Z", "DTEND:20270301T010000Z")
    assert busy(vcalendar(one, two, early)) == [
        (utc(2027, 3, 1), utc(2027, 3, 1, 1)),
        (utc(2027, 3, 1, 9), utc(2027, 3, 1, 10, 30)),
    ]


def test_events_calapi_wrote_itself_do_not_block() -> None:
    own = vevent("own@calapi", "DTSTART:20270301T090000Z", "DTEND:20270301T100000Z", f"{ical.BOOKING_UID_PROPERTY}:b1")
    assert busy(vcalendar(own)) == []


def test_data_that_is_not_icalendar_raises_instead_of_blocking_nothing() -> None:
    with pytest.raises(ical.CalendarDataError):
        busy("<html>not a calendar</html>")


def test_the_written_event_carries_uid_sequence_people_and_the_booking_uid() -> None:
    start = datetime(2027, 3, 1, 9, tzinfo=UTC)
    text = ical.meeting_ics(
        ical.MeetingEvent(
            uid="m1@calapi",
            sequence=2,
            booking_uid="b1",
            title="Intro",
            start=start,
            end=start + timedelta(minutes=30),
            description="Notes",
            location="Room 1",
            organizer=ical.Person("Alice", "alice@example.com"),
            attendees=[ical.Person("Jane", "jane@example.com")],
        ),
        stamp=start,
    ).replace("\r\n ", "")  # unfold long lines
    for line in (
        "UID:m1@calapi",
        "SEQUENCE:2",
        "DTSTART:20270301T090000Z",
        "DTEND:20270301T093000Z",
        "SUMMARY:Intro",
        "LOCATION:Room 1",
        "ORGANIZER;CN=Alice:mailto:alice@example.com",
        f"{ical.BOOKING_UID_PROPERTY}:b1",
    ):
        assert line in text, (line, text)
    assert "mailto:jane@example.com" in text
