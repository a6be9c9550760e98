"""Deciding what to send: from a booking event (the default booking emails and the steps of
workflows that fire on it), and the reminders of workflows that fire at a time.

How booking changes reach this room: the bookings room records a domain event in the booking's
own transaction (the outbox, ``calapi.jobs.outbox``), and this room acts on it twice:

- in that transaction (``plan_in_transaction``, an in-transaction consumer of the outbox): the
  booking's reminders are planned, re-timed or cancelled with the change itself, so a committed
  booking has its reminder rows and jobs, and a cancel or reschedule moves them atomically. It
  costs the booking one query when no timed workflow covers it (and it has no reminders waiting).
  A fault while planning is undone on its own (a savepoint) and never fails the booking: the
  booking is kept, and its reminders are then planned by the event's job below, which retries —
  a booking is never lost for a reminder, and a reminder never lost for a fault;
- after the commit (the ``events.dispatch`` job hands the event to this room's consumer, which
  enqueues a ``workflows.plan`` job): the emails and immediate workflow steps the event sends,
  and the reminders brought in step again (a no-op when the transaction planned them).

Reminders are kept in step with the bookings rather than patched: every booking event (and every
change of a workflow) recomputes which reminders should exist for the bookings concerned, and
the message log is brought to match — missing ones planned, ones no longer wanted cancelled (a
cancelled, declined or rescheduled booking wants none; a moved booking's successor wants them at
its own time). Each reminder's key names its booking, step, recipient and time, so planning twice
plans once, and a reminder already sent is never planned again.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, delete, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from calapi.bookings import events as booking_events
from calapi.bookings.models import Booking, BookingStatus
from calapi.db import utcnow
from calapi.event_types.models import EventType
from calapi.jobs import worker as jobs
from calapi.jobs.models import DomainEvent, Job, JobStatus
from calapi.jobs.outbox import RecordedEvent
from calapi.notifications.layouts import Audience, BookingEmail
from calapi.users.models import User
from calapi.workflows import meetings, scope
from calapi.workflows.meetings import BookingContext
from calapi.workflows.models import (
    SMS_ACTIONS,
    TIMED_TRIGGERS,
    Action,
    Channel,
    MessageStatus,
    Source,
    TimeUnit,
    Trigger,
    Workflow,
    WorkflowMessage,
    WorkflowStep,
)
from calapi.workflows.scope import LoadedWorkflow

logger = logging.getLogger(__name__)

PLAN_JOB = "workflows.plan"  # {"eventId"}: plan what one booking event sends
SYNC_JOB = "workflows.sync"  # {"workflowId"}: bring a workflow's reminders in step after a change
SEND_JOB = "workflows.send"  # {"messageId"}: send one message

# Outbox trigger names this room acts on (recorded by the bookings room).
BOOKING_NO_SHOW_UPDATED = "BOOKING_NO_SHOW_UPDATED"
BOOKING_REASSIGNED = "BOOKING_REASSIGNED"
BOOKING_PAYMENT_INITIATED = "BOOKING_PAYMENT_INITIATED"
BOOKING_PAID = "BOOKING_PAID"

_EMAILS = {
    booking_events.BOOKING_CREATED: BookingEmail.created,
    booking_events.BOOKING_REQUESTED: BookingEmail.requested,
    booking_events.BOOKING_RESCHEDULED: BookingEmail.rescheduled,
    booking_events.BOOKING_CANCELLED: BookingEmail.cancelled,
    booking_events.BOOKING_REJECTED: BookingEmail.rejected,
}
_WORKFLOW_TRIGGERS = {
    booking_events.BOOKING_CREATED: Trigger.NEW_EVENT,
    booking_events.BOOKING_REQUESTED: Trigger.BOOKING_REQUESTED,
    booking_events.BOOKING_RESCHEDULED: Trigger.RESCHEDULE_EVENT,
    booking_events.BOOKING_CANCELLED: Trigger.EVENT_CANCELLED,
    booking_events.BOOKING_REJECTED: Trigger.BOOKING_REJECTED,
    BOOKING_NO_SHOW_UPDATED: Trigger.BOOKING_NO_SHOW_UPDATED,
    BOOKING_PAYMENT_INITIATED: Trigger.BOOKING_PAYMENT_INITIATED,
    BOOKING_PAID: Trigger.BOOKING_PAID,
}
# Events after which a booking's reminders may have to change (its status, host or attendees).
PLANNED_EVENTS = frozenset({*_EMAILS, *_WORKFLOW_TRIGGERS, BOOKING_REASSIGNED})
_CANCEL_SIDE = (BookingEmail.cancelled, BookingEmail.rejected)
_UNIT = {TimeUnit.MINUTE: timedelta(minutes=1), TimeUnit.HOUR: timedelta(hours=1), TimeUnit.DAY: timedelta(days=1)}


def new_message_id() -> str:
    return "msg_" + uuid.uuid4().hex


def _key(*parts: object) -> str:
    """A dedupe key; a long one (a long address) is shortened to a digest of itself."""
    text = ":".join(str(p) for p in parts)
    return text if len(text) <= 200 else f"{parts[0]}:{hashlib.sha256(text.encode()).hexdigest()}"


@dataclass(frozen=True)
class Recipient:
    address: str  # an email address, or a phone number for SMS
    name: str | None
    role: str  # host | attendee | address | number
    time_zone: str
    attendee_email: str | None = None  # which attendee (absence rules, their own view of a seat)


@dataclass(frozen=True)
class Plan:
    key: str
    source: Source
    trigger: str
    template: str
    channel: Channel
    booking_uid: str
    recipient: Recipient
    scheduled_at: datetime
    timed: bool = False
    workflow_id: int | None = None
    step_id: int | None = None
    ics_method: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    # Known at planning: it can never go (an attendee with no number); kept in the log as not sent.
    not_sent: str | None = None


# ---------------------------------------------------------------- recipients


def _hosts(context: BookingContext) -> list[Recipient]:
    people = [context.organizer] if context.organizer is not None else []
    people += list(context.co_hosts)
    return [Recipient(u.email, u.name or u.username, "host", u.time_zone) for u in people]


def _attendees(context: BookingContext, only_attendee_id: int | None = None) -> list[Recipient]:
    return [
        Recipient(a.email, a.name, "attendee", a.time_zone, attendee_email=a.email)
        for a in context.attendees
        if only_attendee_id is None or a.id == only_attendee_id
    ]


def _booker_zone(context: BookingContext) -> str:
    if context.attendees:
        return context.attendees[0].time_zone
    return context.organizer.time_zone if context.organizer else "UTC"


def step_recipients(
    step: WorkflowStep, context: BookingContext, *, only_attendee_id: int | None = None
) -> list[tuple[Recipient, str | None]]:
    """Who one step sends to for one booking, each with why it cannot go (None: it can)."""
    action = Action(step.action)
    if action is Action.EMAIL_HOST:
        return [(r, None) for r in _hosts(context)]
    if action is Action.EMAIL_ATTENDEE:
        return [(r, None) for r in _attendees(context, only_attendee_id)]
    if action is Action.EMAIL_ADDRESS:
        return [(Recipient(step.send_to or "", None, "address", _booker_zone(context)), None)]
    if action is Action.SMS_NUMBER:
        return [(Recipient(step.send_to or "", None, "number", _booker_zone(context)), None)]
    out: list[tuple[Recipient, str | None]] = []
    for attendee in context.attendees:
        if only_attendee_id is not None and attendee.id != only_attendee_id:
            continue
        phone = meetings.attendee_phone(context, attendee)
        if phone is not None:
            out.append((Recipient(phone, attendee.name, "attendee", attendee.time_zone, attendee.email), None))
        elif attendee is context.attendees[0]:
            # The booker gave no number: the message is kept in the log as not sent, not dropped.
            recipient = Recipient(attendee.email, attendee.name, "attendee", attendee.time_zone, attendee.email)
            out.append((recipient, "not sent: the attendee gave no phone number"))
    return out


def _channel(step: WorkflowStep) -> Channel:
    return Channel.sms if Action(step.action) in SMS_ACTIONS else Channel.email


# ---------------------------------------------------------------- immediate messages of one event


def _email_kind(event: DomainEvent, confirmed: bool) -> BookingEmail | None:
    kind = _EMAILS.get(event.trigger)
    if kind is BookingEmail.created and confirmed:
        return BookingEmail.confirmed
    return kind


def _standard_emails_off(event_type: EventType | None) -> tuple[bool, bool]:
    if event_type is None:
        return False, False
    return bool(event_type.disable_standard_emails_host), bool(event_type.disable_standard_emails_attendee)


def _email_plan(
    event: DomainEvent,
    context: BookingContext,
    kind: BookingEmail,
    audience: Audience,
    recipient: Recipient,
    ics_method: str,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> Plan:
    """One default booking email, sent now; its key makes a replayed event plan it only once."""
    return Plan(
        key=_key(f"e{event.id}", kind.value, audience.value, recipient.address.lower()),
        source=Source.booking,
        trigger=kind.value,
        template=audience.value,
        channel=Channel.email,
        booking_uid=context.booking.uid,
        recipient=recipient,
        scheduled_at=now,
        ics_method=ics_method,
        context=extra if extra is not None else {},
    )


def booking_email_plans(
    event: DomainEvent,
    context: BookingContext,
    kind: BookingEmail,
    *,
    seat_attendee_id: int | None,
    now: datetime,
    repeats: Mapping[str, Any] | None = None,
) -> list[Plan]:
    """The default emails of one booking event: to the hosts and to the attendees, each with the
    meeting's calendar file (a request, or a cancellation); ``repeats``: the series they speak for."""
    payload = event.payload or {}
    hosts_off, attendees_off = _standard_emails_off(context.event_type)
    method = "CANCEL" if kind in _CANCEL_SIDE else "REQUEST"
    extra: dict[str, Any] = {"repeats": dict(repeats)} if repeats else {}
    if kind is BookingEmail.rescheduled or payload.get("rescheduleUid"):
        extra = {"previousStart": payload.get("rescheduleStartTime"), "previousEnd": payload.get("rescheduleEndTime")}
    recipients: list[tuple[Audience, Recipient]] = []
    if not hosts_off and kind is not BookingEmail.rejected:  # the host declined it: no email to the host
        recipients += [(Audience.host, r) for r in _hosts(context)]
    if not attendees_off:
        seat_cancelled = kind is BookingEmail.cancelled and payload.get("seatUid")
        if seat_cancelled:
            # One seat left: only its holder (their row is gone; the event names them) hears of it.
            email = payload.get("cancelledAttendeeEmail")
            if isinstance(email, str) and email:
                recipients.append((Audience.attendee, Recipient(email, None, "attendee", _booker_zone(context), email)))
            extra = {"cancellationReason": payload.get("cancellationReason")}
        else:
            recipients += [(Audience.attendee, r) for r in _attendees(context, seat_attendee_id)]
    return [_email_plan(event, context, kind, audience, r, method, now, extra) for audience, r in recipients]


