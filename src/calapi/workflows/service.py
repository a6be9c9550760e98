"""Workflows: create, read, change, delete, preview; and the message logs.

Typed input (``commands``) in, rows and plain results out. Who may act: a personal workflow is
its user's (a system admin reaches anyone's, ``core.authorization``); a team workflow is its
team's, and the team routes let only the team's admins in (``teams.access``). Another owner's
workflow, or an event type outside the owner's, answers 404 as if it did not exist.

Saving checks what sending would trip over: every ``{VARIABLE}`` of a step's subject and body
must be known (a booking question of the event types concerned counts), every date format must
be one dayjs prints as meant, an SMS step to a number needs the number, a reminder its offset.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings.models import Booking, BookingHost
from calapi.config import Settings
from calapi.core.auth import Principal
from calapi.core.authorization import ensure_owner, may_act_for
from calapi.core.errors import BadRequest, NotFound
from calapi.db import utcnow
from calapi.event_types.models import EventType
from calapi.event_types.team_service import team_of_event_type
from calapi.jobs import worker as jobs
from calapi.notifications import variables
from calapi.notifications.sms import normalize_phone
from calapi.teams import roles
from calapi.workflows import meetings, planning, scope, sending
from calapi.workflows.commands import NewWorkflow, Owner, Page, StepSpec, TriggerChange, WorkflowChanges
from calapi.workflows.models import (
    TIMED_TRIGGERS,
    Action,
    Channel,
    Source,
    Template,
    Trigger,
    Workflow,
    WorkflowEventType,
    WorkflowMessage,
    WorkflowStep,
)
from calapi.workflows.results import PreviewResult, StepPreview, WorkflowResult

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _not_found(workflow_id: int) -> NotFound:
    return NotFound(f"Workflow with id={workflow_id} not found")


# ---------------------------------------------------------------- loading


async def _result(session: AsyncSession, workflow: Workflow) -> WorkflowResult:
    [loaded] = await scope.load_workflows(session, [workflow])
    return WorkflowResult(workflow, loaded.steps, tuple(sorted(loaded.event_type_ids)))


async def _owned(session: AsyncSession, owner: Owner, workflow_id: int) -> Workflow:
    workflow = await session.get(Workflow, workflow_id)
    if workflow is None:
        raise _not_found(workflow_id)
    if owner.team_id is not None:
        if workflow.team_id != owner.team_id:
            raise _not_found(workflow_id)
        return workflow
    assert owner.principal is not None
    if workflow.user_id is None:
        raise _not_found(workflow_id)
    ensure_owner(owner.principal, workflow.user_id, refusal=_not_found(workflow_id))
    return workflow


# ---------------------------------------------------------------- checks


def _owner_event_types(workflow_user_id: int | None, team_id: int | None) -> ColumnElement[bool]:
    if workflow_user_id is not None:
        return EventType.owner_id == workflow_user_id
    return EventType.team_id == team_id


async def _check_event_types(
    session: AsyncSession, user_id: int | None, team_id: int | None, ids: Sequence[int]
) -> None:
    """Every id must be one of the owner's event types (a team's own, for a team workflow)."""
    if not ids:
        return
    found = set(
        (
            await session.scalars(
                select(EventType.id).where(EventType.id.in_(list(ids)), _owner_event_types(user_id, team_id))
            )
        ).all()
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"Event type with id={missing[0]} not found")


async def _answer_variables(
    session: AsyncSession, user_id: int | None, team_id: int | None, active_on_all: bool, ids: Sequence[int]
) -> set[str]:
    """The booking questions of the event types in reach, as variable names."""
    query = select(EventType.booking_fields)
    if active_on_all:
        query = query.where(_owner_event_types(user_id, team_id))
    elif ids:
        query = query.where(EventType.id.in_(list(ids)))
    else:
        return set()
    names: set[str] = set()
    for fields in (await session.scalars(query)).all():
        for spec in fields or []:
            name = spec.get("slug") or spec.get("name") if isinstance(spec, dict) else None
            if isinstance(name, str) and name:
                names.add(variables.answer_variable(name))
    return names


def _check_steps(steps: Sequence[StepSpec], answers: set[str]) -> None:
    if not steps:
        raise BadRequest("steps - Your workflow must contain at least one step.")
    numbers = [s.step_number for s in steps]
    if len(set(numbers)) != len(numbers):
        raise BadRequest("steps - every step must have its own stepNumber")
    for index, step in enumerate(steps):
        where = f"steps[{index}]"
        sms_step = step.action in (Action.SMS_ATTENDEE, Action.SMS_NUMBER)
        if step.action is Action.SMS_NUMBER:
            if not step.send_to:
                raise BadRequest(f"{where}.phone - is required for action sms_number (the number to text)")
            if normalize_phone(step.send_to) is None:
                raise BadRequest(
                    f"{where}.phone - must be an international number (+<country code><number>), got '{step.send_to}'"
                )
        if step.action is Action.EMAIL_ADDRESS:
            if not step.send_to:
                raise BadRequest(f"{where}.email - is required for action email_address (the address to email)")
            if not _EMAIL.match(step.send_to):
                raise BadRequest(f"{where}.email - must be an email address, got '{step.send_to}'")
        if step.template is Template.CUSTOM and not step.body.strip():
            raise BadRequest(f"{where}.message.{'text' if sms_step else 'html'} - is required for the custom template")
        body_field = "text" if sms_step else "html"
        for field, text in (("subject", step.subject), (body_field, step.body)):
            problems = variables.check(text, answers)
            if problems:
                problem = problems[0]
                raise BadRequest(f"{where}.message.{field} - {problem.reason}: {problem.variable}")


def _check_trigger(trigger: Trigger, offset: object) -> None:
    if trigger in TIMED_TRIGGERS and offset is None:
        raise BadRequest(f"trigger.offset - is required for trigger type {trigger.value}")


def _normalized_target(step: StepSpec) -> str | None:
    if step.action is Action.SMS_NUMBER and step.send_to:
        return normalize_phone(step.send_to)
    if step.action is Action.EMAIL_ADDRESS and step.send_to:
        return step.send_to.strip()
    return None


def _step_row(step: StepSpec, workflow_id: int, row: WorkflowStep | None = None) -> WorkflowStep:
    row = row or WorkflowStep(workflow_id=workflow_id)
    row.step_number = step.step_number
    row.action = step.action.value
    row.template = step.template.value
    row.sender = step.sender or None
    row.subject = step.subject
    row.body = step.body
    row.send_to = _normalized_target(step)
    row.include_calendar_event = step.include_calendar_event and step.action not in (
        Action.SMS_ATTENDEE,
        Action.SMS_NUMBER,
    )
    row.phone_required = step.phone_required
    return row


def _resync(session: AsyncSession, workflow_id: int) -> None:
    """The workflow's reminders for existing bookings follow it: planned, moved or cancelled by a job."""
    jobs.enqueue(session, planning.SYNC_JOB, {"workflowId": workflow_id})


