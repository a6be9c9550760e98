"""``/v2/workflows`` (the caller's own), ``/v2/teams/{teamId}/workflows`` (team admins), the message
logs (``/v2/workflows/{id}/messages``, ``/v2/bookings/{uid}/messages``) and preview.

Cal.com's v2 event-type workflow shape (served there only inside organizations); no
``cal-api-version`` needed. Steps name their address or number directly (``email``, ``phone``):
calapi has no verified-resource ids.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import Field, field_validator

from calapi.core.api_schemas import Envelope, StatusOnly, declare
from calapi.core.auth import CurrentPrincipal
from calapi.core.envelopes import success, success_no_data
from calapi.core.errors import BadRequest
from calapi.core.paging import take_skip
from calapi.core.wire import WireModel
from calapi.db import SessionDep
from calapi.teams.access import TeamAdmin, TeamCaller
from calapi.workflows import api_schemas as declared
from calapi.workflows import service
from calapi.workflows.commands import (
    NewWorkflow,
    Offset,
    Owner,
    Page,
    StepSpec,
    TriggerChange,
    WorkflowChanges,
)
from calapi.workflows.models import SMS_ACTIONS, Action, Template, TimeUnit, Trigger
from calapi.workflows.presenters import (
    ACTION_NAMES,
    TRIGGER_NAMES,
    UNIT_NAMES,
    message_output,
    preview_output,
    workflow_output,
)

router = APIRouter(prefix="/v2/workflows", tags=["Workflows"])
team_router = APIRouter(prefix="/v2/teams/{teamId}/workflows", tags=["Teams Workflows"])
booking_router = APIRouter(prefix="/v2/bookings", tags=["Bookings"])

TriggerName = Literal[
    "beforeEvent",
    "afterEvent",
    "newEvent",
    "rescheduleEvent",
    "eventCancelled",
    "bookingRequested",
    "bookingRejected",
    "bookingNoShowUpdated",
    "bookingPaymentInitiated",
    "bookingPaid",
]
ActionName = Literal["email_host", "email_attendee", "email_address", "sms_attendee", "sms_number"]
TemplateName = Literal["reminder", "custom", "rescheduled", "completed", "rating", "cancelled"]
UnitName = Literal["minute", "hour", "day"]
_TRIGGERS = {name: trigger for trigger, name in TRIGGER_NAMES.items()}
_ACTIONS = {name: action for action, name in ACTION_NAMES.items()}
_UNITS = {name: unit for unit, name in UNIT_NAMES.items()}


class OffsetInput(WireModel):
    value: int = Field(ge=1, le=100_000)
    unit: UnitName


class TriggerInput(WireModel):
    type: TriggerName
    offset: OffsetInput | None = None

    def change(self) -> TriggerChange:
        offset = Offset(self.offset.value, TimeUnit(_UNITS[self.offset.unit])) if self.offset else None
        return TriggerChange(Trigger(_TRIGGERS[self.type]), offset)


class ActivationInput(WireModel):
    isActiveOnAllEventTypes: bool = False
    activeOnEventTypeIds: list[int] = Field(default_factory=list, max_length=1000)


class MessageInput(WireModel):
    subject: str = Field(max_length=1000)
    html: str | None = Field(default=None, max_length=50_000)
    text: str | None = Field(default=None, max_length=1600)  # an SMS is at most 1,600 characters


class StepInput(WireModel):
    id: int | None = None  # updates: the step to keep (absent: a new step)
    action: ActionName
    stepNumber: int = Field(ge=1, le=1000)
    recipient: str | None = Field(default=None, max_length=32)  # derived from the action, as in Cal.com
    template: TemplateName
    sender: str = Field(max_length=255)
    message: MessageInput
    includeCalendarEvent: bool = False
    phoneRequired: bool = False
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=32)
    verifiedEmailId: int | None = None
    verifiedPhoneId: int | None = None

    @field_validator("template", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value  # Cal.com accepts REMINDER too

    def spec(self, index: int) -> StepSpec:
        action = Action(_ACTIONS[self.action])
        sms = action in SMS_ACTIONS
        target = self.phone if action is Action.SMS_NUMBER else self.email if action is Action.EMAIL_ADDRESS else None
        if target is None and (self.verifiedEmailId is not None or self.verifiedPhoneId is not None):
            field = "phone" if sms else "email"
            raise BadRequest(
                f"steps[{index}].{field} - is required: this server has no verified resources; "
                f"give the {'number' if sms else 'address'} itself"
            )
        body = (
            self.message.text if sms else self.message.html if self.message.html is not None else self.message.text
        ) or ""
        return StepSpec(
            action=action,
            step_number=self.stepNumber,
            template=Template(self.template.upper()),
            sender=self.sender,
            subject=self.message.subject,
            body=body,
            include_calendar_event=self.includeCalendarEvent,
            phone_required=self.phoneRequired,
            send_to=target.strip() if target else None,
            id=self.id,
        )


class CreateWorkflowInput(WireModel):
    name: str = Field(min_length=1, max_length=255)
    activation: ActivationInput
    trigger: TriggerInput
    steps: list[StepInput] = Field(max_length=20)

    def command(self) -> NewWorkflow:
        change = self.trigger.change()
        return NewWorkflow(
            name=self.name,
            trigger=change.trigger,
            offset=change.offset,
            active_on_all=self.activation.isActiveOnAllEventTypes,
            event_type_ids=tuple(self.activation.activeOnEventTypeIds),
            steps=tuple(step.spec(i) for i, step in enumerate(self.steps)),
        )


class UpdateWorkflowInput(WireModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    activation: ActivationInput | None = None
    trigger: TriggerInput | None = None
    steps: list[StepInput] | None = Field(default=None, max_length=20)

    def command(self) -> WorkflowChanges:
        return WorkflowChanges(
            name=self.name,
            trigger=self.trigger.change() if self.trigger else None,
            active_on_all=self.activation.isActiveOnAllEventTypes if self.activation else None,
            event_type_ids=tuple(self.activation.activeOnEventTypeIds) if self.activation else None,
            steps=tuple(step.spec(i) for i, step in enumerate(self.steps)) if self.steps is not None else None,
        )


class PreviewInput(WireModel):
    bookingUid: str | None = Field(default=None, min_length=1, max_length=64)


def _page(take: str | None, skip: str | None) -> Page:
    limit, offset = take_skip(take, skip)
    return Page(take=limit, skip=offset)


def _messages(request: Request, rows: list[Any]) -> dict[str, Any]:
    email_from = request.app.state.settings.email_from
    return success([message_output(m, email_from=email_from) for m in rows])


# ---------------------------------------------------------------- /v2/workflows


@router.post("", status_code=201, operation_id="workflows_create", **declare(Envelope[declared.Workflow], 201))
async def create_workflow(
    body: CreateWorkflowInput, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    return success(workflow_output(await service.create(session, Owner.personal(principal), body.command())))


@router.get("", operation_id="workflows_list", **declare(Envelope[list[declared.Workflow]]))
async def list_workflows(
    principal: CurrentPrincipal, session: SessionDep, take: str | None = None, skip: str | None = None
) -> dict[str, Any]:
    results = await service.list_workflows(session, Owner.personal(principal), _page(take, skip))
    return success([workflow_output(r) for r in results])


@router.get("/{workflowId}", operation_id="workflows_get", **declare(Envelope[declared.Workflow]))
async def get_workflow(workflowId: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    return success(workflow_output(await service.get(session, Owner.personal(principal), workflowId)))


@router.patch("/{workflowId}", operation_id="workflows_update", **declare(Envelope[declared.Workflow]))
async def update_workflow(
    workflowId: int, body: UpdateWorkflowInput, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    result = await service.update(session, Owner.personal(principal), workflowId, body.command())
    return success(workflow_output(result))


@router.delete("/{workflowId}", operation_id="workflows_delete", **declare(StatusOnly))
async def delete_workflow(workflowId: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    await service.delete_workflow(session, Owner.personal(principal), workflowId)
    return success_no_data()


@router.post("/{workflowId}/preview", operation_id="workflows_preview", **declare(Envelope[declared.WorkflowPreview]))
async def preview_workflow(
    workflowId: int,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    body: PreviewInput | None = None,
) -> dict[str, Any]:
    result = await service.preview(
        session,
        Owner.personal(principal),
        workflowId,
        caller=principal,
        booking_uid=body.bookingUid if body else None,
        settings=request.app.state.settings,
    )
    return success(preview_output(result))


@router.get("/{workflowId}/messages", operation_id="workflows_messages", **declare(Envelope[list[declared.Message]]))
async def list_workflow_messages(
    workflowId: int,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    take: str | None = None,
    skip: str | None = None,
) -> dict[str, Any]:
    rows = await service.workflow_messages(session, Owner.personal(principal), workflowId, _page(take, skip))
    return _messages(request, rows)


# ---------------------------------------------------------------- /v2/teams/{teamId}/workflows (team admins)


@team_router.post(
    "", status_code=201, operation_id="team_workflows_create", **declare(Envelope[declared.Workflow], 201)
)
async def create_team_workflow(
    body: CreateWorkflowInput, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    return success(workflow_output(await service.create(session, Owner.team(caller.team_id), body.command())))


@team_router.get("", operation_id="team_workflows_list", **declare(Envelope[list[declared.Workflow]]))
async def list_team_workflows(
    caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep, take: str | None = None, skip: str | None = None
) -> dict[str, Any]:
    results = await service.list_workflows(session, Owner.team(caller.team_id), _page(take, skip))
    return success([workflow_output(r) for r in results])


@team_router.get("/{workflowId}", operation_id="team_workflows_get", **declare(Envelope[declared.Workflow]))
async def get_team_workflow(
    workflowId: int, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    return success(workflow_output(await service.get(session, Owner.team(caller.team_id), workflowId)))


@team_router.patch("/{workflowId}", operation_id="team_workflows_update", **declare(Envelope[declared.Workflow]))
async def update_team_workflow(
    workflowId: int, body: UpdateWorkflowInput, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    result = await service.update(session, Owner.team(caller.team_id), workflowId, body.command())
    return success(workflow_output(result))


@team_router.delete("/{workflowId}", operation_id="team_workflows_delete", **declare(StatusOnly))
async def delete_team_workflow(
    workflowId: int, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    await service.delete_workflow(session, Owner.team(caller.team_id), workflowId)
    return success_no_data()


@team_router.post(
    "/{workflowId}/preview", operation_id="team_workflows_preview", **declare(Envelope[declared.WorkflowPreview])
)
async def preview_team_workflow(
    workflowId: int,
    caller: Annotated[TeamCaller, TeamAdmin],
    session: SessionDep,
    request: Request,
    body: PreviewInput | None = None,
) -> dict[str, Any]:
    result = await service.preview(
        session,
        Owner.team(caller.team_id),
        workflowId,
        caller=caller.principal,
        booking_uid=body.bookingUid if body else None,
        settings=request.app.state.settings,
    )
    return success(preview_output(result))


@team_router.get(
    "/{workflowId}/messages", operation_id="team_workflows_messages", **declare(Envelope[list[declared.Message]])
)
async def list_team_workflow_messages(
    workflowId: int,
    caller: Annotated[TeamCaller, TeamAdmin],
    session: SessionDep,
    request: Request,
    take: str | None = None,
    skip: str | None = None,
) -> dict[str, Any]:
    rows = await service.workflow_messages(session, Owner.team(caller.team_id), workflowId, _page(take, skip))
    return _messages(request, rows)


# ---------------------------------------------------------------- /v2/bookings/{uid}/messages


@booking_router.get(
    "/{bookingUid}/messages", operation_id="booking_messages", **declare(Envelope[list[declared.Message]])
)
async def list_booking_messages(
    bookingUid: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    take: str | None = None,
    skip: str | None = None,
) -> dict[str, Any]:
    rows = await service.booking_messages(session, principal, bookingUid, _page(take, skip))
    return _messages(request, rows)