def reassignment_plans(
    event: DomainEvent, context: BookingContext, *, previous: Recipient | None, now: datetime
) -> list[Plan]:
    """A booking moved to another host: the new host hears of it as of a new booking, the host who
    lost it gets the calendar entry withdrawn, the attendees learn who hosts it now."""
    hosts_off, attendees_off = _standard_emails_off(context.event_type)
    recipients: list[tuple[BookingEmail, Audience, Recipient, str]] = []
    if not hosts_off:
        organizer = context.organizer
        if organizer is not None:
            new_host = Recipient(organizer.email, organizer.name or organizer.username, "host", organizer.time_zone)
            recipients.append((BookingEmail.created, Audience.host, new_host, "REQUEST"))
        if previous is not None:
            recipients.append((BookingEmail.reassigned, Audience.host, previous, "CANCEL"))
    if not attendees_off:
        recipients += [(BookingEmail.reassigned, Audience.attendee, r, "REQUEST") for r in _attendees(context)]
    return [_email_plan(event, context, kind, audience, r, method, now) for kind, audience, r, method in recipients]


async def _previous_host(session: AsyncSession, event: DomainEvent, context: BookingContext) -> Recipient | None:
    """The host a reassignment took the booking from (their own zone when they are still a user)."""
    given = (event.payload or {}).get("reassignedFrom")
    if not isinstance(given, dict) or not isinstance(given.get("email"), str):
        return None
    user = await session.get(User, given["id"]) if isinstance(given.get("id"), int) else None
    if user is not None:
        return Recipient(user.email, user.name or user.username, "host", user.time_zone)
    return Recipient(given["email"], given.get("name"), "host", _booker_zone(context))


