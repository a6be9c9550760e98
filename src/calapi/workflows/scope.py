"""Which workflows apply to which bookings.

A personal workflow covers its user's event types (all of them, or those it is active on); a team
workflow covers the team's event types, and a managed event type's children with their parent.
A booking is covered through its event type.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.event_types.models import EventType
from calapi.workflows.meetings import BookingContext
from calapi.workflows.models import TIMED_TRIGGERS, Action, Workflow, WorkflowEventType, WorkflowStep


@dataclass(frozen=True)
class LoadedWorkflow:
    workflow: Workflow
    steps: tuple[WorkflowStep, ...]
    event_type_ids: frozenset[int]

    def covers(self, context: BookingContext) -> bool:
        event_type = context.event_type
        if event_type is None:
            return False
        wf = self.workflow
        if wf.user_id is not None:
            return event_type.owner_id == wf.user_id and (wf.active_on_all or event_type.id in self.event_type_ids)
        if wf.team_id is None or context.team_id != wf.team_id:
            return False
        return (
            wf.active_on_all
            or event_type.id in self.event_type_ids
            or (context.parent_id is not None and context.parent_id in self.event_type_ids)
        )


async def load_workflows(session: AsyncSession, workflows: Sequence[Workflow]) -> list[LoadedWorkflow]:
    """Steps (by number) and activations of these workflows, in two queries."""
    ids = [w.id for w in workflows]
    if not ids:
        return []
    steps: dict[int, list[WorkflowStep]] = {}
    for step in (
        await session.scalars(
            select(WorkflowStep).where(WorkflowStep.workflow_id.in_(ids)).order_by(WorkflowStep.step_number)
        )
    ).all():
        steps.setdefault(step.workflow_id, []).append(step)
    active: dict[int, set[int]] = {}
    for row in (
        await session.execute(
            select(WorkflowEventType.workflow_id, WorkflowEventType.event_type_id).where(
                WorkflowEventType.workflow_id.in_(ids)
            )
        )
    ).all():
        active.setdefault(row.workflow_id, set()).add(row.event_type_id)
    return [LoadedWorkflow(w, tuple(steps.get(w.id, [])), frozenset(active.get(w.id, set()))) for w in workflows]


async def workflows_for(
    session: AsyncSession, contexts: Iterable[BookingContext], *, triggers: Iterable[str] | None = None
) -> dict[str, list[LoadedWorkflow]]:
    """booking uid → the workflows covering it (of ``triggers`` when given): three queries."""
    contexts = list(contexts)
    users = {c.event_type.owner_id for c in contexts if c.event_type is not None and c.event_type.owner_id is not None}
    teams = {c.team_id for c in contexts if c.team_id is not None}
    if not users and not teams:
        return {c.booking.uid: [] for c in contexts}
    owned: list[ColumnElement[bool]] = []
    if users:
        owned.append(Workflow.user_id.in_(users))
    if teams:
        owned.append(Workflow.team_id.in_(teams))
    query = select(Workflow).where(or_(*owned)).order_by(Workflow.id)
    if triggers is not None:
        query = query.where(Workflow.trigger.in_(list(triggers)))
    loaded = await load_workflows(session, list((await session.scalars(query)).all()))
    return {c.booking.uid: [w for w in loaded if w.covers(c)] for c in contexts}


def event_types_in_scope(loaded: LoadedWorkflow) -> ColumnElement[bool]:
    """A condition on ``EventType``: the event types ``loaded`` covers."""
    wf = loaded.workflow
    ids = list(loaded.event_type_ids)
    if wf.user_id is not None:
        mine = EventType.owner_id == wf.user_id
        return mine if wf.active_on_all else mine & EventType.id.in_(ids)
    team_types = select(EventType.id).where(EventType.team_id == wf.team_id)
    if wf.active_on_all:
        return or_(EventType.team_id == wf.team_id, EventType.parent_id.in_(team_types))
    return or_(EventType.id.in_(ids), EventType.parent_id.in_(ids))


def _workflow_probe() -> Select[bool, bool]:
    """Two facts about the workflows of an event type, in one row. Built once (composing the
    statement per call was a sixth of a booking create's CPU).

    ``phone_required``: an SMS-the-attendee step with ``phoneRequired`` of a workflow covering it.
    ``timed``: a timed workflow of its owner, its team or its parent's team — the condition under
    which planning looks at a new booking's reminders at all (``planning._may_have_reminders``).

    Bound: ``owner_id``, ``team_id``, ``parent_id``, ``activated_on`` (expanding: the event type and
    its parent)."""
    owner_id = bindparam("owner_id", type_=Integer)
    own_team_id = bindparam("team_id", type_=Integer)
    parent_team = (
        select(EventType.team_id).where(EventType.id == bindparam("parent_id", type_=Integer)).scalar_subquery()
    )
    activated = exists().where(
        WorkflowEventType.workflow_id == Workflow.id,
        WorkflowEventType.event_type_id.in_(bindparam("activated_on", expanding=True)),
    )
    # A managed child's team is its parent's (unless the child has one of its own).
    owners = or_(Workflow.user_id == owner_id, Workflow.team_id == func.coalesce(own_team_id, parent_team))
    phone_required = exists().where(
        WorkflowStep.workflow_id == Workflow.id,
        WorkflowStep.action == Action.SMS_ATTENDEE.value,
        WorkflowStep.phone_required.is_(True),
        and_(owners, or_(Workflow.active_on_all, activated)),
    )
    timed = exists().where(
        Workflow.trigger.in_(sorted(t.value for t in TIMED_TRIGGERS)),
        or_(Workflow.user_id == owner_id, Workflow.team_id == own_team_id, Workflow.team_id == parent_team),
    )
    return select(phone_required.label("phone_required"), timed.label("timed"))


_WORKFLOW_PROBE = _workflow_probe()

# session.info key: {event type id: whether a timed workflow may cover its bookings}, as read by
# ``attendee_phone_required`` in this request's transaction.
_TIMED_COVER = "calapi.workflows.timed_cover"


async def attendee_phone_required(session: AsyncSession, event_type: EventType) -> bool:
    """Whether a workflow covering ``event_type`` texts the attendee with ``phoneRequired`` (one
    query): its bookings then need the attendee's phone number. The same row says whether a timed
    workflow may cover the event type, kept for the reminders planned in this transaction."""
    if event_type.owner_id is None and event_type.team_id is None and event_type.parent_id is None:
        session.info.setdefault(_TIMED_COVER, {})[event_type.id] = False
        return False
    parameters = {
        "owner_id": event_type.owner_id,
        "team_id": event_type.team_id,
        "parent_id": event_type.parent_id,
        "activated_on": [event_type.id, *([event_type.parent_id] if event_type.parent_id is not None else [])],
    }
    row = (await session.execute(_WORKFLOW_PROBE, parameters)).one()
    session.info.setdefault(_TIMED_COVER, {})[event_type.id] = bool(row.timed)
    return bool(row.phone_required)


def no_timed_workflow(session: AsyncSession, event_type_id: object) -> bool:
    """True when this transaction already read that no timed workflow covers the event type."""
    known: dict[int, bool] = session.info.get(_TIMED_COVER, {})
    return isinstance(event_type_id, int) and known.get(event_type_id) is False
