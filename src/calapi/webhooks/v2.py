"""``/v2/webhooks`` (user level), ``/v2/event-types/{id}/webhooks``, ``/v2/teams/{id}/webhooks`` (team admins), and the delivery log, redelivery,
ping and secret rotation. No ``cal-api-version`` needed, as in Cal.com."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import Field

from calapi.core.api_schemas import Envelope, declare
from calapi.core.auth import CurrentPrincipal
from calapi.core.envelopes import iso_ms, success
from calapi.core.errors import BadRequest
from calapi.core.paging import page_param, take_skip
from calapi.core.wire import WireModel
from calapi.db import SessionDep
from calapi.teams.access import TeamAdmin, TeamCaller
from calapi.webhooks import api_schemas as declared
from calapi.webhooks import service as webhooks_service
from calapi.webhooks.delivery import Outcome
from calapi.webhooks.models import DeliveryStatus, Webhook, WebhookAttempt
from calapi.webhooks.service import DeliveryFilters, DeliveryView, WebhookFields
from calapi.webhooks.triggers import ALL_TRIGGERS, TIME_UNITS, VERSIONS

router = APIRouter(prefix="/v2/webhooks", tags=["Webhooks"])
event_type_router = APIRouter(prefix="/v2/event-types/{eventTypeId}/webhooks", tags=["Event Types Webhooks"])
team_router = APIRouter(prefix="/v2/teams/{teamId}/webhooks", tags=["Teams Webhooks"])

Trigger = Literal[ALL_TRIGGERS]  # type: ignore[valid-type]
Version = Literal[VERSIONS]  # type: ignore[valid-type]
TimeUnit = Literal[TIME_UNITS]  # type: ignore[valid-type]
_STATUSES = (
    DeliveryStatus.pending,
    DeliveryStatus.succeeded,
    DeliveryStatus.failed,
    DeliveryStatus.expired,
    DeliveryStatus.cancelled,
)


class CreateWebhookInput(WireModel):
    subscriberUrl: str = Field(min_length=1, max_length=2048)
    active: bool
    triggers: list[Trigger] = Field(max_length=len(ALL_TRIGGERS) * 2)
    payloadTemplate: str | None = None  # its size: CALAPI_WEBHOOK_MAX_TEMPLATE_BYTES, checked by the service
    secret: str | None = Field(default=None, max_length=255)
    version: Version | None = None
    time: int | None = Field(default=None, ge=1)
    timeUnit: TimeUnit | None = None

    def fields(self) -> WebhookFields:
        return _fields(self)


class UpdateWebhookInput(WireModel):
    subscriberUrl: str | None = Field(default=None, min_length=1, max_length=2048)
    active: bool | None = None
    triggers: list[Trigger] | None = Field(default=None, max_length=len(ALL_TRIGGERS) * 2)
    payloadTemplate: str | None = None  # its size: CALAPI_WEBHOOK_MAX_TEMPLATE_BYTES, checked by the service
    secret: str | None = Field(default=None, max_length=255)
    version: Version | None = None
    time: int | None = Field(default=None, ge=1)
    timeUnit: TimeUnit | None = None

    def fields(self) -> WebhookFields:
        return _fields(self)


_WIRE_TO_COLUMN = {
    "subscriberUrl": "subscriber_url",
    "active": "active",
    "triggers": "triggers",
    "payloadTemplate": "payload_template",
    "secret": "secret",
    "version": "version",
    "time": "time",
    "timeUnit": "time_unit",
}


def _fields(body: WireModel) -> WebhookFields:
    given = body.model_dump(exclude_unset=True)
    return WebhookFields(**{_WIRE_TO_COLUMN[k]: v for k, v in given.items() if k in _WIRE_TO_COLUMN})


class RotateSecretInput(WireModel):
    secret: str | None = Field(default=None, min_length=8, max_length=255)


def webhook_output(webhook: Webhook) -> dict[str, Any]:
    """Cal.com's Webhook / EventTypeWebhook / TeamWebhook output (userId, eventTypeId or teamId)."""
    owner: dict[str, Any]
    if webhook.event_type_id is not None:
        owner = {"eventTypeId": webhook.event_type_id}
    elif webhook.team_id is not None:
        owner = {"teamId": webhook.team_id}
    else:
        owner = {"userId": webhook.user_id}
    return {
        "id": webhook.id,
        **owner,
        "payloadTemplate": webhook.payload_template,
        "triggers": list(webhook.triggers or []),
        "subscriberUrl": webhook.subscriber_url,
        "active": webhook.active,
        "secret": webhook.secret,
    }