def workflow_event_plans(
    event: DomainEvent,
    context: BookingContext,
    workflows: Sequence[LoadedWorkflow],
    trigger: Trigger,
    *,
    seat_attendee_id: int | None,
    now: datetime,
    repeats: Mapping[str, Any] | None = None,
) -> list[Plan]:
    """The steps of the workflows that fire on this event, for this booking: sent now."""
    payload = event.payload or {}
    method = "CANCEL" if trigger in (Trigger.EVENT_CANCELLED, Trigger.BOOKING_REJECTED) else "REQUEST"
    extra: dict[str, Any] = {"repeats": dict(repeats)} if repeats else {}
    if trigger is Trigger.RESCHEDULE_EVENT:
        extra = {"previousStart": payload.get("rescheduleStartTime"), "previousEnd": payload.get("rescheduleEndTime")}
    plans = []
    for loaded in workflows:
        if loaded.workflow.trigger != trigger.value:
            continue
        for step in loaded.steps:
            for recipient, not_sent in step_recipients(step, context, only_attendee_id=seat_attendee_id):
                plans.append(
                    Plan(
                        key=_key(f"e{event.id}", f"s{step.id}", recipient.address.lower()),
                        source=Source.workflow,
                        trigger=trigger.value,
                        template=step.template,
                        channel=_channel(step),
                        booking_uid=context.booking.uid,
                        recipient=recipient,
                        scheduled_at=now,
                        workflow_id=loaded.workflow.id,
                        step_id=step.id,
                        ics_method=method if step.include_calendar_event and _channel(step) is Channel.email else None,
                        context=extra,
                        not_sent=not_sent,
                    )
                )
    return plans


