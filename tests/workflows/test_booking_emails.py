"""The default booking emails, over a real SMTP server: who gets what for each change of a booking,
their .ics (UID, SEQUENCE, METHOD, times, read back with ``icalendar``), escaping, the event-type
switch that turns them off, SMTP AUTH and STARTTLS, and the message log that records them."""

from __future__ import annotations

from typing import Any

import httpx
import icalendar
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from calapi.bookings.models import Booking
from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, make_event_type, v2
from tests.conftest import BOTH_DATABASES
from tests.teams.team_booking_helpers import team_event, team_of
from tests.webhooks.conftest import settle
from tests.workflows.conftest import messages_of
from tests.workflows.servers import SMTP_USER, Delivered

TUESDAY = "2050-09-06"


async def booked(client: httpx.AsyncClient, event_type_id: int, start: str, **overrides: Any) -> dict[str, Any]:
    response = await book(client, event_type_id, start, **overrides)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


async def act(client: httpx.AsyncClient, uid: str, action: str, body: Any = None, user: Any = None) -> dict[str, Any]:
    response = await client.post(f"/v2/bookings/{uid}/{action}", json=body, headers=v2(user))
    assert response.status_code in (200, 201), response.text
    return dict(response.json()["data"])


def attendees_of(event: Any) -> list[str]:
    listed = event.get("ATTENDEE", [])
    return sorted(str(a) for a in (listed if isinstance(listed, list) else [listed]))


def event_of(delivered: Delivered) -> Any:
    calendar = icalendar.Calendar.from_ical(delivered.calendar())
    [event] = calendar.walk("VEVENT")
    return calendar, event


async def ical_uid(app: Any, uid: str) -> str:
    async with app.state.sessionmaker() as session:
        return str(await session.scalar(select(Booking.ical_uid).where(Booking.uid == uid)))


@BOTH_DATABASES
async def test_a_new_booking_emails_the_organizer_and_every_attendee(
    app, client, alice, bob, event_types, smtp, job_loop
):
    booking = await booked(client, event_types.regular, at(MONDAY, "10:00"), guests=["guest@example.com"])
    received = await smtp.wait_for(3)
    await settle(app)
    assert sorted(m.to for m in smtp.messages()) == ["alice@example.com", "guest@example.com", "jane@example.com"]
    [host] = smtp.to("alice@example.com")
    [jane] = smtp.to("jane@example.com")
    assert host.subject == "New booking: Regular between Alice and Jane Booker on Mon, Sep 5, 2050 11:00am"
    assert jane.subject == "Confirmed: Regular between Alice and Jane Booker on Mon, Sep 5, 2050 12:00pm"
    # Each in its reader's zone: the host in London, Jane in Rome.
    assert "11:00am – 11:30am (Europe/London)" in host.part("text/plain")
    assert "12:00pm – 12:30pm (Europe/Rome)" in jane.part("text/plain")
    assert "Jane Booker booked time with you." in host.part("text/html")
    assert str(jane.message["From"]) == "Cal Notifications <notifications@calapi.test>"
    assert str(jane.message["Reply-To"]) == "alice@example.com"
    assert len({m.message_id for m in received}) == 3
    calendar, event = event_of(jane)
    assert calendar["METHOD"] == "REQUEST" and event["STATUS"] == "CONFIRMED"
    assert str(event["UID"]) == await ical_uid(app, booking["uid"])
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART").isoformat() == "2050-09-05T10:00:00+00:00"
    assert event.decoded("DTEND").isoformat() == "2050-09-05T10:30:00+00:00"
    assert attendees_of(event) == ["mailto:guest@example.com", "mailto:jane@example.com"]
    assert str(event["ORGANIZER"]) == "mailto:alice@example.com"

    log = await client.get(f"/v2/bookings/{booking['uid']}/messages", headers=alice.headers)
    assert log.status_code == 200, log.text
    entries = log.json()["data"]
    assert sorted((e["recipient"], e["recipientRole"], e["status"], e["trigger"]) for e in entries) == [
        ("alice@example.com", "host", "sent", "bookingCreated"),
        ("guest@example.com", "attendee", "sent", "bookingCreated"),
        ("jane@example.com", "attendee", "sent", "bookingCreated"),
    ]
    by_recipient = {e["recipient"]: e for e in entries}
    assert by_recipient["jane@example.com"]["messageId"] == jane.message_id
    assert by_recipient["jane@example.com"]["providerId"].startswith("2.0.0 Ok: queued as Q")
    assert by_recipient["jane@example.com"]["attempts"] == 1 and by_recipient["jane@example.com"]["sentAt"]
    assert by_recipient["jane@example.com"]["subject"] == jane.subject
    # Only those who may see the booking read its log.
    assert (await client.get(f"/v2/bookings/{booking['uid']}/messages", headers={})).status_code == 401
    other = await client.get(f"/v2/bookings/{booking['uid']}/messages", headers=bob.headers)
    assert (
        other.status_code == 404 and other.json()["error"]["message"] == f"Booking with uid={booking['uid']} not found"
    )


