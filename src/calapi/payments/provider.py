"""What calapi needs of a payment provider; Stripe's implementation is ``stripe_provider``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from calapi.core.errors import AppError


class ProviderUnavailable(AppError):
    """The provider could not be reached or refused the call: the change is not made (502)."""

    status, code = 502, "BadGatewayException"


@dataclass(frozen=True)
class Intent:
    """A provider-side payment (Stripe's PaymentIntent): what the client confirms, and its state."""

    id: str
    client_secret: str | None
    status: str
    amount: int
    currency: str


class PaymentProvider(Protocol):
    name: str

    async def create_intent(
        self, *, amount: int, currency: str, idempotency_key: str, metadata: dict[str, str]
    ) -> Intent: ...

    async def retrieve_intent(self, intent_id: str) -> Intent: ...

    async def cancel_intent(self, intent_id: str, *, idempotency_key: str) -> Intent: ...

    async def refund(self, intent_id: str, *, idempotency_key: str) -> str:
        """Refund a succeeded intent in full; the refund's id."""
        ...

    def verify_event(self, payload: bytes, signature: str | None) -> VerifiedEvent:
        """The event a signed webhook body carries; ``BadSignature`` when it does not verify."""
        ...


@dataclass(frozen=True)
class VerifiedEvent:
    id: str
    type: str
    object_id: str | None  # the id of the object the event is about (a PaymentIntent's)


class BadSignature(Exception):
    pass