# ---------------------------------------------------------------- reminders at a time


def reminder_time(workflow: Workflow, booking: Booking) -> datetime | None:
    if workflow.trigger not in TIMED_TRIGGERS or workflow.offset_value is None or workflow.offset_unit is None:
        return None
    offset = _UNIT[TimeUnit(workflow.offset_unit)] * workflow.offset_value
    if workflow.trigger == Trigger.BEFORE_EVENT:
        return booking.start_time - offset
    return booking.end_time + offset


def _absent(context: BookingContext, recipient: Recipient) -> bool:
    """After a meeting, nobody marked absent from it is sent its follow-up."""
    if recipient.role == "host":
        return bool(context.booking.absent_host)
    if recipient.attendee_email is None:
        return False
    return any(a.absent and a.email == recipient.attendee_email for a in context.attendees)


def reminder_plans(context: BookingContext, workflows: Iterable[LoadedWorkflow]) -> dict[str, Plan]:
    """Every reminder this booking should have, by key (none unless it is accepted)."""
    booking = context.booking
    if booking.status != BookingStatus.accepted.value:
        return {}
    plans: dict[str, Plan] = {}
    for loaded in workflows:
        wf = loaded.workflow
        due = reminder_time(wf, booking)
        if due is None:
            continue
        for step in loaded.steps:
            for recipient, not_sent in step_recipients(step, context):
                if wf.trigger == Trigger.AFTER_EVENT and _absent(context, recipient):
                    continue
                key = _key("r", booking.uid, f"s{step.id}", recipient.address.lower(), due.strftime("%Y%m%dT%H%M%S"))
                plans[key] = Plan(
                    key=key,
                    source=Source.workflow,
                    trigger=wf.trigger,
                    template=step.template,
                    channel=_channel(step),
                    booking_uid=booking.uid,
                    recipient=recipient,
                    scheduled_at=due,
                    timed=True,
                    workflow_id=wf.id,
                    step_id=step.id,
                    ics_method="REQUEST" if step.include_calendar_event and _channel(step) is Channel.email else None,
                    not_sent=not_sent,
                )
    return plans


def _why_not_wanted(context: BookingContext | None) -> str:
    if context is None:
        return "cancelled: the booking no longer exists"
    booking = context.booking
    if booking.status == BookingStatus.cancelled.value:
        return (
            "cancelled: the booking was rescheduled" if booking.rescheduled else "cancelled: the booking was cancelled"
        )
    if booking.status == BookingStatus.rejected.value:
        return "cancelled: the booking was declined"
    if booking.status != BookingStatus.accepted.value:
        return "cancelled: the booking is not confirmed"
    return "cancelled: the workflow no longer sends it (changed, deactivated, or the recipient left or was absent)"


