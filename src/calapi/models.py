"""Imports every table so that ``Base.metadata`` is complete (Alembic, tests)."""

from calapi.api_keys.models import ApiKey, RateLimit
from calapi.bookings.models import Attendee, Booking, BookingSeat
from calapi.core.idempotency import IdempotencyKey
from calapi.db import Base
from calapi.event_types.models import EventType
from calapi.jobs.models import DomainEvent, Job
from calapi.schedules.models import Availability, Schedule
from calapi.slots.models import SlotReservation
from calapi.users.models import User
from calapi.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "ApiKey",
    "Attendee",
    "Availability",
    "Base",
    "Booking",
    "BookingSeat",
    "DomainEvent",
    "EventType",
    "IdempotencyKey",
    "Job",
    "RateLimit",
    "Schedule",
    "SlotReservation",
    "User",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
]
