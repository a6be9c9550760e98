"""``/v2/webhooks`` (user level), ``/v2/event-types/{id}/webhooks``, ``/v2/teams/{id}/webhooks`` (team
admins), and the delivery log, redelivery, ping and secret rotation. No ``cal-api-version`` needed,
as in Cal.com.

The three families of subscription routes are the same operations over a different scope (whose
webhooks a request reaches, ``calapi.webhooks.commands``); each router is given its routes by
``_add_subscription_routes`` and ``_add_operation_routes`` with its scope as a dependency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from calapi.core.api_schemas import Envelope, declare
from calapi.core.auth import CurrentPrincipal
from calapi.core.envelopes import iso_ms, success
from calapi.core.errors import BadRequest
from calapi.core.paging import page_param, take_skip
from calapi.core.presenters import wire, wire_all
from calapi.core.wire import WireModel, sent_values
from calapi.db import SessionDep
from calapi.teams.access import TeamAdmin, TeamCaller
from calapi.webhooks import api_schemas as declared
from calapi.webhooks import service as webhooks_service
from calapi.webhooks.commands import (
    DeliveryFilters,
    EventTypeWebhooks,
    NewWebhook,
    OperatedWebhooks,
    OwnerScope,
    Scope,
    TeamWebhooks,
    UserWebhooks,
    WebhookChanges,
)
from calapi.webhooks.models import DELIVERY_STATUSES, Webhook, WebhookAttempt
from calapi.webhooks.service import DeliveryView, PingResult
from calapi.webhooks.triggers import ALL_TRIGGERS, TIME_UNITS, VERSIONS

router = APIRouter(prefix="/v2/webhooks", tags=["Webhooks"])
event_type_router = APIRouter(prefix="/v2/event-types/{eventTypeId}/webhooks", tags=["Event Types Webhooks"])
team_router = APIRouter(prefix="/v2/teams/{teamId}/webhooks", tags=["Teams Webhooks"])

Trigger = Literal[ALL_TRIGGERS]  # type: ignore[valid-type]
Version = Literal[VERSIONS]  # type: ignore[valid-type]
TimeUnit = Literal[TIME_UNITS]  # type: ignore[valid-type]
_STATUSES = DELIVERY_STATUSES


class UpdateWebhookInput(WireModel):
    subscriberUrl: str | None = Field(default=None, min_length=1, max_length=2048)
    active: bool | None = None
    triggers: list[Trigger] | None = Field(default=None, max_length=len(ALL_TRIGGERS) * 2)
    payloadTemplate: str | None = None  # its size: CALAPI_WEBHOOK_MAX_TEMPLATE_BYTES, checked by the service
    secret: str | None = Field(default=None, max_length=255)
    version: Version | None = None
    time: int | None = Field(default=None, ge=1)
    timeUnit: TimeUnit | None = None

    def to_changes(self) -> WebhookChanges:
        # a field sent as null clears it: ``sent`` keeps it
        given = sent_values(self, nulls=True)
        if given.get("triggers") is not None:
            given["triggers"] = tuple(given["triggers"])
        return WebhookChanges.of(**given)


class CreateWebhookInput(UpdateWebhookInput):
    subscriberUrl: str = Field(min_length=1, max_length=2048)
    active: bool
    triggers: list[Trigger] = Field(max_length=len(ALL_TRIGGERS) * 2)

    def to_command(self) -> NewWebhook:
        return NewWebhook(
            subscriber_url=self.subscriberUrl,
            triggers=tuple(self.triggers),
            active=self.active,
            payload_template=self.payloadTemplate,
            secret=self.secret,
            version=self.version,
            time=self.time,
            time_unit=self.timeUnit,
        )


class RotateSecretInput(WireModel):
    secret: str | None = Field(default=None, min_length=8, max_length=255)


def present_webhook(webhook: Webhook) -> declared.Webhook:
    """Cal.com's Webhook / EventTypeWebhook / TeamWebhook output: one of userId, eventTypeId or
    teamId names the owner."""
    owner: dict[str, Any]
    if webhook.event_type_id is not None:
        owner = {"eventTypeId": webhook.event_type_id}
    elif webhook.team_id is not None:
        owner = {"teamId": webhook.team_id}
    else:
        owner = {"userId": webhook.user_id}
    return declared.Webhook.model_construct(
        id=webhook.id,
        **owner,
        payloadTemplate=webhook.payload_template,
        triggers=list(webhook.triggers or []),
        subscriberUrl=webhook.subscriber_url,
        active=webhook.active,
        secret=webhook.secret,
    )


def present_webhook_row(webhook: Webhook) -> declared.WebhookRow:
    """``GET /v2/webhooks/{id}``: every stored column, as Cal.com (quirk 24), plus why it is disabled."""
    return declared.WebhookRow.model_construct(
        id=webhook.id,
        userId=webhook.user_id,
        teamId=webhook.team_id,
        eventTypeId=webhook.event_type_id,
        platformOAuthClientId=None,
        subscriberUrl=webhook.subscriber_url,
        payloadTemplate=webhook.payload_template,
        createdAt=iso_ms(webhook.created_at),
        active=webhook.active,
        triggers=list(webhook.triggers or []),
        appId=webhook.app_id,
        secret=webhook.secret,
        platform=webhook.platform,
        time=webhook.time,
        timeUnit=webhook.time_unit,
        version=webhook.version,
        oAuthClientId=None,
        failingSince=iso_ms(webhook.failing_since) if webhook.failing_since else None,
        disabledReason=webhook.disabled_reason,
    )


def present_rotated(webhook: Webhook) -> declared.RotatedWebhook:
    expires = webhook.previous_secret_expires_at
    return declared.RotatedWebhook.model_construct(
        **wire(present_webhook(webhook)),
        previousSecretExpiresAt=iso_ms(expires) if expires else None,
    )


def _present_attempt(attempt: WebhookAttempt) -> declared.DeliveryAttempt:
    return declared.DeliveryAttempt.model_construct(
        id=attempt.id,
        attemptedAt=iso_ms(attempt.created_at),
        url=attempt.url,
        requestHeaders=attempt.request_headers,
        responseStatus=attempt.response_status,
        responseBody=attempt.response_body,
        durationMs=attempt.duration_ms,
        errorClass=attempt.error_class,
        error=attempt.error,
        worker=attempt.worker,
        jobId=attempt.job_id,
        jobAttempt=attempt.job_attempt,
    )


def present_delivery(view: DeliveryView) -> declared.Delivery:
    delivery = view.delivery
    return declared.Delivery.model_construct(
        id=delivery.id,
        webhookId=delivery.message_id,
        subscriptionId=delivery.webhook_id,
        triggerEvent=delivery.trigger,
        status=delivery.status,
        attempts=delivery.attempts,
        test=delivery.is_test,
        note=delivery.note,
        createdAt=iso_ms(delivery.created_at),
        contentType=delivery.content_type,
        body=delivery.body,
        attemptLog=[_present_attempt(a) for a in view.attempts],
    )


def present_ping(result: PingResult) -> declared.Ping:
    outcome = result.outcome
    if outcome.status is not None:
        status = outcome.status
    else:  # nothing came back: refused before sending (400) or the request failed (500)
        status = 400 if outcome.error_class in ("UrlNotAllowed", "BodyTooLarge") else 500
    return declared.Ping.model_construct(
        ok=outcome.ok,
        status=status,
        message=outcome.response_body if outcome.ok or outcome.status else outcome.error,
        durationMs=outcome.duration_ms,
        errorClass=outcome.error_class,
        delivery=present_delivery(result.delivery),
    )


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


def answer_code(raw: str | None) -> int | None:
    """An HTTP status code a subscriber may answer (100-599), or None when not given."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not text.isdigit() or not 100 <= int(text) <= 599:
        raise BadRequest(f"responseStatus must be an HTTP status code from 100 to 599, got {raw[:20]!r}")
    return int(text)