async def _reconcile(
    session: AsyncSession,
    desired: dict[str, Plan],
    scheduled: Sequence[WorkflowMessage],
    *,
    contexts: Mapping[str, BookingContext],
    cutoff: datetime,
) -> None:
    """Make the log match ``desired``: cancel the ``scheduled`` reminders it no longer holds, plan
    the ones it lacks that are due at or after ``cutoff`` (earlier ones were due before the change
    that made them wanted), and bring back ones cancelled earlier that are wanted again."""
    unwanted = [m for m in scheduled if m.dedupe_key not in desired]
    for message in unwanted:
        message.status = MessageStatus.cancelled.value
        message.note = _why_not_wanted(contexts.get(message.booking_uid))
    await _drop_jobs(session, [m.job_id for m in unwanted if m.job_id is not None])
    known: dict[str, WorkflowMessage] = {}
    if desired:
        known = {
            m.dedupe_key: m
            for m in (
                await session.scalars(select(WorkflowMessage).where(WorkflowMessage.dedupe_key.in_(list(desired))))
            ).all()
        }
    revive = [
        m
        for key, m in known.items()
        if m.status == MessageStatus.cancelled.value and desired[key].scheduled_at >= cutoff
    ]
    if revive:
        # Only a row still cancelled is brought back (a concurrent plan may have done it already).
        revived = set(
            (
                await session.execute(
                    update(WorkflowMessage)
                    .where(
                        WorkflowMessage.id.in_([m.id for m in revive]),
                        WorkflowMessage.status == MessageStatus.cancelled.value,
                        # Read when the row is written, not when this plan read its bookings: a plan
                        # that read a booking before it was cancelled must not bring its reminders back.
                        WorkflowMessage.booking_uid.in_(
                            select(Booking.uid).where(Booking.status == BookingStatus.accepted.value)
                        ),
                    )
                    .values(status=MessageStatus.scheduled.value, note=None, updated_at=utcnow())
                    .returning(WorkflowMessage.id)
                    .execution_options(synchronize_session=False)
                )
            )
            .scalars()
            .all()
        )
        back = [m for m in revive if m.id in revived]
        revived_jobs = [jobs.enqueue(session, SEND_JOB, {"messageId": m.id}, run_at=m.scheduled_at) for m in back]
        await session.flush()
        if back:
            await session.execute(
                update(WorkflowMessage),
                [{"id": m.id, "job_id": job.id} for m, job in zip(back, revived_jobs, strict=True)],
            )
    await add_messages(session, [p for key, p in desired.items() if key not in known and p.scheduled_at >= cutoff])


async def _drop_jobs(session: AsyncSession, job_ids: Sequence[int]) -> None:
    """Remove the send jobs of cancelled messages that have not started (a started one finds its
    message cancelled and does nothing)."""
    if job_ids:
        await session.execute(delete(Job).where(Job.id.in_(list(job_ids)), Job.status == JobStatus.pending.value))


async def sync_bookings(
    session: AsyncSession, contexts: Mapping[str, BookingContext], uids: Iterable[str], *, cutoff: datetime
) -> None:
    """Bring the reminders of these bookings in step with them (status, time, hosts, attendees)."""
    uids = list(uids)
    present = [contexts[uid] for uid in uids if uid in contexts]
    covering = await scope.workflows_for(session, present, triggers=[t.value for t in TIMED_TRIGGERS])
    desired: dict[str, Plan] = {}
    for context in present:
        desired.update(reminder_plans(context, covering.get(context.booking.uid, [])))
    scheduled = list(
        (
            await session.scalars(
                select(WorkflowMessage).where(
                    WorkflowMessage.booking_uid.in_(uids),
                    WorkflowMessage.timed.is_(True),
                    WorkflowMessage.status == MessageStatus.scheduled.value,
                )
            )
        ).all()
    )
    await _reconcile(session, desired, scheduled, contexts=contexts, cutoff=cutoff)


_SYNC_CHUNK = 500


