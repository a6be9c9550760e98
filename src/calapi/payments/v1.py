"""API v1 ``/payments``: the payments of the caller's bookings, read-only (contract §2.11)."""

from __future__ import annotations

from typing import Any

from calapi.core import v1
from calapi.core.api_schemas import declare, v1_one
from calapi.core.auth import V1Principal
from calapi.core.presenters import wire, wire_all
from calapi.db import SessionDep
from calapi.payments import api_schemas as declared
from calapi.payments import service
from calapi.payments.models import Payment

router = v1.v1_router(tags=["v1 Payments"])


def _present(payment: Payment) -> declared.V1Payment:
    return declared.V1Payment.model_construct(
        id=payment.id,
        amount=payment.amount,
        success=payment.success,
        refunded=payment.refunded,
        fee=payment.fee,
        paymentOption=payment.payment_option,
        currency=payment.currency,
        bookingId=payment.booking_id,
    )


@router.get("/payments", **declare(v1_one("payments", list[declared.V1Payment])))
async def list_payments(session: SessionDep, principal: V1Principal) -> dict[str, Any]:
    return v1.many("payments", wire_all(_present(p) for p in await service.list_for_user(session, principal)))


@router.get("/payments/{id}", **declare(v1_one("payment", declared.V1Payment)))
async def get_payment(id: int, session: SessionDep, principal: V1Principal) -> dict[str, Any]:
    return v1.one("payment", wire(_present(await service.get_for_user(session, principal, id))))
