"""Sending one message (the ``workflows.send`` job): checked again at its time, rendered, handed over.

A two-phase job (``calapi.jobs.worker``): what a claimed batch needs is read in the claim's
transaction (a fixed number of queries for the whole batch), the SMTP or SMS exchange happens with
no connection held, and the outcomes of every message that finished meanwhile are written in one
transaction with their jobs' states.

At its time a reminder is checked again, from the rows as they are then: a booking cancelled,
declined or moved since sends nothing (the message is marked cancelled), and one found later than
the catch-up window after its time (the worker was down) is marked missed — never sent late
without limit, never dropped without a trace. A retry sends the same ``Message-ID`` (the message's
id) and the same idempotency key to the SMS provider: a copy after a crash is recognisable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings.models import BookingStatus
from calapi.config import Settings, parse_duration, parse_schedule
from calapi.core.envelopes import iso_ms
from calapi.db import utcnow
from calapi.jobs import worker as jobs
from calapi.jobs.models import Job
from calapi.notifications import email, ics, layouts, sms
from calapi.notifications.errors import SendFailed
from calapi.notifications.facts import Meeting, Person
from calapi.notifications.layouts import Audience, BookingEmail, Link, Rendered
from calapi.workflows import meetings
from calapi.workflows.meetings import BookingContext
from calapi.workflows.models import Channel, MessageStatus, Source, Template, Trigger, WorkflowMessage, WorkflowStep

NOT_CONFIGURED_EMAIL = "not sent: not configured (set CALAPI_SMTP_URL to send email)"
NOT_CONFIGURED_SMS = "not sent: not configured (set CALAPI_SMS_ACCOUNT_SID, CALAPI_SMS_AUTH_TOKEN and CALAPI_SMS_FROM)"


@dataclass(frozen=True)
class SendContext:
    message: WorkflowMessage | None
    booking: BookingContext | None
    step: WorkflowStep | None


async def load(session: AsyncSession, claimed: list[Job]) -> dict[int, SendContext]:
    """A claimed batch's messages, their bookings and steps: a fixed number of queries in all."""
    ids = {str(job.payload.get("messageId")) for job in claimed}
    messages = {
        m.id: m for m in (await session.scalars(select(WorkflowMessage).where(WorkflowMessage.id.in_(ids)))).all()
    }
    contexts = await meetings.load(session, {m.booking_uid for m in messages.values()})
    step_ids = {m.step_id for m in messages.values() if m.step_id is not None}
    steps = (
        {s.id: s for s in (await session.scalars(select(WorkflowStep).where(WorkflowStep.id.in_(step_ids)))).all()}
        if step_ids
        else {}
    )
    out = {}
    for job in claimed:
        message = messages.get(str(job.payload.get("messageId")))
        out[job.id] = SendContext(
            message=message,
            booking=contexts.get(message.booking_uid) if message else None,
            step=steps.get(message.step_id) if message and message.step_id is not None else None,
        )
    return out


# ---------------------------------------------------------------- outcomes


