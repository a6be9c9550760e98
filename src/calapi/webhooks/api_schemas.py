"""Declared response bodies of webhooks (v2 personal, event-type and team subscriptions)."""

from __future__ import annotations

from typing import Any

from calapi.core.api_schemas import ResponseModel


class Webhook(ResponseModel):
    """Cal.com's webhook output: one of ``userId``, ``eventTypeId`` or ``teamId`` names its owner."""

    id: str
    userId: int | None = None
    eventTypeId: int | None = None
    teamId: int | None = None
    payloadTemplate: str | None
    triggers: list[str]
    subscriberUrl: str
    active: bool
    secret: str | None


class RotatedWebhook(Webhook):
    previousSecretExpiresAt: str | None


class WebhookRow(ResponseModel):
    """``GET /v2/webhooks/{id}``: every stored column."""

    id: str
    userId: int | None
    teamId: int | None
    eventTypeId: int | None
    platformOAuthClientId: str | None
    subscriberUrl: str
    payloadTemplate: str | None
    createdAt: str
    active: bool
    triggers: list[str]
    appId: str | None
    secret: str | None
    platform: bool | None
    time: int | None
    timeUnit: str | None
    version: str | None
    oAuthClientId: str | None
    failingSince: str | None
    disabledReason: str | None


class DeliveryAttempt(ResponseModel):
    id: str | int
    attemptedAt: str
    url: str | None
    requestHeaders: dict[str, Any] | None
    responseStatus: int | None
    responseBody: str | None
    durationMs: int | None
    errorClass: str | None
    error: str | None
    worker: str | None
    jobId: str | int | None
    jobAttempt: int | None


class Delivery(ResponseModel):
    id: str | int
    webhookId: str
    subscriptionId: str | None
    triggerEvent: str
    status: str
    attempts: int
    test: bool
    note: str | None
    createdAt: str
    contentType: str | None
    body: str | None
    attemptLog: list[DeliveryAttempt]


class Ping(ResponseModel):
    ok: bool
    status: int
    message: str | None
    durationMs: int | None
    errorClass: str | None
    delivery: Delivery


# --- v1


class V1Webhook(ResponseModel):
    id: str
    userId: int | None
    eventTypeId: int | None
    payloadTemplate: str | None
    eventTriggers: list[str]
    appId: str | None
    subscriberUrl: str
