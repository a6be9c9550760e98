"""Imports every table so that ``Base.metadata`` is complete (Alembic, tests)."""

from calapi.accounts.models import SignInLink, WebSession
from calapi.api_keys.models import ApiKey, RateLimit
from calapi.availability.models import SlotReservation
from calapi.bookings.models import Attendee, Booking, BookingSeat
from calapi.calendars.models import (
    BookingReference,
    CalendarBusy,
    CalendarCredential,
    DestinationCalendar,
    ExternalCalendar,
    SelectedCalendar,
)
from calapi.core.idempotency import IdempotencyKey
from calapi.db import Base
from calapi.event_types.models import EventType, Host
from calapi.insights import models as insights_indexes  # noqa: F401 (indexes on the bookings tables)
from calapi.jobs.models import DomainEvent, Job
from calapi.schedules.models import Availability, Schedule
from calapi.teams.models import Membership, Team
from calapi.users.models import User
from calapi.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from calapi.workflows.models import Workflow, WorkflowEventType, WorkflowMessage, WorkflowStep

__all__ = [
    "ApiKey",
    "Attendee",
    "Availability",
    "Base",
    "Booking",
    "BookingReference",
    "BookingSeat",
    "CalendarBusy",
    "CalendarCredential",
    "DestinationCalendar",
    "DomainEvent",
    "EventType",
    "ExternalCalendar",
    "Host",
    "IdempotencyKey",
    "Job",
    "Membership",
    "RateLimit",
    "Schedule",
    "SelectedCalendar",
    "SignInLink",
    "SlotReservation",
    "Team",
    "User",
    "WebSession",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "Workflow",
    "WorkflowEventType",
    "WorkflowMessage",
    "WorkflowStep",
]