def delivery_filters(
    status: str | None = None,
    trigger: str | None = None,
    responseStatus: str | None = None,
    since: str | None = None,
    until: str | None = None,
    take: str | None = None,
    skip: str | None = None,
) -> DeliveryFilters:
    """The delivery log's query: by status, trigger, the subscriber's answer code and time, newest first, in pages."""
    if status and status not in _STATUSES:
        raise BadRequest(f"status must be one of {', '.join(_STATUSES)}, got {status[:20]!r}")
    return DeliveryFilters(
        status=status or None,
        trigger=trigger or None,
        response_status=answer_code(responseStatus),
        since=_instant("since", since),
        until=_instant("until", until),
        take=page_param("take", take, default=50, minimum=1, maximum=250),
        skip=page_param("skip", skip, default=0, minimum=0, maximum=None),
    )


Filters = Annotated[DeliveryFilters, Depends(delivery_filters)]


# ---------------------------------------------------------------- the scopes, as route dependencies
#
# A route reaches subscriptions through its router's scope: ``*_scope`` for creating and listing,
# ``*_target`` for one webhook (``*_delivery_target``: one delivery of it). Each takes its path
# parameters in the order the routes always listed them, so the documents stay as they were.


@dataclass(frozen=True)
class Target:
    """One webhook, by id, inside a scope."""

    scope: Scope
    webhook_id: str