# ---------------------------------------------------------------- create, read, change, delete


def _owner_ids(owner: Owner, workflow: Workflow | None = None) -> tuple[int | None, int | None]:
    if owner.team_id is not None:
        return None, owner.team_id
    if workflow is not None:
        return workflow.user_id, None
    assert owner.principal is not None
    return owner.principal.user_id, None


async def create(session: AsyncSession, owner: Owner, spec: NewWorkflow) -> WorkflowResult:
    user_id, team_id = _owner_ids(owner)
    _check_trigger(spec.trigger, spec.offset)
    ids = [] if spec.active_on_all else list(dict.fromkeys(spec.event_type_ids))
    await _check_event_types(session, user_id, team_id, ids)
    _check_steps(spec.steps, await _answer_variables(session, user_id, team_id, spec.active_on_all, ids))
    timed = spec.trigger in TIMED_TRIGGERS
    workflow = Workflow(
        user_id=user_id,
        team_id=team_id,
        name=spec.name,
        trigger=spec.trigger.value,
        offset_value=spec.offset.value if timed and spec.offset else None,
        offset_unit=spec.offset.unit.value if timed and spec.offset else None,
        active_on_all=spec.active_on_all,
    )
    session.add(workflow)
    await session.flush()
    session.add_all([WorkflowEventType(workflow_id=workflow.id, event_type_id=i) for i in ids])
    session.add_all([_step_row(step, workflow.id) for step in spec.steps])
    await session.flush()
    if timed:
        _resync(session, workflow.id)
    return await _result(session, workflow)


async def get(session: AsyncSession, owner: Owner, workflow_id: int) -> WorkflowResult:
    return await _result(session, await _owned(session, owner, workflow_id))


