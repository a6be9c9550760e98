"""The email as written on the wire: headers (non-ASCII names and subjects encoded), CRLF line
ends, the text, HTML and calendar parts, and a Message-ID made from the log's id."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from calapi.notifications.email import Attachment, OutgoingEmail, compose, message_id_header


def test_compose_writes_what_mail_readers_parse_back() -> None:
    raw = compose(
        OutgoingEmail(
            message_id="msg_abc",
            sender="Cal Notifications <notifications@calapi.test>",
            sender_name="Zoë's Studio",
            to="jane@example.com",
            to_name="Jane Bøoker",
            subject="Réunion: « Intro » at 10:00am",
            html="<p>Hi Jane — ça va?</p>",
            text="Hi Jane — ça va?\n",
            reply_to="zoe@example.com",
            calendar=Attachment(
                "invite.ics", b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", "text/calendar; method=REQUEST"
            ),
        ),
        now=datetime(2050, 9, 5, 10, tzinfo=UTC),
    )
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # every non-ASCII header is encoded
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(parsed["From"]) == "Zoë's Studio <notifications@calapi.test>"
    assert str(parsed["To"]) == "Jane Bøoker <jane@example.com>"
    assert str(parsed["Subject"]) == "Réunion: « Intro » at 10:00am"
    assert str(parsed["Message-ID"]) == "<msg_abc@calapi.test>" == message_id_header("msg_abc", "x@calapi.test")
    assert str(parsed["Reply-To"]) == "zoe@example.com"
    assert str(parsed["Date"]) == "Mon, 05 Sep 2050 10:00:00 +0000"
    parts = {(p.get_content_type(), p.get_filename()) for p in parsed.walk() if not p.is_multipart()}
    assert parts == {
        ("text/plain", None),
        ("text/html", None),
        ("text/calendar", None),
        ("application/ics", "invite.ics"),
    }
    body = parsed.get_body(("html",))
    assert body is not None and body.get_content() == "<p>Hi Jane — ça va?</p>"
    invitation = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    assert invitation.get_param("method") == "REQUEST"