async def test_reschedule_keeps_the_calendar_uid_and_raises_the_sequence(
    app, client, alice, event_types, smtp, job_loop
):
    first = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    await smtp.wait_for(2)
    moved = await act(client, first["uid"], "reschedule", {"start": at(MONDAY, "14:00"), "reschedulingReason": "clash"})
    await smtp.wait_for(4)
    again = await act(client, moved["uid"], "reschedule", {"start": at(TUESDAY, "09:00")})
    await smtp.wait_for(6)
    await act(client, again["uid"], "cancel", {"cancellationReason": "No longer needed"})
    await smtp.wait_for(8)
    await settle(app)
    to_jane = smtp.to("jane@example.com")
    assert [m.subject.split(":")[0] for m in to_jane] == ["Confirmed", "Rescheduled", "Rescheduled", "Cancelled"]
    events = [event_of(m) for m in to_jane]
    assert {str(event["UID"]) for _, event in events} == {await ical_uid(app, first["uid"])}
    assert [event["SEQUENCE"] for _, event in events] == [0, 1, 2, 3]
    assert [str(calendar["METHOD"]) for calendar, _ in events] == ["REQUEST", "REQUEST", "REQUEST", "CANCEL"]
    assert [str(event["STATUS"]) for _, event in events] == ["CONFIRMED", "CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert [event.decoded("DTSTART").isoformat() for _, event in events] == [
        "2050-09-05T10:00:00+00:00",
        "2050-09-05T14:00:00+00:00",
        "2050-09-06T09:00:00+00:00",
        "2050-09-06T09:00:00+00:00",
    ]
    rescheduled = to_jane[1].part("text/plain")
    assert "Previously: Monday, September 5, 2050 12:00pm – 12:30pm (Europe/Rome)" in rescheduled
    assert "When: Monday, September 5, 2050 4:00pm – 4:30pm (Europe/Rome)" in rescheduled
    assert "Reason: No longer needed" in to_jane[3].part("text/plain")
    to_host = smtp.to("alice@example.com")
    assert [m.subject.split(":")[0] for m in to_host] == ["New booking", "Rescheduled", "Rescheduled", "Cancelled"]
    # Message-IDs are all different: eight messages, eight ids.
    assert len({m.message_id for m in smtp.messages()}) == 8