async def list_workflows(session: AsyncSession, owner: Owner, page: Page) -> list[WorkflowResult]:
    user_id, team_id = _owner_ids(owner)
    query = select(Workflow).where(Workflow.team_id == team_id if team_id is not None else Workflow.user_id == user_id)
    rows = list((await session.scalars(query.order_by(Workflow.id).limit(page.take).offset(page.skip))).all())
    loaded = await scope.load_workflows(session, rows)
    return [WorkflowResult(w.workflow, w.steps, tuple(sorted(w.event_type_ids))) for w in loaded]


async def update(session: AsyncSession, owner: Owner, workflow_id: int, changes: WorkflowChanges) -> WorkflowResult:
    workflow = await _owned(session, owner, workflow_id)
    current = await _result(session, workflow)
    user_id, team_id = _owner_ids(owner, workflow)
    trigger = changes.trigger or TriggerChange(
        Trigger(workflow.trigger),
        None,
    )
    if changes.trigger is not None:
        _check_trigger(trigger.trigger, trigger.offset)
    active_on_all = workflow.active_on_all if changes.active_on_all is None else changes.active_on_all
    ids = (
        []
        if active_on_all
        else list(
            dict.fromkeys(changes.event_type_ids if changes.event_type_ids is not None else current.event_type_ids)
        )
    )
    await _check_event_types(session, user_id, team_id, ids)
    steps = changes.steps
    answers = await _answer_variables(session, user_id, team_id, active_on_all, ids)
    if steps is not None:
        _check_steps(steps, answers)
        by_id = {s.id: s for s in current.steps}
        for step in steps:
            if step.id is not None and step.id not in by_id:
                raise BadRequest(f"steps - step with id={step.id} does not belong to workflow {workflow.id}")
    else:
        # The activation may have changed what the kept steps' answer variables can refer to.
        for step_row in current.steps:
            for text in (step_row.subject, step_row.body):
                problems = variables.check(text, answers)
                if problems:
                    raise BadRequest(
                        f"activation - step {step_row.step_number} uses {problems[0].variable}, "
                        "which the event types it would be active on do not ask for"
                    )
    if changes.name is not None:
        workflow.name = changes.name
    was_timed = workflow.trigger in TIMED_TRIGGERS
    if changes.trigger is not None:
        timed = trigger.trigger in TIMED_TRIGGERS
        workflow.trigger = trigger.trigger.value
        workflow.offset_value = trigger.offset.value if timed and trigger.offset else None
        workflow.offset_unit = trigger.offset.unit.value if timed and trigger.offset else None
    workflow.active_on_all = active_on_all
    await session.execute(delete(WorkflowEventType).where(WorkflowEventType.workflow_id == workflow.id))
    session.add_all([WorkflowEventType(workflow_id=workflow.id, event_type_id=i) for i in ids])
    if steps is not None:
        by_id = {s.id: s for s in current.steps}
        kept = {s.id for s in steps if s.id is not None}
        gone = [s.id for s in current.steps if s.id not in kept]
        if gone:
            await session.execute(delete(WorkflowStep).where(WorkflowStep.id.in_(gone)))
        for step in steps:
            session.add(_step_row(step, workflow.id, by_id.get(step.id) if step.id is not None else None))
    workflow.updated_at = utcnow()
    await session.flush()
    if was_timed or workflow.trigger in TIMED_TRIGGERS:
        _resync(session, workflow.id)
    return await _result(session, workflow)


async def delete_workflow(session: AsyncSession, owner: Owner, workflow_id: int) -> WorkflowResult:
    workflow = await _owned(session, owner, workflow_id)
    result = await _result(session, workflow)
    await planning.cancel_workflow_messages(session, workflow.id, "cancelled: the workflow was deleted")
    await session.delete(workflow)
    await session.flush()
    return result


# ---------------------------------------------------------------- preview


async def _booking_for_preview(
    session: AsyncSession, workflow: Workflow, caller: Principal, booking_uid: str | None
) -> meetings.BookingContext:
    if booking_uid is not None:
        contexts = await meetings.load(session, [booking_uid])
        context = contexts.get(booking_uid)
        if context is None or not await _may_see_booking(session, caller, context.booking):
            raise NotFound(f"Booking with uid={booking_uid} not found")
        return context
    [loaded] = await scope.load_workflows(session, [workflow])
    uid = await session.scalar(
        select(Booking.uid)
        .join(EventType, EventType.id == Booking.event_type_id)
        .where(scope.event_types_in_scope(loaded), Booking.user_id == caller.user_id)
        .order_by(Booking.start_time.desc(), Booking.id.desc())
        .limit(1)
    )
    if uid is None:
        raise BadRequest(
            "bookingUid - you have no booking on the event types of this workflow to preview it with; name one"
        )
    return (await meetings.load(session, [uid]))[uid]


