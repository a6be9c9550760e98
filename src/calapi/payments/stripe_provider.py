"""Stripe through its official library, async over HTTPX.

The API base is the operator's setting (``CALAPI_STRIPE_API_BASE``), never a user's input, so
these calls do not go through the SSRF guard that user-given URLs (webhooks, calendars) pass.
"""

from __future__ import annotations

from typing import Any

import stripe

from calapi.payments.provider import BadSignature, Intent, ProviderUnavailable, VerifiedEvent

# Stripe's own recommendation for webhook signatures: events older than this are refused.
SIGNATURE_TOLERANCE_SECONDS = 300


def _intent(obj: Any) -> Intent:
    return Intent(
        id=obj.id,
        client_secret=getattr(obj, "client_secret", None),
        status=obj.status,
        amount=int(obj.amount),
        currency=str(obj.currency),
    )


class StripeProvider:
    name = "stripe"

    def __init__(self, *, api_key: str, api_base: str, webhook_secret: str | None, timeout: float) -> None:
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")},
            http_client=stripe.HTTPXClient(timeout=timeout),
            max_network_retries=2,
        )
        self._webhook_secret = webhook_secret

    async def create_intent(
        self, *, amount: int, currency: str, idempotency_key: str, metadata: dict[str, str]
    ) -> Intent:
        params: Any = {"amount": amount, "currency": currency, "metadata": metadata, "payment_method_types": ["card"]}
        try:
            created = await self._client.v1.payment_intents.create_async(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as error:
            raise _unavailable("create the payment", error) from error
        return _intent(created)

    async def retrieve_intent(self, intent_id: str) -> Intent:
        try:
            return _intent(await self._client.v1.payment_intents.retrieve_async(intent_id))
        except stripe.StripeError as error:
            raise _unavailable("read the payment", error) from error

    async def cancel_intent(self, intent_id: str, *, idempotency_key: str) -> Intent:
        try:
            cancelled = await self._client.v1.payment_intents.cancel_async(
                intent_id, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as error:
            raise _unavailable("cancel the payment", error) from error
        return _intent(cancelled)

    async def refund(self, intent_id: str, *, idempotency_key: str) -> str:
        try:
            refund = await self._client.v1.refunds.create_async(
                params={"payment_intent": intent_id}, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as error:
            raise _unavailable("refund the payment", error) from error
        return str(refund.id)

    def verify_event(self, payload: bytes, signature: str | None) -> VerifiedEvent:
        if not self._webhook_secret:
            raise BadSignature("no webhook secret is configured (CALAPI_STRIPE_WEBHOOK_SECRET)")
        try:
            event = stripe.Webhook.construct_event(
                payload, signature, self._webhook_secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError as error:
            raise BadSignature(str(error.user_message or error)) from error
        except ValueError as error:  # not JSON
            raise BadSignature("the body is not a JSON Stripe event") from error
        data = getattr(event, "data", None)
        obj = getattr(data, "object", None) if data is not None else None
        return VerifiedEvent(id=str(event.id), type=str(event.type), object_id=getattr(obj, "id", None))


def _unavailable(action: str, error: stripe.StripeError) -> ProviderUnavailable:
    # The provider's message names the problem (a bad key, an unknown currency); no secret is in it.
    return ProviderUnavailable(f"Could not {action} with Stripe: {error.user_message or type(error).__name__}")