@dataclass(frozen=True)
class DeliveryTarget:
    webhook: Target
    delivery_id: str


def user_scope(principal: CurrentPrincipal) -> UserWebhooks:
    return UserWebhooks(principal)


def user_target(webhookId: str, principal: CurrentPrincipal) -> Target:
    return Target(UserWebhooks(principal), webhookId)


def operated_target(webhookId: str, principal: CurrentPrincipal) -> Target:
    return Target(OperatedWebhooks(principal), webhookId)


def operated_delivery_target(webhookId: str, deliveryId: str, principal: CurrentPrincipal) -> DeliveryTarget:
    return DeliveryTarget(Target(OperatedWebhooks(principal), webhookId), deliveryId)


def event_type_scope(eventTypeId: int, principal: CurrentPrincipal) -> EventTypeWebhooks:
    return EventTypeWebhooks(principal, eventTypeId)


def event_type_target(eventTypeId: int, webhookId: str, principal: CurrentPrincipal) -> Target:
    return Target(EventTypeWebhooks(principal, eventTypeId), webhookId)


def team_scope(caller: Annotated[TeamCaller, TeamAdmin]) -> TeamWebhooks:
    return TeamWebhooks(caller.team_id)


def team_target(webhookId: str, caller: Annotated[TeamCaller, TeamAdmin]) -> Target:
    return Target(TeamWebhooks(caller.team_id), webhookId)


def team_delivery_target(webhookId: str, deliveryId: str, caller: Annotated[TeamCaller, TeamAdmin]) -> DeliveryTarget:
    return DeliveryTarget(Target(TeamWebhooks(caller.team_id), webhookId), deliveryId)


# ---------------------------------------------------------------- the routes


def _add_subscription_routes(
    router: APIRouter,
    scope_of: Callable[..., OwnerScope],
    target_of: Callable[..., Target],
    *,
    name: str,
    thing: str,
    present_one: Callable[[Webhook], Any] = present_webhook,
    one_body: Any = Envelope[declared.Webhook],
    after_list: Callable[[APIRouter], None] | None = None,
) -> None:
    """Create, list, get, update and delete under ``router``. Operation ids are ``{name}_create`` …,
    endpoint names (the documents' summaries) ``create_{thing}`` …; ``present_one`` shows the
    webhook ``GET /{webhookId}`` answers with (declared as ``one_body``)."""

    async def create(
        body: CreateWebhookInput, session: SessionDep, request: Request, scope: OwnerScope = Depends(scope_of)
    ) -> dict[str, Any]:
        settings = request.app.state.settings
        return success(
            wire(present_webhook(await webhooks_service.create(session, scope, body.to_command(), settings)))
        )

    async def list_page(
        session: SessionDep, take: str | None = None, skip: str | None = None, scope: OwnerScope = Depends(scope_of)
    ) -> dict[str, Any]:
        limit, offset = take_skip(take, skip)
        webhooks = await webhooks_service.list_page(session, scope, take=limit, skip=offset)
        return success(wire_all(present_webhook(w) for w in webhooks))

    async def get(session: SessionDep, target: Target = Depends(target_of)) -> dict[str, Any]:
        return success(wire(present_one(await webhooks_service.get(session, target.scope, target.webhook_id))))

    async def update(
        body: UpdateWebhookInput, session: SessionDep, request: Request, target: Target = Depends(target_of)
    ) -> dict[str, Any]:
        settings = request.app.state.settings
        changes = body.to_changes()
        webhook = await webhooks_service.update(session, target.scope, target.webhook_id, changes, settings)
        return success(wire(present_webhook(webhook)))

    async def delete(session: SessionDep, target: Target = Depends(target_of)) -> dict[str, Any]:
        webhook = await webhooks_service.delete_one(session, target.scope, target.webhook_id)
        return success(wire(present_webhook(webhook)))

    one = declare(Envelope[declared.Webhook])
    router.post(
        "",
        status_code=201,
        name=f"create_{thing}",
        operation_id=f"{name}_create",
        **declare(Envelope[declared.Webhook], 201),
    )(create)
    router.get("", name=f"list_{thing}s", operation_id=f"{name}_list", **declare(Envelope[list[declared.Webhook]]))(
        list_page
    )
    if after_list is not None:
        after_list(router)
    router.get("/{webhookId}", name=f"get_{thing}", operation_id=f"{name}_get", **declare(one_body))(get)
    router.patch("/{webhookId}", name=f"update_{thing}", operation_id=f"{name}_update", **one)(update)
    router.delete("/{webhookId}", name=f"delete_{thing}", operation_id=f"{name}_delete", **one)(delete)