async def _write_outcomes(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    # One executemany UPDATE by primary key for the whole recording batch.
    await session.execute(update(WorkflowMessage), rows)


def _finish(
    message: WorkflowMessage,
    status: MessageStatus,
    note: str | None,
    *,
    attempted: bool = False,
    subject: str | None = None,
    provider_id: str | None = None,
) -> jobs.Record:
    """The message's final state; every row of a batch has the same columns (one executemany)."""
    now = utcnow()
    row = {
        "id": message.id,
        "status": status.value,
        "note": note,
        "subject": subject,
        "provider_id": provider_id,
        "attempts": message.attempts + (1 if attempted else 0),
        "sent_at": now if status is MessageStatus.sent else None,
        "updated_at": now,
    }

    async def record(session: AsyncSession) -> None:
        jobs.at_batch_end(session, "workflows.outcomes", _write_outcomes, row)

    return record


def _retry(message: WorkflowMessage, job: Job, error: str, *, last: bool) -> jobs.Record:
    async def record(session: AsyncSession) -> None:
        await session.execute(
            update(WorkflowMessage)
            .where(WorkflowMessage.id == message.id)
            .values(
                attempts=WorkflowMessage.attempts + 1,
                note=error,
                status=MessageStatus.failed.value if last else MessageStatus.scheduled.value,
                updated_at=utcnow(),
            )
        )
        if not last:
            raise jobs.RetryLater(error)

    return record


# ---------------------------------------------------------------- is it still due?


def _still_due(message: WorkflowMessage, context: SendContext, now: datetime, catch_up: timedelta) -> str | None:
    """Why a message must not go now (its new status is in the text's first word), or None."""
    booking = context.booking
    if message.source == Source.workflow and context.step is None:
        return "cancelled: the workflow step was removed"
    if booking is None:
        return "cancelled: the booking no longer exists"
    if not message.timed:
        return None
    row = booking.booking
    if row.status != BookingStatus.accepted.value:
        return (
            "cancelled: the booking was declined"
            if row.status == BookingStatus.rejected.value
            else "cancelled: the booking was rescheduled"
            if row.rescheduled
            else "cancelled: the booking was cancelled"
        )
    late = now - message.scheduled_at
    if late > catch_up:
        return (
            f"missed: due at {iso_ms(message.scheduled_at)}, found {int(late.total_seconds())} s late "
            f"(outside the catch-up window of {_window_text(catch_up)})"
        )
    if message.trigger == Trigger.BEFORE_EVENT and now >= row.start_time:
        return f"missed: due at {iso_ms(message.scheduled_at)}, found after the meeting had started"
    return None


def _window_text(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    return (
        f"{seconds // 3600} h"
        if seconds % 3600 == 0
        else f"{seconds // 60} min"
        if seconds % 60 == 0
        else f"{seconds} s"
    )


# ---------------------------------------------------------------- rendering


def recipient_person(message: WorkflowMessage, meeting: Meeting) -> Person | None:
    """The attendee a message addresses (None when it goes to a host or a fixed address)."""
    if message.recipient_role != "attendee":
        return None
    for person in meeting.attendees:
        if person.email.lower() == message.recipient.lower() or (person.phone and person.phone == message.recipient):
            return person
    return Person(
        name=message.recipient_name or message.recipient, email=message.recipient, time_zone=message.time_zone
    )


def _time_format(message: WorkflowMessage, context: BookingContext) -> int:
    if message.recipient_role == "host":
        for user in (context.organizer, *context.co_hosts):
            if user is not None and user.email.lower() == message.recipient.lower():
                return user.time_format or 12
    return 12


def _shown(
    message: WorkflowMessage, meeting: Meeting, context: BookingContext, person: Person | None
) -> tuple[Person, ...]:
    """Whom the message lists as attendees: a seat holder sees only themselves when seats are private."""
    if context.seats_hidden and message.recipient_role == "attendee":
        return (person,) if person is not None else ()
    return meeting.attendees


def _links(meeting: Meeting) -> tuple[Link, ...]:
    links = []
    if meeting.reschedule_url:
        links.append(Link("Reschedule", meeting.reschedule_url))
    if meeting.cancel_url:
        links.append(Link("Cancel", meeting.cancel_url))
    return tuple(links)


@dataclass(frozen=True)
class Composed:
    rendered: Rendered
    calendar: bytes | None
    shown: tuple[Person, ...]


def compose(message: WorkflowMessage, context: SendContext, settings: Settings, now: datetime) -> Composed:
    """The message's subject, bodies and calendar file, from the rows as they are now."""
    assert context.booking is not None
    booking = context.booking
    meeting = meetings.meeting(booking, public_url=settings.public_url, extra=message.context)
    person = recipient_person(message, meeting)
    shown = _shown(message, meeting, booking, person)
    zone = message.time_zone
    time_format = _time_format(message, booking)
    if message.source == Source.booking:
        rendered = layouts.booking_email(
            BookingEmail(message.trigger),
            Audience(message.template),
            meeting,
            zone=zone,
            time_format=time_format,
            shown_attendees=shown,
            links=_links(meeting),
        )
    else:
        step = context.step
        assert step is not None
        default_subject, default_body = layouts.DEFAULT_TEXTS[Template(step.template).value.lower()]
        subject = step.subject or default_subject
        body = step.body or default_body
        if message.channel == Channel.sms:
            text = layouts.workflow_text(body, meeting, attendee=person, zone=zone, time_format=time_format)
            rendered = Rendered(subject="", html="", text=text)
        else:
            rendered = layouts.workflow_email(
                subject, body, meeting, attendee=person, zone=zone, time_format=time_format
            )
    calendar = None
    if message.ics_method and message.channel == Channel.email:
        calendar = ics.calendar_file(meeting, ics.Method(message.ics_method), stamp=now, attendees=shown)
    return Composed(rendered, calendar, shown)


# ---------------------------------------------------------------- the job


async def perform(job: Job, context: SendContext | None, settings: Settings) -> jobs.Record | None:
    message = context.message if context else None
    if context is None or message is None or message.status != MessageStatus.scheduled.value:
        return None  # cancelled (or already finished) since the job was written
    now = utcnow()
    catch_up = timedelta(seconds=parse_duration(settings.reminder_catchup_window))
    refusal = _still_due(message, context, now, catch_up)
    if refusal is not None:
        return _finish(message, MessageStatus(refusal.split(":", 1)[0]), refusal)
    last = job.attempts >= len(parse_schedule(settings.notification_retry_schedule))
    if message.channel == Channel.email:
        server = settings.smtp_server
        if server is None:
            return _finish(message, MessageStatus.not_sent, NOT_CONFIGURED_EMAIL)
        composed = compose(message, context, settings, now)
        assert context.booking is not None
        organizer = context.booking.organizer
        outgoing = email.OutgoingEmail(
            message_id=message.id,
            sender=settings.email_from,
            sender_name=(context.step.sender or None) if context.step is not None else None,
            to=message.recipient,
            to_name=message.recipient_name,
            subject=composed.rendered.subject,
            html=composed.rendered.html,
            text=composed.rendered.text,
            reply_to=organizer.email if organizer is not None and message.recipient_role != "host" else None,
            calendar=email.Attachment("invite.ics", composed.calendar, f"text/calendar; method={message.ics_method}")
            if composed.calendar is not None
            else None,
        )
        try:
            answer = await email.send(
                server,
                email.compose(outgoing, now=now),
                sender=email.envelope_sender(settings.email_from),
                recipient=message.recipient,
                timeout=settings.smtp_timeout_seconds,
            )
        except SendFailed as exc:
            if not exc.temporary:
                return _finish(message, MessageStatus.failed, exc.reason, attempted=True)
            return _retry(message, job, exc.reason, last=last)
        return _finish(
            message, MessageStatus.sent, None, attempted=True, subject=composed.rendered.subject, provider_id=answer
        )
    provider = sms.provider_from(
        base_url=settings.sms_base_url,
        account_sid=settings.sms_account_sid,
        auth_token=settings.sms_auth_token.get_secret_value() if settings.sms_auth_token else None,
        sender=settings.sms_from,
        timeout=settings.sms_timeout_seconds,
    )
    if provider is None:
        return _finish(message, MessageStatus.not_sent, NOT_CONFIGURED_SMS)
    composed = compose(message, context, settings, now)
    try:
        sid = await provider.send(to=message.recipient, body=composed.rendered.text, idempotency_key=message.id)
    except SendFailed as exc:
        if not exc.temporary:
            return _finish(message, MessageStatus.failed, exc.reason, attempted=True)
        return _retry(message, job, exc.reason, last=last)
    return _finish(message, MessageStatus.sent, None, attempted=True, provider_id=sid)