async def sync_workflow(session: AsyncSession, workflow_id: int, *, now: datetime) -> None:
    """After a workflow is added or changed (or removed): its reminders for the bookings it covers
    now, planned from ``now`` on; those it no longer wants cancelled."""
    workflow = await session.get(Workflow, workflow_id)
    scheduled = list(
        (
            await session.scalars(
                select(WorkflowMessage).where(
                    WorkflowMessage.workflow_id == workflow_id,
                    WorkflowMessage.timed.is_(True),
                    WorkflowMessage.status == MessageStatus.scheduled.value,
                )
            )
        ).all()
    )
    desired: dict[str, Plan] = {}
    contexts: dict[str, BookingContext] = {}
    if workflow is not None and workflow.trigger in TIMED_TRIGGERS:
        [loaded] = await scope.load_workflows(session, [workflow])
        # Bookings whose reminder can still be due: BEFORE fires before the start, AFTER after the end.
        horizon = now - (_UNIT[TimeUnit(workflow.offset_unit or TimeUnit.MINUTE.value)] * (workflow.offset_value or 0))
        uids = list(
            (
                await session.scalars(
                    select(Booking.uid)
                    .join(EventType, EventType.id == Booking.event_type_id)
                    .where(
                        scope.event_types_in_scope(loaded),
                        Booking.status == BookingStatus.accepted.value,
                        Booking.end_time >= horizon,
                    )
                )
            ).all()
        )
        for start in range(0, len(uids), _SYNC_CHUNK):
            chunk = await meetings.load(session, uids[start : start + _SYNC_CHUNK])
            contexts.update(chunk)
            for context in chunk.values():
                if loaded.covers(context):
                    desired.update(reminder_plans(context, [loaded]))
    if scheduled:
        missing = {m.booking_uid for m in scheduled} - set(contexts)
        contexts.update(await meetings.load(session, missing))
    await _reconcile(session, desired, scheduled, contexts=contexts, cutoff=now)


async def cancel_workflow_messages(session: AsyncSession, workflow_id: int, note: str) -> None:
    """A workflow is deleted: its waiting messages will not go (the log keeps them, cancelled)."""
    waiting = list(
        (
            await session.execute(
                select(WorkflowMessage.id, WorkflowMessage.job_id).where(
                    WorkflowMessage.workflow_id == workflow_id,
                    WorkflowMessage.status == MessageStatus.scheduled.value,
                )
            )
        ).all()
    )
    if not waiting:
        return
    await session.execute(
        update(WorkflowMessage)
        .where(WorkflowMessage.id.in_([row.id for row in waiting]))
        .values(status=MessageStatus.cancelled.value, note=note)
    )
    await _drop_jobs(session, [row.job_id for row in waiting if row.job_id is not None])


# ---------------------------------------------------------------- writing plans


_INSERT_CHUNK = 500  # rows per INSERT (SQLite binds at most 32,766 values in one statement)


