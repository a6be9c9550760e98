"""Workflow results and message-log rows in their v2 wire shape (the declared ``api_schemas``)."""

from __future__ import annotations

from typing import Any

from calapi.core.envelopes import iso_ms
from calapi.notifications.email import message_id_header
from calapi.workflows.models import Action, Channel, Source, TimeUnit, Trigger, WorkflowMessage, WorkflowStep
from calapi.workflows.results import PreviewResult, WorkflowResult

TRIGGER_NAMES: dict[Trigger, str] = {
    Trigger.BEFORE_EVENT: "beforeEvent",
    Trigger.AFTER_EVENT: "afterEvent",
    Trigger.NEW_EVENT: "newEvent",
    Trigger.RESCHEDULE_EVENT: "rescheduleEvent",
    Trigger.EVENT_CANCELLED: "eventCancelled",
    Trigger.BOOKING_REQUESTED: "bookingRequested",
    Trigger.BOOKING_REJECTED: "bookingRejected",
    Trigger.BOOKING_NO_SHOW_UPDATED: "bookingNoShowUpdated",
    Trigger.BOOKING_PAYMENT_INITIATED: "bookingPaymentInitiated",
    Trigger.BOOKING_PAID: "bookingPaid",
}
ACTION_NAMES: dict[Action, str] = {
    Action.EMAIL_HOST: "email_host",
    Action.EMAIL_ATTENDEE: "email_attendee",
    Action.EMAIL_ADDRESS: "email_address",
    Action.SMS_ATTENDEE: "sms_attendee",
    Action.SMS_NUMBER: "sms_number",
}
UNIT_NAMES: dict[TimeUnit, str] = {TimeUnit.MINUTE: "minute", TimeUnit.HOUR: "hour", TimeUnit.DAY: "day"}
# Cal.com derives the recipient from the action; the host is spelled "const".
_RECIPIENTS: dict[Action, str] = {
    Action.EMAIL_HOST: "const",
    Action.EMAIL_ATTENDEE: "attendee",
    Action.SMS_ATTENDEE: "attendee",
    Action.EMAIL_ADDRESS: "email",
    Action.SMS_NUMBER: "phone_number",
}
_TRIGGER_BY_VALUE = {trigger.value: name for trigger, name in TRIGGER_NAMES.items()}
# Booking emails in the log, by the change that sent them.
_BOOKING_TRIGGERS = {
    "created": "bookingCreated",
    "requested": "bookingRequested",
    "confirmed": "bookingConfirmed",
    "rescheduled": "bookingRescheduled",
    "cancelled": "bookingCancelled",
    "rejected": "bookingRejected",
    "reassigned": "bookingReassigned",
}


def step_output(step: WorkflowStep) -> dict[str, Any]:
    action = Action(step.action)
    sms = action in (Action.SMS_ATTENDEE, Action.SMS_NUMBER)
    out: dict[str, Any] = {
        "id": step.id,
        "stepNumber": step.step_number,
        "action": ACTION_NAMES[action],
        "recipient": _RECIPIENTS[action],
        "email": (step.send_to or "") if action is Action.EMAIL_ADDRESS else "",
        "phone": (step.send_to or "") if action is Action.SMS_NUMBER else "",
        "template": step.template.lower(),
        "includeCalendarEvent": step.include_calendar_event,
        "sender": step.sender or "",
        "message": {"subject": step.subject, "text": step.body}
        if sms
        else {"subject": step.subject, "html": step.body},
    }
    if action is Action.SMS_ATTENDEE:
        out["phoneRequired"] = step.phone_required
    return out


def workflow_output(result: WorkflowResult) -> dict[str, Any]:
    wf = result.workflow
    trigger: dict[str, Any] = {"type": TRIGGER_NAMES[Trigger(wf.trigger)]}
    if wf.offset_value is not None and wf.offset_unit is not None:
        trigger["offset"] = {"value": wf.offset_value, "unit": UNIT_NAMES[TimeUnit(wf.offset_unit)]}
    owner = {"teamId": wf.team_id} if wf.team_id is not None else {"userId": wf.user_id}
    return {
        "id": wf.id,
        "name": wf.name,
        **owner,
        "type": "event-type",
        "activation": {
            "isActiveOnAllEventTypes": wf.active_on_all,
            "activeOnEventTypeIds": [] if wf.active_on_all else list(result.event_type_ids),
        },
        "trigger": trigger,
        "steps": [step_output(s) for s in result.steps],
        "createdAt": iso_ms(wf.created_at),
        "updatedAt": iso_ms(wf.updated_at),
    }


def preview_output(result: PreviewResult) -> dict[str, Any]:
    return {
        "bookingUid": result.booking_uid,
        "steps": [
            {
                "stepId": s.step_id,
                "stepNumber": s.step_number,
                "action": ACTION_NAMES[Action(s.action)],
                "channel": s.channel,
                "recipient": s.recipient,
                "subject": s.subject,
                "html": s.html,
                "text": s.text,
            }
            for s in result.steps
        ],
    }


def message_output(message: WorkflowMessage, *, email_from: str) -> dict[str, Any]:
    if message.source == Source.booking:
        trigger = _BOOKING_TRIGGERS.get(message.trigger, message.trigger)
    else:
        trigger = _TRIGGER_BY_VALUE.get(message.trigger, message.trigger)
    return {
        "id": message.id,
        "messageId": message_id_header(message.id, email_from) if message.channel == Channel.email else message.id,
        "source": message.source,
        "trigger": trigger,
        "template": message.template.lower(),
        "channel": message.channel,
        "recipient": message.recipient,
        "recipientRole": message.recipient_role,
        "bookingUid": message.booking_uid,
        "workflowId": message.workflow_id,
        "stepId": message.step_id,
        "status": message.status,
        "note": message.note,
        "subject": message.subject,
        "scheduledAt": iso_ms(message.scheduled_at),
        "sentAt": iso_ms(message.sent_at) if message.sent_at else None,
        "providerId": message.provider_id,
        "attempts": message.attempts,
        "createdAt": iso_ms(message.created_at),
    }