def webhook_row_output(webhook: Webhook) -> dict[str, Any]:
    """``GET /v2/webhooks/{id}``: every stored column, as Cal.com (quirk 24), plus why it is disabled."""
    return {
        "id": webhook.id,
        "userId": webhook.user_id,
        "teamId": webhook.team_id,
        "eventTypeId": webhook.event_type_id,
        "platformOAuthClientId": None,
        "subscriberUrl": webhook.subscriber_url,
        "payloadTemplate": webhook.payload_template,
        "createdAt": iso_ms(webhook.created_at),
        "active": webhook.active,
        "triggers": list(webhook.triggers or []),
        "appId": webhook.app_id,
        "secret": webhook.secret,
        "platform": webhook.platform,
        "time": webhook.time,
        "timeUnit": webhook.time_unit,
        "version": webhook.version,
        "oAuthClientId": None,
        "failingSince": iso_ms(webhook.failing_since) if webhook.failing_since else None,
        "disabledReason": webhook.disabled_reason,
    }


def _attempt_output(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "attemptedAt": iso_ms(attempt.created_at),
        "url": attempt.url,
        "requestHeaders": attempt.request_headers,
        "responseStatus": attempt.response_status,
        "responseBody": attempt.response_body,
        "durationMs": attempt.duration_ms,
        "errorClass": attempt.error_class,
        "error": attempt.error,
        "worker": attempt.worker,
        "jobId": attempt.job_id,
        "jobAttempt": attempt.job_attempt,
    }


def delivery_output(view: DeliveryView) -> dict[str, Any]:
    d = view.delivery
    return {
        "id": d.id,
        "webhookId": d.message_id,
        "subscriptionId": d.webhook_id,
        "triggerEvent": d.trigger,
        "status": d.status,
        "attempts": d.attempts,
        "test": d.is_test,
        "note": d.note,
        "createdAt": iso_ms(d.created_at),
        "contentType": d.content_type,
        "body": d.body,
        "attemptLog": [_attempt_output(a) for a in view.attempts],
    }


def _instant(name: str, raw: str | None) -> datetime | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 instant such as 2026-01-31T12:00:00Z, got {raw[:40]!r}") from None
    if value.tzinfo is None:
        raise BadRequest(f"{name} must carry a UTC offset or Z, got {raw[:40]!r}")
    return value


# ---------------------------------------------------------------- /v2/webhooks


