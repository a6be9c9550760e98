"""Declared response bodies of workflows (v2, Cal.com's event-type workflow shape) and the message log."""

from __future__ import annotations

from calapi.core.api_schemas import ResponseModel


class WorkflowOffset(ResponseModel):
    value: int
    unit: str  # minute | hour | day


class WorkflowTrigger(ResponseModel):
    type: str
    offset: WorkflowOffset | None = None  # beforeEvent and afterEvent only


class WorkflowActivation(ResponseModel):
    isActiveOnAllEventTypes: bool
    activeOnEventTypeIds: list[int]


class WorkflowStepMessage(ResponseModel):
    subject: str
    html: str | None = None  # email steps
    text: str | None = None  # SMS steps


class WorkflowStep(ResponseModel):
    id: int
    stepNumber: int
    action: str
    recipient: str  # "const" (the host, Cal.com's spelling), "attendee", "email", "phone_number"
    email: str
    phone: str
    phoneRequired: bool | None = None  # sms_attendee only
    template: str
    includeCalendarEvent: bool
    sender: str
    message: WorkflowStepMessage


class Workflow(ResponseModel):
    id: int
    name: str
    userId: int | None = None
    teamId: int | None = None
    type: str  # "event-type"
    activation: WorkflowActivation
    trigger: WorkflowTrigger
    steps: list[WorkflowStep]
    createdAt: str
    updatedAt: str


class StepPreview(ResponseModel):
    stepId: int
    stepNumber: int
    action: str
    channel: str
    recipient: str | None
    subject: str
    html: str | None
    text: str


class WorkflowPreview(ResponseModel):
    bookingUid: str
    steps: list[StepPreview]


class Message(ResponseModel):
    """One entry of the message log."""

    id: str
    messageId: str  # the email's Message-ID header (an SMS: the provider idempotency key)
    source: str  # booking (a default booking email) | workflow
    trigger: str
    template: str
    channel: str  # email | sms
    recipient: str
    recipientRole: str  # host | attendee | address | number
    bookingUid: str
    workflowId: int | None
    stepId: int | None
    status: str  # scheduled | sent | failed | cancelled | missed | not_sent
    note: str | None
    subject: str | None
    scheduledAt: str
    sentAt: str | None
    providerId: str | None
    attempts: int
    createdAt: str
