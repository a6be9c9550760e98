"""The declared response bodies of the payments routes."""

from __future__ import annotations

from calapi.core.api_schemas import ResponseModel


class V1Payment(ResponseModel):
    id: int
    amount: int
    success: bool
    refunded: bool
    fee: int
    paymentOption: str | None
    currency: str
    bookingId: int


class WebhookReceived(ResponseModel):
    received: bool