def _insert_new(session: AsyncSession) -> Any:
    """``INSERT … ON CONFLICT (dedupe_key) DO NOTHING`` in the session's dialect: two plans of the
    same message at once (two events of one booking planned side by side, a dispatch run twice)
    log it once, and neither fails."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(WorkflowMessage)


async def add_messages(session: AsyncSession, plans: Sequence[Plan]) -> list[str]:
    """Log the planned messages not logged yet (by key) and give each that can go its send job;
    returns the ids of the messages logged now."""
    fresh: dict[str, Plan] = {}
    for plan in plans:
        fresh.setdefault(plan.key, plan)
    if not fresh:
        return []
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {
            "id": new_message_id(),
            "dedupe_key": key,
            "source": plan.source.value,
            "trigger": plan.trigger,
            "template": plan.template,
            "channel": plan.channel.value,
            "booking_uid": plan.booking_uid,
            "workflow_id": plan.workflow_id,
            "step_id": plan.step_id,
            "recipient": plan.recipient.address,
            "recipient_name": plan.recipient.name,
            "recipient_role": plan.recipient.role,
            "time_zone": plan.recipient.time_zone,
            "ics_method": plan.ics_method,
            "context": dict(plan.context) or None,
            "timed": plan.timed,
            "scheduled_at": plan.scheduled_at,
            "status": MessageStatus.scheduled.value if plan.not_sent is None else MessageStatus.not_sent.value,
            "note": plan.not_sent,
            "attempts": 0,
            "job_id": None,
            "created_at": now,
            "updated_at": now,
        }
        for key, plan in fresh.items()
    ]
    await session.flush()
    inserted: set[str] = set()
    for start in range(0, len(rows), _INSERT_CHUNK):
        statement = (
            _insert_new(session)
            .values(rows[start : start + _INSERT_CHUNK])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(WorkflowMessage.id)
        )
        inserted.update((await session.execute(statement)).scalars().all())
    sendable = [row for row in rows if row["id"] in inserted and row["status"] == MessageStatus.scheduled.value]
    send_jobs = [
        jobs.enqueue(session, SEND_JOB, {"messageId": row["id"]}, run_at=row["scheduled_at"]) for row in sendable
    ]
    await session.flush()  # the jobs' ids
    if sendable:
        await session.execute(
            update(WorkflowMessage),
            [{"id": row["id"], "job_id": job.id} for row, job in zip(sendable, send_jobs, strict=True)],
        )
    return [row["id"] for row in rows if row["id"] in inserted]


# ---------------------------------------------------------------- one booking event


async def _confirmed(session: AsyncSession, event: DomainEvent) -> bool:
    """A BOOKING_CREATED after a BOOKING_REQUESTED of the same booking is the host confirming it."""
    if event.trigger != booking_events.BOOKING_CREATED or event.subject_uid is None:
        return False
    earlier = await session.scalar(
        select(DomainEvent.id)
        .where(
            DomainEvent.subject_uid == event.subject_uid,
            DomainEvent.trigger == booking_events.BOOKING_REQUESTED,
            DomainEvent.id < event.id,
        )
        .limit(1)
    )
    return earlier is not None


# Events that decide a recurring series as a whole (its create, the host's confirmation or
# decline), by the status they leave its meetings in: one message speaks for the series.
_SERIES_STATUS = {
    booking_events.BOOKING_CREATED: BookingStatus.accepted.value,
    booking_events.BOOKING_REQUESTED: BookingStatus.pending.value,
    booking_events.BOOKING_REJECTED: BookingStatus.rejected.value,
}


@dataclass(frozen=True)
class _SeriesRole:
    speaks: bool  # this booking's event sends the messages (a booking alone always does)
    repeats: dict[str, Any] | None = None  # the series it speaks for


async def _series_role(session: AsyncSession, event: DomainEvent, context: BookingContext) -> _SeriesRole:
    """A series' create (or confirmation, or decline) records an event per meeting; the messages go
    once, with the event of its first meeting in the status the change left, for all of them."""
    status = _SERIES_STATUS.get(event.trigger)
    series_id = context.booking.recurring_event_id
    if status is None or not series_id:
        return _SeriesRole(True)
    uids = list(
        (
            await session.scalars(
                select(Booking.uid)
                .where(Booking.recurring_event_id == series_id, Booking.status == status)
                .order_by(Booking.start_time, Booking.id)
            )
        ).all()
    )
    if not uids or uids[0] != context.booking.uid:
        return _SeriesRole(False)
    if len(uids) == 1:
        return _SeriesRole(True)
    recurrence = (context.event_type.recurrence if context.event_type else None) or {}
    repeats = {
        "frequency": str(recurrence.get("frequency") or "weekly"),
        "interval": int(recurrence.get("interval") or 1),
        "count": len(uids),
    }
    return _SeriesRole(True, repeats)


async def plan_event(session: AsyncSession, event: DomainEvent) -> None:
    """Everything one booking event sends now, and its bookings' reminders brought in step."""
    uid = event.subject_uid
    if uid is None:
        return
    payload = event.payload or {}
    previous = payload.get("rescheduleUid")
    uids = [uid, *([previous] if isinstance(previous, str) and previous else [])]
    contexts = await meetings.load(session, uids)
    context = contexts.get(uid)
    if context is None:
        return
    now = utcnow()
    seat_uid = payload.get("seatUid")
    seat_attendee_id = None
    if isinstance(seat_uid, str) and event.trigger != booking_events.BOOKING_CANCELLED:
        seat_attendee_id = (await meetings.seat_attendee_ids(session, [seat_uid])).get(seat_uid)
    plans: list[Plan] = []
    series = await _series_role(session, event, context)
    kind = _email_kind(event, await _confirmed(session, event))
    if kind is not None and series.speaks:
        plans += booking_email_plans(
            event, context, kind, seat_attendee_id=seat_attendee_id, now=now, repeats=series.repeats
        )
    if event.trigger == BOOKING_REASSIGNED:
        previous = await _previous_host(session, event, context)
        plans += reassignment_plans(event, context, previous=previous, now=now)
    trigger = _WORKFLOW_TRIGGERS.get(event.trigger)
    if trigger is not None and series.speaks:
        covering = await scope.workflows_for(session, [context], triggers=[trigger.value])
        plans += workflow_event_plans(
            event,
            context,
            covering.get(uid, []),
            trigger,
            seat_attendee_id=seat_attendee_id,
            now=now,
            repeats=series.repeats,
        )
    await add_messages(session, plans)
    await sync_bookings(session, contexts, uids, cutoff=event.occurred_at)