@router.post("", status_code=201, operation_id="webhooks_create", **declare(Envelope[declared.Webhook], 201))
async def create_webhook(
    body: CreateWebhookInput, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> dict[str, Any]:
    webhook = await webhooks_service.create_for_user(session, principal, body.fields(), request.app.state.settings)
    return success(webhook_output(webhook))


@router.get("", operation_id="webhooks_list", **declare(Envelope[list[declared.Webhook]]))
async def list_webhooks(
    principal: CurrentPrincipal, session: SessionDep, take: str | None = None, skip: str | None = None
) -> dict[str, Any]:
    limit, offset = take_skip(take, skip)
    webhooks = await webhooks_service.list_for_user(session, principal, take=limit, skip=offset)
    return success([webhook_output(w) for w in webhooks])


@router.get("/{webhookId}", operation_id="webhooks_get", **declare(Envelope[declared.WebhookRow]))
async def get_webhook(webhookId: str, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    return success(webhook_row_output(await webhooks_service.get_for_user(session, principal, webhookId)))


@router.patch("/{webhookId}", operation_id="webhooks_update", **declare(Envelope[declared.Webhook]))
async def update_webhook(
    webhookId: str, body: UpdateWebhookInput, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> dict[str, Any]:
    webhook = await webhooks_service.update_for_user(
        session, principal, webhookId, body.fields(), request.app.state.settings
    )
    return success(webhook_output(webhook))


@router.delete("/{webhookId}", operation_id="webhooks_delete", **declare(Envelope[declared.Webhook]))
async def delete_webhook(webhookId: str, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    return success(webhook_output(await webhooks_service.delete_for_user(session, principal, webhookId)))


def _delivery_filters(
    status: str | None, trigger: str | None, since: str | None, until: str | None, take: str | None, skip: str | None
) -> DeliveryFilters:
    if status and status not in _STATUSES:
        raise BadRequest(f"status must be one of {', '.join(_STATUSES)}, got {status[:20]!r}")
    return DeliveryFilters(
        status=status or None,
        trigger=trigger or None,
        since=_instant("since", since),
        until=_instant("until", until),
        take=page_param("take", take, default=50, minimum=1, maximum=250),
        skip=page_param("skip", skip, default=0, minimum=0, maximum=None),
    )


@router.get("/{webhookId}/deliveries", operation_id="webhooks_deliveries", **declare(Envelope[list[declared.Delivery]]))
async def list_deliveries(
    webhookId: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    status: str | None = None,
    trigger: str | None = None,
    since: str | None = None,
    until: str | None = None,
    take: str | None = None,
    skip: str | None = None,
) -> dict[str, Any]:
    filters = _delivery_filters(status, trigger, since, until, take, skip)
    webhook = await webhooks_service.operable(session, principal, webhookId)
    return success([delivery_output(v) for v in await webhooks_service.list_deliveries(session, webhook, filters)])


@router.post(
    "/{webhookId}/deliveries/{deliveryId}/redeliver",
    status_code=202,
    operation_id="webhooks_redeliver",
    **declare(Envelope[declared.Delivery], 202),
)
async def redeliver(
    webhookId: str, deliveryId: str, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    webhook = await webhooks_service.operable(session, principal, webhookId, write=True)
    return success(delivery_output(await webhooks_service.redeliver(session, webhook, deliveryId)))


def _ping_output(view: DeliveryView, outcome: Outcome) -> dict[str, Any]:
    return {
        "ok": outcome.ok,
        "status": outcome.status
        if outcome.status is not None
        else (400 if outcome.error_class in ("UrlNotAllowed", "BodyTooLarge") else 500),
        "message": outcome.response_body if outcome.ok or outcome.status else outcome.error,
        "durationMs": outcome.duration_ms,
        "errorClass": outcome.error_class,
        "delivery": delivery_output(view),
    }


@router.post("/{webhookId}/ping", operation_id="webhooks_ping", **declare(Envelope[declared.Ping]))
async def ping(webhookId: str, principal: CurrentPrincipal, session: SessionDep, request: Request) -> dict[str, Any]:
    webhook = await webhooks_service.operable(session, principal, webhookId)
    view, outcome = await webhooks_service.ping(session, webhook, request.app.state.settings)
    return success(_ping_output(view, outcome))


def _rotated_output(webhook: Webhook) -> dict[str, Any]:
    expires = webhook.previous_secret_expires_at
    return {**webhook_output(webhook), "previousSecretExpiresAt": iso_ms(expires) if expires else None}


@router.post(
    "/{webhookId}/rotate-secret", operation_id="webhooks_rotate_secret", **declare(Envelope[declared.RotatedWebhook])
)
async def rotate_secret(
    webhookId: str, principal: CurrentPrincipal, session: SessionDep, body: RotateSecretInput | None = None
) -> dict[str, Any]:
    webhook = await webhooks_service.operable(session, principal, webhookId, write=True)
    return success(
        _rotated_output(await webhooks_service.rotate_secret(session, webhook, body.secret if body else None))
    )


# ---------------------------------------------------------------- /v2/event-types/{id}/webhooks


@event_type_router.post(
    "", status_code=201, operation_id="event_type_webhooks_create", **declare(Envelope[declared.Webhook], 201)
)
async def create_event_type_webhook(
    eventTypeId: int, body: CreateWebhookInput, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> dict[str, Any]:
    webhook = await webhooks_service.create_for_event_type(
        session, principal, eventTypeId, body.fields(), request.app.state.settings
    )
    return success(webhook_output(webhook))


@event_type_router.get("", operation_id="event_type_webhooks_list", **declare(Envelope[list[declared.Webhook]]))
async def list_event_type_webhooks(
    eventTypeId: int, principal: CurrentPrincipal, session: SessionDep, take: str | None = None, skip: str | None = None
) -> dict[str, Any]:
    limit, offset = take_skip(take, skip)
    webhooks = await webhooks_service.list_for_event_type(session, principal, eventTypeId, take=limit, skip=offset)
    return success([webhook_output(w) for w in webhooks])


@event_type_router.delete("", operation_id="event_type_webhooks_delete_all", **declare(Envelope[str]))
async def delete_event_type_webhooks(
    eventTypeId: int, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    count = await webhooks_service.delete_all_for_event_type(session, principal, eventTypeId)
    return success(f"{count} webhooks deleted")


@event_type_router.get("/{webhookId}", operation_id="event_type_webhooks_get", **declare(Envelope[declared.Webhook]))
async def get_event_type_webhook(
    eventTypeId: int, webhookId: str, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    return success(
        webhook_output(await webhooks_service.get_for_event_type(session, principal, eventTypeId, webhookId))
    )


@event_type_router.patch(
    "/{webhookId}", operation_id="event_type_webhooks_update", **declare(Envelope[declared.Webhook])
)
async def update_event_type_webhook(
    eventTypeId: int,
    webhookId: str,
    body: UpdateWebhookInput,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
) -> dict[str, Any]:
    webhook = await webhooks_service.update_for_event_type(
        session, principal, eventTypeId, webhookId, body.fields(), request.app.state.settings
    )
    return success(webhook_output(webhook))


@event_type_router.delete(
    "/{webhookId}", operation_id="event_type_webhooks_delete", **declare(Envelope[declared.Webhook])
)
async def delete_event_type_webhook(
    eventTypeId: int, webhookId: str, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    return success(
        webhook_output(await webhooks_service.delete_for_event_type(session, principal, eventTypeId, webhookId))
    )


# ---------------------------------------------------------------- /v2/teams/{teamId}/webhooks (team admins)


@team_router.post("", status_code=201, operation_id="team_webhooks_create", **declare(Envelope[declared.Webhook], 201))
async def create_team_webhook(
    body: CreateWebhookInput, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep, request: Request
) -> dict[str, Any]:
    webhook = await webhooks_service.create_for_team(session, caller.team_id, body.fields(), request.app.state.settings)
    return success(webhook_output(webhook))


@team_router.get("", operation_id="team_webhooks_list", **declare(Envelope[list[declared.Webhook]]))
async def list_team_webhooks(
    caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep, take: str | None = None, skip: str | None = None
) -> dict[str, Any]:
    limit, offset = take_skip(take, skip)
    webhooks = await webhooks_service.list_for_team(session, caller.team_id, take=limit, skip=offset)
    return success([webhook_output(w) for w in webhooks])


@team_router.get("/{webhookId}", operation_id="team_webhooks_get", **declare(Envelope[declared.Webhook]))
async def get_team_webhook(
    webhookId: str, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    return success(webhook_output(await webhooks_service.get_for_team(session, caller.team_id, webhookId)))


@team_router.patch("/{webhookId}", operation_id="team_webhooks_update", **declare(Envelope[declared.Webhook]))
async def update_team_webhook(
    webhookId: str,
    body: UpdateWebhookInput,
    caller: Annotated[TeamCaller, TeamAdmin],
    session: SessionDep,
    request: Request,
) -> dict[str, Any]:
    webhook = await webhooks_service.update_for_team(
        session, caller.team_id, webhookId, body.fields(), request.app.state.settings
    )
    return success(webhook_output(webhook))


@team_router.delete("/{webhookId}", operation_id="team_webhooks_delete", **declare(Envelope[declared.Webhook]))
async def delete_team_webhook(
    webhookId: str, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    return success(webhook_output(await webhooks_service.delete_for_team(session, caller.team_id, webhookId)))


# Operations on a team's webhook: what /v2/webhooks/{id}/… offers its owner, for the team's admins.


@team_router.get(
    "/{webhookId}/deliveries", operation_id="team_webhooks_deliveries", **declare(Envelope[list[declared.Delivery]])
)
async def list_team_deliveries(
    webhookId: str,
    caller: Annotated[TeamCaller, TeamAdmin],
    session: SessionDep,
    status: str | None = None,
    trigger: str | None = None,
    since: str | None = None,
    until: str | None = None,
    take: str | None = None,
    skip: str | None = None,
) -> dict[str, Any]:
    filters = _delivery_filters(status, trigger, since, until, take, skip)
    webhook = await webhooks_service.team_webhook(session, caller.team_id, webhookId)
    return success([delivery_output(v) for v in await webhooks_service.list_deliveries(session, webhook, filters)])


@team_router.post(
    "/{webhookId}/deliveries/{deliveryId}/redeliver",
    status_code=202,
    operation_id="team_webhooks_redeliver",
    **declare(Envelope[declared.Delivery], 202),
)
async def redeliver_team_delivery(
    webhookId: str, deliveryId: str, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    webhook = await webhooks_service.team_webhook(session, caller.team_id, webhookId)
    return success(delivery_output(await webhooks_service.redeliver(session, webhook, deliveryId)))


@team_router.post("/{webhookId}/ping", operation_id="team_webhooks_ping", **declare(Envelope[declared.Ping]))
async def ping_team_webhook(
    webhookId: str, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep, request: Request
) -> dict[str, Any]:
    webhook = await webhooks_service.team_webhook(session, caller.team_id, webhookId)
    view, outcome = await webhooks_service.ping(session, webhook, request.app.state.settings)
    return success(_ping_output(view, outcome))


@team_router.post(
    "/{webhookId}/rotate-secret",
    operation_id="team_webhooks_rotate_secret",
    **declare(Envelope[declared.RotatedWebhook]),
)
async def rotate_team_webhook_secret(
    webhookId: str, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep, body: RotateSecretInput | None = None
) -> dict[str, Any]:
    # the role guard began this POST's transaction as a writer
    webhook = await webhooks_service.team_webhook(session, caller.team_id, webhookId)
    return success(
        _rotated_output(await webhooks_service.rotate_secret(session, webhook, body.secret if body else None))
    )
