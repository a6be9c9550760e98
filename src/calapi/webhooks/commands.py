"""Typed input of the webhooks service, built by each API version's router from its request body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calapi.core.auth import Principal
from calapi.core.commands import Changes


@dataclass(frozen=True)
class NewWebhook:
    subscriber_url: str
    triggers: tuple[str, ...]
    active: bool = True
    payload_template: str | None = None
    secret: str | None = None  # empty or None: deliveries are not signed
    version: str | None = None  # None: the current payload version
    time: int | None = None
    time_unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class WebhookChanges(Changes):
    """A partial update; a field given as ``None`` clears it (``version``: stays as it is)."""

    subscriber_url: str | None = None
    active: bool | None = None
    triggers: tuple[str, ...] | None = None
    payload_template: str | None = None
    secret: str | None = None
    version: str | None = None
    time: int | None = None
    time_unit: str | None = None


@dataclass(frozen=True)
class DeliveryFilters:
    status: str | None = None
    trigger: str | None = None
    response_status: int | None = None  # the subscriber answered this code to some attempt
    since: datetime | None = None
    until: datetime | None = None
    take: int = 50
    skip: int = 0


# Which subscriptions a request reaches: each route names its scope, and the service finds a
# webhook by id only inside it (another scope's id answers as one that does not exist, or with
# Cal.com's guard message).


@dataclass(frozen=True)
class UserWebhooks:
    """``/v2/webhooks``: the caller's own user-level subscriptions."""

    principal: Principal


@dataclass(frozen=True)
class EventTypeWebhooks:
    """``/v2/event-types/{id}/webhooks``: the subscriptions of an event type the caller owns."""

    principal: Principal
    event_type_id: int


@dataclass(frozen=True)
class TeamWebhooks:
    """``/v2/teams/{teamId}/webhooks``: the route's role guard let a team admin through."""

    team_id: int


@dataclass(frozen=True)
class OperatedWebhooks:
    """Any subscription the caller operates: their own, or one on an event type they own (system
    admins: any) — the delivery log and operations of ``/v2/webhooks/{id}/…``, and API v1."""

    principal: Principal


@dataclass(frozen=True)
class ManagedWebhooks:
    """The settings pages: the caller's own subscriptions (user-level, and on event types they own) and
    those of teams the caller runs (an accepted ADMIN or OWNER; system admins pass the team check as
    in the API). Any other webhook is "not found"."""

    principal: Principal


Scope = UserWebhooks | EventTypeWebhooks | TeamWebhooks | OperatedWebhooks | ManagedWebhooks
OwnerScope = UserWebhooks | EventTypeWebhooks | TeamWebhooks  # where a webhook is created and listed