async def test_requested_then_confirmed_or_declined(app, client, alice, event_types, smtp, job_loop):
    pending = await booked(client, event_types.confirm, at(MONDAY, "10:00"))
    await smtp.wait_for(2)
    [asked] = smtp.to("alice@example.com")
    [sent] = smtp.to("jane@example.com")
    assert asked.subject.startswith("Confirmation needed: ") and sent.subject.startswith("Request sent: ")
    calendar, event = event_of(sent)
    assert calendar["METHOD"] == "REQUEST" and event["STATUS"] == "TENTATIVE"
    await act(client, pending["uid"], "confirm", user=alice)
    await smtp.wait_for(4)
    assert [m.subject.split(":")[0] for m in smtp.to("jane@example.com")] == ["Request sent", "Confirmed"]
    assert "Your booking has been confirmed" in smtp.to("jane@example.com")[1].part("text/plain")
    assert [m.subject.split(":")[0] for m in smtp.to("alice@example.com")] == ["Confirmation needed", "Confirmed"]
    _, confirmed_event = event_of(smtp.to("jane@example.com")[1])
    assert confirmed_event["STATUS"] == "CONFIRMED"

    other = await booked(
        client, event_types.confirm, at(MONDAY, "11:00"), attendee={**ATTENDEE, "email": "sam@example.com"}
    )
    await smtp.wait_for(6)
    await act(client, other["uid"], "decline", {"reason": "Away <that day>"}, user=alice)
    await smtp.wait_for(7)
    await settle(app)
    # Declined: the attendee hears of it, the host (who declined) does not.
    assert [m.subject.split(":")[0] for m in smtp.to("sam@example.com")] == ["Request sent", "Declined"]
    assert len(smtp.to("alice@example.com")) == 3
    declined = smtp.to("sam@example.com")[1]
    assert "Away &lt;that day&gt;" in declined.part("text/html")
    calendar, event = event_of(declined)
    assert calendar["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    trail = [(m.trigger, m.recipient) for m in await messages_of(app, booking_uid=pending["uid"])]
    assert sorted(trail) == [
        ("confirmed", "alice@example.com"),
        ("confirmed", "jane@example.com"),
        ("requested", "alice@example.com"),
        ("requested", "jane@example.com"),
    ]


async def test_what_a_booker_typed_is_escaped(app, client, alice, event_types, smtp, job_loop):
    notes = '<script>alert("x")</script> & <b>bold</b>'
    await booked(client, event_types.regular, at(MONDAY, "10:00"), bookingFieldsResponses={"notes": notes})
    [host] = [m for m in await smtp.wait_for(2) if m.to == "alice@example.com"]
    html = host.part("text/html")
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert f"Additional notes: {notes}" in host.part("text/plain")  # the text part is text


async def test_the_event_type_turns_the_default_emails_off(app, client, alice, event_types, smtp, job_loop):
    # v2: emailSettings, echoed by the event type.
    response = await client.patch(
        f"/v2/event-types/{event_types.regular}",
        json={"emailSettings": {"disableStandardEmailsToHosts": True}},
        headers=v2(alice, "2024-06-14"),
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["emailSettings"] == {"disableStandardEmailsToAttendees": False, "disableStandardEmailsToHosts": True}
    await booked(client, event_types.regular, at(MONDAY, "10:00"))
    await settle(app)
    assert [m.to for m in smtp.messages()] == ["jane@example.com"]

    # v1: the metadata's disableStandardEmails.all; v2 reads the same switch back.
    response = await client.patch(
        f"/v1/event-types/{event_types.regular}",
        params={"apiKey": alice.key},
        json={"metadata": {"disableStandardEmails": {"all": {"host": True, "attendee": True}}}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["event_type"]["metadata"]["disableStandardEmails"]["all"] == {"host": True, "attendee": True}
    got = (await client.get(f"/v2/event-types/{event_types.regular}", headers=v2(alice, "2024-06-14"))).json()
    assert got["data"]["emailSettings"] == {
        "disableStandardEmailsToAttendees": True,
        "disableStandardEmailsToHosts": True,
    }
    both_off = await booked(client, event_types.regular, at(MONDAY, "11:00"))
    await client.post(f"/v2/bookings/{both_off['uid']}/cancel", json={"cancellationReason": "x"}, headers=v2())
    await settle(app)
    assert len(smtp.messages()) == 1 and await messages_of(app, booking_uid=both_off["uid"]) == []

    # Back on through v2: the emails go again.
    response = await client.patch(
        f"/v2/event-types/{event_types.regular}",
        json={"emailSettings": {"disableStandardEmailsToHosts": False, "disableStandardEmailsToAttendees": False}},
        headers=v2(alice, "2024-06-14"),
    )
    assert response.status_code == 200 and "emailSettings" not in response.json()["data"]
    await booked(client, event_types.regular, at(MONDAY, "12:00"))
    await smtp.wait_for(3)
    await settle(app)
    assert sorted(m.to for m in smtp.messages()[1:]) == ["alice@example.com", "jane@example.com"]

    # A switch that is not true or false is refused, naming it.
    response = await client.patch(
        f"/v1/event-types/{event_types.regular}",
        params={"apiKey": alice.key},
        json={"metadata": {"disableStandardEmails": {"all": {"host": "yes"}}}},
    )
    assert response.status_code == 400
    assert response.json()["message"] == "metadata.disableStandardEmails.all.host must be true or false"


async def test_a_seat_holder_hears_of_their_own_seat_only(app, client, alice, event_types, smtp, job_loop):
    first = await booked(client, event_types.seated, at(MONDAY, "10:00"))
    await smtp.wait_for(2)
    await booked(
        client,
        event_types.seated,
        at(MONDAY, "10:00"),
        attendee={**ATTENDEE, "email": "sam@example.com", "name": "Sam"},
    )
    await smtp.wait_for(4)
    await settle(app)
    assert sorted(m.to for m in smtp.messages()) == [
        "alice@example.com",
        "alice@example.com",
        "jane@example.com",
        "sam@example.com",
    ]
    [sam] = smtp.to("sam@example.com")
    assert "jane@example.com" not in sam.part("text/plain")  # the event type keeps seat holders apart
    _, event = event_of(sam)
    assert attendees_of(event) == ["mailto:sam@example.com"]
    assert event_of(smtp.to("jane@example.com")[0])[1]["UID"] == event["UID"]  # one meeting
    seats = first["seatUid"]
    await act(client, first["uid"], "cancel", {"seatUid": seats, "cancellationReason": "Sick"})
    await smtp.wait_for(6)
    await settle(app)
    assert [m.subject.split(":")[0] for m in smtp.to("jane@example.com")] == ["Confirmed", "Cancelled"]
    assert "Reason: Sick" in smtp.to("jane@example.com")[1].part("text/plain")
    assert smtp.to("sam@example.com") == [sam]


@pytest.mark.parametrize("smtp_mode", ["auth", "starttls", "tls"])
async def test_smtp_authentication_starttls_and_tls(app, client, alice, event_types, smtp, smtp_mode, job_loop):
    await booked(client, event_types.regular, at(MONDAY, "10:00"))
    received = await smtp.wait_for(2)
    assert {m.authenticated_as for m in received} == {SMTP_USER}
    assert {m.tls for m in received} == {smtp_mode != "auth"}


@pytest.mark.parametrize("smtp_mode", ["auth"])
async def test_a_refused_login_is_retried_then_failed_in_the_log(app, client, alice, event_types, smtp, job_loop):
    app.state.settings.smtp_url = SecretStr(smtp.url.replace("%40", "%21", 1))  # a wrong password
    booking = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    await settle(app)
    entries = await messages_of(app, booking_uid=booking["uid"])
    assert smtp.messages() == [] and len(entries) == 2
    assert {(m.status, m.attempts) for m in entries} == {("failed", 3)}
    assert all(m.note and m.note.startswith("SMTP 535") for m in entries)


@pytest.mark.parametrize("settings_overrides", [{"notification_retry_schedule": "0"}])
async def test_without_smtp_messages_are_recorded_as_not_sent(app, client, alice, event_types, job_loop):
    booking = await booked(client, event_types.regular, at(MONDAY, "10:00"))
    await settle(app)
    entries = await messages_of(app, booking_uid=booking["uid"])
    assert sorted(m.recipient for m in entries) == ["alice@example.com", "jane@example.com"]
    assert {m.status for m in entries} == {"not_sent"}
    assert {m.note for m in entries} == {"not sent: not configured (set CALAPI_SMTP_URL to send email)"}


@BOTH_DATABASES
async def test_a_recurring_series_is_announced_once_for_all_its_meetings(
    app, client, alice, event_types, smtp, job_loop
):
    response = await book(client, event_types.recurring, at(MONDAY, "11:00"))
    assert response.status_code == 201, response.text
    series = response.json()["data"]
    assert len(series) == 4
    await smtp.wait_for(2)
    await settle(app)
    # One email to the host and one to the booker, for the four meetings; not one per meeting.
    assert sorted(m.to for m in smtp.messages()) == ["alice@example.com", "jane@example.com"]
    [jane] = smtp.to("jane@example.com")
    assert "Repeats every week, 4 meetings in all" in jane.part("text/plain")
    assert "Repeats every week, 4 meetings in all" in jane.part("text/html")
    _, event = event_of(jane)
    assert event.decoded("DTSTART").isoformat() == "2050-09-05T11:00:00+00:00"  # the first meeting
    rule = event["RRULE"]
    assert (rule["FREQ"], rule["INTERVAL"], rule["COUNT"]) == (["WEEKLY"], [1], [4])
    logged = await messages_of(app, source="booking")
    assert {m.booking_uid for m in logged} == {series[0]["uid"]}
    # One meeting of the series cancelled on its own: that one is told of, alone.
    await act(client, series[2]["uid"], "cancel", {"cancellationReason": "Away"})
    await smtp.wait_for(4)
    await settle(app)
    cancelled = [m for m in smtp.messages() if m.subject.startswith("Cancelled:")]
    assert sorted(m.to for m in cancelled) == ["alice@example.com", "jane@example.com"]
    assert "RRULE" not in event_of(cancelled[0])[1]


async def test_a_recurring_series_awaiting_confirmation_is_requested_and_confirmed_once(
    app, client, alice, event_types, smtp, job_loop
):
    kind = await make_event_type(
        client,
        alice,
        "series-to-confirm",
        recurrence={"interval": 2, "occurrences": 3, "frequency": "weekly"},
        confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": True},
    )
    response = await book(client, kind, at(MONDAY, "11:00"))
    assert response.status_code == 201, response.text
    series = response.json()["data"]
    await smtp.wait_for(2)
    await settle(app)
    assert sorted(m.subject.split(":")[0] for m in smtp.messages()) == ["Confirmation needed", "Request sent"]
    await act(client, series[1]["uid"], "confirm", user=alice)  # any meeting of it confirms the series
    await smtp.wait_for(4)
    await settle(app)
    confirmed = smtp.messages()[2:]
    assert sorted(m.to for m in confirmed) == ["alice@example.com", "jane@example.com"]
    assert all("Repeats every 2 weeks, 3 meetings in all" in m.part("text/plain") for m in confirmed)
    assert {m.booking_uid for m in await messages_of(app, source="booking")} == {series[0]["uid"]}


@BOTH_DATABASES
async def test_a_reassigned_booking_tells_the_new_host_the_old_host_and_the_attendees(
    app, client, alice, smtp, job_loop
):
    team_id, (owner, bob, carol) = await team_of(app, client, alice, ["bob", "carol"])
    hosts = [{"userId": bob.id, "priority": "high"}, {"userId": carol.id}]
    event_id = await team_event(client, alice, team_id, "demo", "roundRobin", hosts)
    created = await book(client, event_id, at(MONDAY, "10:00"))
    assert created.status_code == 201, created.text
    uid = created.json()["data"]["uid"]
    await smtp.wait_for(2)
    await settle(app)
    before = len(smtp.messages())
    assert sorted(m.to for m in smtp.messages()) == sorted([bob.email, "jane@example.com"])

    moved = await client.post(f"/v2/bookings/{uid}/reassign/{carol.id}", json={"reason": "away"}, headers=v2(owner))
    assert moved.status_code == 200, moved.text
    await smtp.wait_for(before + 3)
    await settle(app)
    sent = {m.to: m for m in smtp.messages()[before:]}
    assert sorted(sent) == sorted([bob.email, carol.email, "jane@example.com"])
    # The new host: as of a new booking, the meeting in their calendar.
    assert sent[carol.email].subject.startswith("New booking: ")
    assert event_of(sent[carol.email])[0]["METHOD"] == "REQUEST"
    # The old host: the entry withdrawn (same UID, METHOD:CANCEL), and who hosts it now.
    calendar, withdrawn = event_of(sent[bob.email])
    assert sent[bob.email].subject.startswith("Reassigned: ")
    assert "Carol hosts this event now" in sent[bob.email].part("text/plain")
    assert calendar["METHOD"] == "CANCEL" and str(withdrawn["UID"]) == await ical_uid(app, uid)
    # The attendee: the same meeting with its new host.
    calendar, kept = event_of(sent["jane@example.com"])
    assert sent["jane@example.com"].subject.startswith("New host: ")
    assert "Carol will host this event" in sent["jane@example.com"].part("text/plain")
    assert calendar["METHOD"] == "REQUEST" and str(kept["ORGANIZER"]) == f"mailto:{carol.email}"
    log = await client.get(f"/v2/bookings/{uid}/messages", headers=v2(owner))
    assert log.status_code == 200, log.text
    assert {e["trigger"] for e in log.json()["data"]} >= {"bookingCreated", "bookingReassigned"}