async def preview(
    session: AsyncSession,
    owner: Owner,
    workflow_id: int,
    *,
    caller: Principal,
    booking_uid: str | None,
    settings: Settings,
) -> PreviewResult:
    """Each step rendered against a real booking of the caller: what its first recipient would get."""
    workflow = await _owned(session, owner, workflow_id)
    result = await _result(session, workflow)
    context = await _booking_for_preview(session, workflow, caller, booking_uid)
    now = utcnow()
    previews = []
    for step in result.steps:
        recipients = planning.step_recipients(step, context)
        sendable = next(((r, why) for r, why in recipients if why is None), recipients[0] if recipients else None)
        channel = Channel.sms if step.action in (Action.SMS_ATTENDEE.value, Action.SMS_NUMBER.value) else Channel.email
        recipient = sendable[0] if sendable is not None else planning.Recipient("", None, "attendee", "UTC")
        message = WorkflowMessage(
            id="preview",
            source=Source.workflow.value,
            trigger=workflow.trigger,
            template=step.template,
            channel=channel.value,
            booking_uid=context.booking.uid,
            recipient=recipient.address,
            recipient_name=recipient.name,
            recipient_role=recipient.role,
            time_zone=recipient.time_zone,
            ics_method=None,
            context=None,
            timed=False,
            attempts=0,
        )
        composed = sending.compose(message, sending.SendContext(message, context, step), settings, now)
        previews.append(
            StepPreview(
                step_id=step.id,
                step_number=step.step_number,
                action=step.action,
                channel=channel.value,
                recipient=recipient.address if sendable is not None and sendable[1] is None else None,
                subject=composed.rendered.subject,
                html=composed.rendered.html if channel is Channel.email else None,
                text=composed.rendered.text,
            )
        )
    return PreviewResult(context.booking.uid, tuple(previews))


# ---------------------------------------------------------------- message logs


async def _may_see_booking(session: AsyncSession, principal: Principal, booking: Booking) -> bool:
    """The organizer, a co-host, an admin of the event type's team, or a system admin."""
    if may_act_for(principal, booking.user_id):
        return True
    co_host = await session.scalar(
        select(BookingHost.user_id).where(
            BookingHost.booking_id == booking.id, BookingHost.user_id == principal.user_id
        )
    )
    if co_host is not None:
        return True
    if booking.event_type_id is None:
        return False
    team_id = await session.scalar(select(team_of_event_type(booking.event_type_id)))
    if team_id is None:
        return False
    managed = await session.scalar(roles.teams_managed_by(principal.user_id, [team_id]))
    return managed is not None


async def booking_messages(
    session: AsyncSession, principal: Principal, booking_uid: str, page: Page
) -> list[WorkflowMessage]:
    """``GET /v2/bookings/{uid}/messages``: everything sent (or not) about one booking, oldest first."""
    booking = await session.scalar(select(Booking).where(Booking.uid == booking_uid))
    if booking is None or not await _may_see_booking(session, principal, booking):
        raise NotFound(f"Booking with uid={booking_uid} not found")
    return list(
        (
            await session.scalars(
                select(WorkflowMessage)
                .where(WorkflowMessage.booking_uid == booking_uid)
                .order_by(WorkflowMessage.created_at, WorkflowMessage.id)
                .limit(page.take)
                .offset(page.skip)
            )
        ).all()
    )


async def workflow_messages(session: AsyncSession, owner: Owner, workflow_id: int, page: Page) -> list[WorkflowMessage]:
    """``GET /v2/workflows/{id}/messages``: what one workflow sent (or will send, or did not)."""
    workflow = await _owned(session, owner, workflow_id)
    return list(
        (
            await session.scalars(
                select(WorkflowMessage)
                .where(WorkflowMessage.workflow_id == workflow.id)
                .order_by(WorkflowMessage.created_at, WorkflowMessage.id)
                .limit(page.take)
                .offset(page.skip)
            )
        ).all()
    )
