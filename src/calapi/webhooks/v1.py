"""API v1 ``/webhooks`` (``?apiKey=``): ``eventTriggers`` over the webhooks service v2 uses.

Same rules as v2 (URL checks, templates, duplicate URLs, triggers de-duplicated); v1's answer
never carries ``active`` or ``secret`` (quirk 19).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict, Field

from calapi.core import authorization, v1
from calapi.core.api_schemas import V1Message, declare, v1_created, v1_one
from calapi.core.auth import V1Principal
from calapi.core.errors import BadRequest, Forbidden, NotFound
from calapi.core.presenters import wire, wire_all
from calapi.core.wire import sent_values
from calapi.db import SessionDep
from calapi.webhooks import api_schemas as declared
from calapi.webhooks import service as webhooks_service
from calapi.webhooks.commands import EventTypeWebhooks, NewWebhook, OperatedWebhooks, UserWebhooks, WebhookChanges
from calapi.webhooks.models import Webhook
from calapi.webhooks.triggers import ALL_TRIGGERS

router = v1.v1_router(tags=["v1 Webhooks"])

Trigger = Literal[ALL_TRIGGERS]  # type: ignore[valid-type]


def present_webhook(webhook: Webhook) -> declared.V1Webhook:
    return declared.V1Webhook.model_construct(
        id=webhook.id,
        userId=webhook.user_id,
        eventTypeId=webhook.event_type_id,
        payloadTemplate=webhook.payload_template,
        eventTriggers=list(webhook.triggers or []),
        appId=webhook.app_id,
        subscriberUrl=webhook.subscriber_url,
    )


class EditWebhookV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscriberUrl: str | None = Field(default=None, min_length=1, max_length=2048)
    eventTriggers: list[Trigger] | None = Field(default=None, max_length=len(ALL_TRIGGERS) * 2)
    active: bool | None = None
    payloadTemplate: str | None = None  # its size: CALAPI_WEBHOOK_MAX_TEMPLATE_BYTES, checked by the service
    secret: str | None = Field(default=None, max_length=255)
    eventTypeId: int | None = None

    def to_changes(self) -> WebhookChanges:
        given = sent_values(self, nulls=True)  # a field sent as null clears it
        given.pop("event_type_id", None)  # where a webhook belongs is not changed (refused by the route)
        if "event_triggers" in given:
            triggers = given.pop("event_triggers")
            given["triggers"] = None if triggers is None else tuple(triggers)
        return WebhookChanges.of(**given)


class CreateWebhookV1(EditWebhookV1):
    subscriberUrl: str = Field(min_length=1, max_length=2048)
    eventTriggers: list[Trigger] = Field(max_length=len(ALL_TRIGGERS) * 2)
    active: bool
    userId: int | None = None

    def to_command(self) -> NewWebhook:
        return NewWebhook(
            subscriber_url=self.subscriberUrl,
            triggers=tuple(self.eventTriggers),
            active=self.active,
            payload_template=self.payloadTemplate,
            secret=self.secret,
        )


def _missing(webhook_id: str) -> NotFound:
    return NotFound(f"Webhook with id: {webhook_id} not found")


@router.get("/webhooks", operation_id="v1_webhooks_list", **declare(v1_one("webhooks", list[declared.V1Webhook])))
async def list_webhooks(
    principal: V1Principal,
    session: SessionDep,
    userId: Annotated[list[int], Query()] = [],  # noqa: B006
) -> dict[str, Any]:
    owners = authorization.user_filter(principal, userId, refusal=Forbidden("ADMIN required"))
    webhooks = await webhooks_service.list_owned_by(session, owners)
    return v1.many("webhooks", wire_all(present_webhook(w) for w in webhooks))


@router.post("/webhooks", operation_id="v1_webhooks_create", **declare(v1_created("webhook", declared.V1Webhook)))
async def create_webhook(
    body: CreateWebhookV1, principal: V1Principal, session: SessionDep, request: Request
) -> dict[str, Any]:
    owner = authorization.acting_user(principal, body.userId, refusal=Forbidden("ADMIN required for userId"))
    acting = dataclasses.replace(principal, user_id=owner)  # an admin acts as the user named
    settings = request.app.state.settings
    if body.eventTypeId is not None:
        # v1 answers 404 for an event type that is not the caller's (or does not exist).
        with v1.reworded(forbidden=NotFound(f"Event type with id: {body.eventTypeId} not found")):
            scope = EventTypeWebhooks(acting, body.eventTypeId)
            webhook = await webhooks_service.create(session, scope, body.to_command(), settings)
    else:
        webhook = await webhooks_service.create(session, UserWebhooks(acting), body.to_command(), settings)
    return v1.created("webhook", wire(present_webhook(webhook)), "Webhook")


@router.get("/webhooks/{id}", operation_id="v1_webhooks_get", **declare(v1_one("webhook", declared.V1Webhook)))
async def get_webhook(id: str, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    with v1.reworded(forbidden=_missing(id), not_found=_missing(id)):
        webhook = await webhooks_service.get(session, OperatedWebhooks(principal), id)
    return v1.one("webhook", wire(present_webhook(webhook)))


@router.patch("/webhooks/{id}", operation_id="v1_webhooks_update", **declare(v1_one("webhook", declared.V1Webhook)))
async def update_webhook(
    id: str, body: EditWebhookV1, principal: V1Principal, session: SessionDep, request: Request
) -> dict[str, Any]:
    if body.eventTypeId is not None:
        raise BadRequest("Moving a webhook to another event type is not supported; create a new one")
    with v1.reworded(forbidden=_missing(id), not_found=_missing(id)):
        webhook = await webhooks_service.update(
            session, OperatedWebhooks(principal), id, body.to_changes(), request.app.state.settings
        )
    return v1.one("webhook", wire(present_webhook(webhook)))


@router.delete("/webhooks/{id}", operation_id="v1_webhooks_delete", **declare(V1Message))
async def delete_webhook(id: str, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    with v1.reworded(forbidden=_missing(id), not_found=_missing(id)):
        await webhooks_service.delete_one(session, OperatedWebhooks(principal), id)
    return v1.deleted("Webhook", id)
