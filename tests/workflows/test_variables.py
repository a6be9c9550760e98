"""Cal.com's {VARIABLE} syntax: what saving refuses, how values render (in the recipient's zone,
escaped in HTML), and dayjs formats written the way dayjs writes them."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from calapi.notifications import variables
from calapi.notifications.facts import Meeting, Person

ORGANIZER = Person(name="Alice Host", email="alice@example.com", time_zone="Europe/London")
BOOKER = Person(name="Jane <b>Q</b> Booker", email="jane@example.com", time_zone="America/New_York")
MEETING = Meeting(
    uid="b1",
    title="Intro & <chat>",
    event_type_title="Intro",
    start=datetime(2050, 9, 5, 14, 30, tzinfo=UTC),
    end=datetime(2050, 9, 5, 15, 0, tzinfo=UTC),
    organizer=ORGANIZER,
    attendees=(BOOKER,),
    location="https://meet.example.com/x?a=1&b=2",
    meeting_url="https://meet.example.com/x?a=1&b=2",
    additional_notes="Bring <notes>",
    responses={"company size?": "11-50", "guests": ["g1@example.com", "g2@example.com"]},
)


def test_the_formatted_date_is_written_in_the_recipients_zone() -> None:
    text = "{EVENT_DATE_ddd, MMM D, YYYY h:mma}|{EVENT_TIME}|{TIMEZONE}|{EVENT_END_TIME_HH:mm}"
    rendered = variables.render(text, MEETING, attendee=BOOKER, zone="America/New_York")
    assert rendered == "Mon, Sep 5, 2050 10:30am|10:30am|America/New_York|11:00"
    in_london = variables.render(text, MEETING, attendee=BOOKER, zone="Europe/London", time_format=24)
    assert in_london == "Mon, Sep 5, 2050 3:30pm|15:30|Europe/London|16:00"


def test_names_dates_and_answers() -> None:
    text = (
        "{ATTENDEE_FIRST_NAME}/{ATTENDEE_LAST_NAME}/{ORGANIZER}/{EVENT_DATE}/{COMPANY_SIZE}/{GUESTS}/"
        "{EVENT_START_TIME_IN_ATTENDEE_TIMEZONE}/{ATTENDEE_TIMEZONE}/{START_TIME_[at] h A}"
    )
    rendered = variables.render(text, MEETING, attendee=BOOKER, zone="Europe/London")
    assert rendered == (
        "Jane/Booker/Alice Host/Monday, September 5, 2050/11-50/g1@example.com, g2@example.com/"
        "10:30am/America/New_York/at 3 PM"
    )


def test_values_are_escaped_in_html_and_the_template_is_kept() -> None:
    text = '<p style="color:red">{ATTENDEE_NAME} · {EVENT_NAME} · {MEETING_URL} · {ADDITIONAL_NOTES}</p>{color: x}'
    rendered = variables.render(text, MEETING, attendee=BOOKER, zone="UTC", escape=html.escape)
    assert rendered == (
        '<p style="color:red">Jane &lt;b&gt;Q&lt;/b&gt; Booker · Intro &amp; &lt;chat&gt; · '
        "https://meet.example.com/x?a=1&amp;b=2 · Bring &lt;notes&gt;</p>{color: x}"
    )


def test_saving_names_unknown_variables_and_bad_formats() -> None:
    assert variables.check("Hi {ATTENDEE_NAME}, {EVENT_DATE_YYYY-MM-DD} {Hello} {color: red}") == []
    [unknown] = variables.check("Hi {ATENDEE_NAME}")
    assert unknown.variable == "{ATENDEE_NAME}" and unknown.reason == "unknown variable"
    [bad] = variables.check("On {EVENT_DATE_ddd at h:mma}")
    assert bad.variable == "{EVENT_DATE_ddd at h:mma}" and "'t' is not a dayjs format token" in bad.reason
    [empty] = variables.check("{EVENT_TIME_}")
    assert "empty" in empty.reason
    assert variables.check("{COMPANY_SIZE}") != []
    assert variables.check("{COMPANY_SIZE}", {"COMPANY_SIZE"}) == []


def test_dayjs_tokens() -> None:
    moment = datetime(2050, 1, 2, 0, 5, 9, 123000, tzinfo=UTC)
    assert variables.format_dayjs(moment, "YYYY YY M MM MMM MMMM D DD Do d dd ddd dddd") == (
        "2050 50 1 01 Jan January 2 02 2nd 0 Su Sun Sunday"
    )
    assert variables.format_dayjs(moment, "H HH h hh k kk m mm s ss SSS A a Z ZZ Q") == (
        "0 00 12 12 24 24 5 05 9 09 123 AM am +00:00 +0000 1"
    )
    assert variables.format_dayjs(moment, "LT [LT] LL") == "12:05 AM LT January 2, 2050"