def _add_operation_routes(
    router: APIRouter,
    target_of: Callable[..., Target],
    delivery_target_of: Callable[..., DeliveryTarget],
    *,
    name: str,
    names: tuple[str, str, str, str],
) -> None:
    """The delivery log, redelivery, ping and secret rotation of one webhook; ``names``: the
    endpoint names of the four (the documents' summaries)."""

    async def deliveries(session: SessionDep, filters: Filters, target: Target = Depends(target_of)) -> dict[str, Any]:
        views = await webhooks_service.list_deliveries(session, target.scope, target.webhook_id, filters)
        return success(wire_all(present_delivery(v) for v in views))

    async def redeliver(session: SessionDep, target: DeliveryTarget = Depends(delivery_target_of)) -> dict[str, Any]:
        scope, webhook_id = target.webhook.scope, target.webhook.webhook_id
        return success(
            wire(present_delivery(await webhooks_service.redeliver(session, scope, webhook_id, target.delivery_id)))
        )

    async def ping(session: SessionDep, request: Request, target: Target = Depends(target_of)) -> dict[str, Any]:
        result = await webhooks_service.ping(session, target.scope, target.webhook_id, request.app.state.settings)
        return success(wire(present_ping(result)))

    async def rotate(
        session: SessionDep, body: RotateSecretInput | None = None, target: Target = Depends(target_of)
    ) -> dict[str, Any]:
        secret = body.secret if body else None
        return success(
            wire(
                present_rotated(await webhooks_service.rotate_secret(session, target.scope, target.webhook_id, secret))
            )
        )

    list_name, redeliver_name, ping_name, rotate_name = names
    router.get(
        "/{webhookId}/deliveries",
        name=list_name,
        operation_id=f"{name}_deliveries",
        **declare(Envelope[list[declared.Delivery]]),
    )(deliveries)
    router.post(
        "/{webhookId}/deliveries/{deliveryId}/redeliver",
        status_code=202,
        name=redeliver_name,
        operation_id=f"{name}_redeliver",
        **declare(Envelope[declared.Delivery], 202),
    )(redeliver)
    router.post("/{webhookId}/ping", name=ping_name, operation_id=f"{name}_ping", **declare(Envelope[declared.Ping]))(
        ping
    )
    router.post(
        "/{webhookId}/rotate-secret",
        name=rotate_name,
        operation_id=f"{name}_rotate_secret",
        **declare(Envelope[declared.RotatedWebhook]),
    )(rotate)


def _delete_all_route(router: APIRouter) -> None:
    @router.delete("", operation_id="event_type_webhooks_delete_all", **declare(Envelope[str]))
    async def delete_event_type_webhooks(
        session: SessionDep, scope: EventTypeWebhooks = Depends(event_type_scope)
    ) -> dict[str, Any]:
        count = await webhooks_service.delete_all_for_event_type(session, scope)
        return success(f"{count} webhooks deleted")


# /v2/webhooks: the caller's own subscriptions; the operations also reach those on their event types.
_add_subscription_routes(
    router,
    user_scope,
    user_target,
    name="webhooks",
    thing="webhook",
    present_one=present_webhook_row,
    one_body=Envelope[declared.WebhookRow],
)
_add_operation_routes(
    router,
    operated_target,
    operated_delivery_target,
    name="webhooks",
    names=("list_deliveries", "redeliver", "ping", "rotate_secret"),
)

_add_subscription_routes(
    event_type_router,
    event_type_scope,
    event_type_target,
    name="event_type_webhooks",
    thing="event_type_webhook",
    after_list=_delete_all_route,
)

# Team admins (the role guard of ``team_*``): what /v2/webhooks offers its owner, for the team's webhooks.
_add_subscription_routes(team_router, team_scope, team_target, name="team_webhooks", thing="team_webhook")
_add_operation_routes(
    team_router,
    team_target,
    team_delivery_target,
    name="team_webhooks",
    names=("list_team_deliveries", "redeliver_team_delivery", "ping_team_webhook", "rotate_team_webhook_secret"),
)
