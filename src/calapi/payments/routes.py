"""Stripe's webhook (Cal.com's path) and the payment page people open to pay a booking."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from calapi.core.api_schemas import declare
from calapi.db import SessionDep
from calapi.payments import api_schemas as declared
from calapi.payments import service
from calapi.payments.models import PaymentStatus

router = APIRouter(tags=["Payments"])


@functools.cache
def _pages() -> Environment:
    """The page templates, loaded at the first page asked for rather than at start-up."""
    return Environment(
        loader=PackageLoader("calapi.payments", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",)),
        undefined=StrictUndefined,
        auto_reload=False,
    )


# Zero-decimal currencies: their minor unit is the unit itself.
_ZERO_DECIMAL = frozenset(
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]
)


def _major(amount: int, currency: str) -> str:
    if currency in _ZERO_DECIMAL:
        return f"{amount:,}"
    return f"{amount / 100:,.2f}"


_RECEIVED = declare(declared.WebhookReceived)
_RECEIVED["responses"][202] = {"model": declared.WebhookReceived, "description": "An event calapi does not act on"}


@router.post("/api/integrations/stripepayment/webhook", operation_id="stripe_payment_webhook", **_RECEIVED)
async def stripe_webhook(request: Request, session: SessionDep) -> Any:
    """Verify ``Stripe-Signature`` and handle the event once; an event calapi does not act on
    answers 202 (as Cal.com does), so Stripe stops sending it."""
    payload = await request.body()
    acted = await service.handle_stripe_event(session, payload, request.headers.get("stripe-signature"))
    if not acted:
        return JSONResponse({"received": True}, status_code=202)
    return {"received": True}


@router.get("/payment/{payment_uid}", response_class=HTMLResponse, include_in_schema=False)  # a page for people
async def payment_page(payment_uid: str, session: SessionDep) -> HTMLResponse:
    page = await service.page_for(session, payment_uid)
    payment = page.payment
    html = (
        _pages()
        .get_template("payment.html")
        .render(
            title=page.booking_title,
            start=page.booking_start.strftime("%Y-%m-%d %H:%M UTC"),
            amount=_major(payment.amount, payment.currency),
            currency=payment.currency.upper(),
            status=payment.status,
            paid=payment.success and not payment.refunded,
            payable=payment.status == PaymentStatus.pending.value and not payment.success,
            refunded=payment.refunded,
            hold_until=payment.hold_until.strftime("%Y-%m-%d %H:%M:%S UTC"),
            expired=payment.status in (PaymentStatus.expired.value, PaymentStatus.canceled.value),
            intent_id=payment.external_id,
        )
    )
    return HTMLResponse(html)