# ---------------------------------------------------------------- in the booking's own transaction


def _event_bookings(trigger: str, subject_uid: str | None, payload: Mapping[str, Any]) -> list[str]:
    """The bookings whose reminders one event may change (a reschedule: the old one and the new)."""
    if trigger not in PLANNED_EVENTS or not subject_uid:
        return []
    previous = payload.get("rescheduleUid")
    return [subject_uid, *([previous] if isinstance(previous, str) and previous else [])]


def _may_have_reminders_statement() -> Select[str]:
    """Of the bookings ``uids`` (expanding), those a timed workflow of their owner or team could
    cover, or with reminders waiting. Built once: composing it per call (an aliased event type and
    its columns) cost more CPU than the rest of a booking create."""
    parent = aliased(EventType)
    covered = exists().where(
        Workflow.trigger.in_(sorted(t.value for t in TIMED_TRIGGERS)),
        or_(
            Workflow.user_id == EventType.owner_id,
            Workflow.team_id == EventType.team_id,
            Workflow.team_id == parent.team_id,
        ),
    )
    waiting = exists().where(
        WorkflowMessage.booking_uid == Booking.uid,
        WorkflowMessage.timed.is_(True),
        WorkflowMessage.status == MessageStatus.scheduled.value,
    )
    return (
        select(Booking.uid)
        .outerjoin(EventType, EventType.id == Booking.event_type_id)
        .outerjoin(parent, parent.id == EventType.parent_id)
        .where(Booking.uid.in_(bindparam("uids", expanding=True)), or_(covered, waiting))
    )


_MAY_HAVE_REMINDERS = _may_have_reminders_statement()


async def _may_have_reminders(session: AsyncSession, uids: Sequence[str]) -> list[str]:
    """Of these bookings, those a timed workflow of their owner or team could cover, or with
    reminders waiting: one query (a superset of the bookings ``sync_bookings`` would change)."""
    return list((await session.scalars(_MAY_HAVE_REMINDERS, {"uids": list(uids)})).all())


_NEW_BOOKING_EVENTS = frozenset({booking_events.BOOKING_CREATED, booking_events.BOOKING_REQUESTED})


def _new_booking(trigger: str, payload: Mapping[str, Any]) -> bool:
    """A booking just written (not a seat added to one, not the successor of a reschedule) — or a
    pending one just confirmed: either way it has no reminders logged yet, waiting or cancelled."""
    return trigger in _NEW_BOOKING_EVENTS and not payload.get("seatUid") and not payload.get("rescheduleUid")


async def plan_in_transaction(session: AsyncSession, events: Sequence[RecordedEvent]) -> None:
    """The reminders of the bookings these events changed, written in the change's transaction."""
    uids = list(
        dict.fromkeys(uid for e in events for uid in _event_bookings(e.trigger, e.subject_uid, e.payload or {}))
    )
    if not uids:
        return
    if all(
        _new_booking(e.trigger, e.payload or {})
        and scope.no_timed_workflow(session, (e.payload or {}).get("eventTypeId"))
        for e in events
        if _event_bookings(e.trigger, e.subject_uid, e.payload or {})
    ):
        # New bookings of event types no timed workflow covers (read in this transaction before
        # the booking was written): no reminder to plan and none waiting — no query.
        return
    concerned = await _may_have_reminders(session, uids)
    if not concerned:
        return
    cutoff = min(e.occurred_at for e in events)
    new = {e.subject_uid for e in events if _new_booking(e.trigger, e.payload or {})} & set(concerned)
    try:
        async with session.begin_nested():
            contexts = await meetings.load(session, concerned, calendar_identity=False)
            changed = [uid for uid in concerned if uid not in new]
            if changed:
                await sync_bookings(session, contexts, changed, cutoff=cutoff)
            if new:
                # Nothing to cancel or bring back for these: their reminders are only added.
                present = [contexts[uid] for uid in new if uid in contexts]
                covering = await scope.workflows_for(session, present, triggers=[t.value for t in TIMED_TRIGGERS])
                plans = [
                    plan
                    for context in present
                    for plan in reminder_plans(context, covering.get(context.booking.uid, [])).values()
                    if plan.scheduled_at >= cutoff
                ]
                await add_messages(session, plans)
    except Exception:
        # Undone to the savepoint; the event's workflows.plan job plans these reminders instead.
        logger.exception("planning reminders in the booking transaction failed; left to the event's job")
