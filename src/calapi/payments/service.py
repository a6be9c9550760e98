"""Paid bookings: a payment per booking, its slot held unpaid, the provider's events handled once.

The flow (each step in one transaction):

1. A booking of a paid event type is inserted ``pending`` and calls ``start_payment`` (through the
   bookings room's payment hook): the payment row, one PaymentIntent (its idempotency key is
   derived from the booking, so a retried call cannot make a second), a hold on the slot until
   ``CALAPI_PAYMENT_HOLD`` has passed, the expiry job, and BOOKING_PAYMENT_INITIATED.
2. Stripe's signed ``payment_intent.succeeded`` (``handle_stripe_event``): the event id is written
   first (unique, so a redelivery does nothing), then the payment succeeds and the booking is
   marked paid — BOOKING_PAID and the confirmation path (bookings' ``mark_paid``).
3. Unpaid when the hold runs out (``expire_payment``, a job): the booking is cancelled with a
   reason and its PaymentIntent cancelled. A success that arrives after the hold is refunded.
4. A cancel by the host refunds a paid booking; a reschedule moves the payment to the new booking.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability import holds
from calapi.bookings.models import Booking
from calapi.bookings.results import PaymentView
from calapi.bookings.service import payments as booking_payments
from calapi.config import Settings, parse_duration
from calapi.core.auth import Principal
from calapi.core.errors import BadRequest, NotFound
from calapi.db import begin_write, utcnow
from calapi.event_types.pricing import Price
from calapi.jobs.models import Job
from calapi.jobs.worker import Handler, enqueue, register
from calapi.payments.models import Payment, PaymentStatus, ProviderEvent
from calapi.payments.provider import BadSignature, PaymentProvider, ProviderUnavailable

EXPIRE_JOB = "payments.expire"
EXPIRED_REASON = "Payment not completed in time: the booking was released."
NOT_CONFIGURED = (
    "This event type takes payment, but this server has no payment provider configured "
    "(set CALAPI_STRIPE_SECRET_KEY), so it cannot be booked."
)
SUCCEEDED = "payment_intent.succeeded"


@dataclass(frozen=True)
class PaymentConfig:
    provider: PaymentProvider | None
    hold: timedelta


_config: PaymentConfig | None = None


def configure(settings: Settings, provider: PaymentProvider | None = None) -> None:
    """Set the provider and the hold from the settings, and register the expiry job."""
    global _config
    if provider is None and settings.stripe_secret_key is not None:
        # Imported only when Stripe is set up: the library is large, and start-up pays for it.
        from calapi.payments.stripe_provider import StripeProvider

        provider = StripeProvider(
            api_key=settings.stripe_secret_key.get_secret_value(),
            api_base=settings.stripe_api_base,
            webhook_secret=(
                settings.stripe_webhook_secret.get_secret_value() if settings.stripe_webhook_secret else None
            ),
            timeout=settings.stripe_timeout_seconds,
        )
    _config = PaymentConfig(provider=provider, hold=timedelta(seconds=parse_duration(settings.payment_hold)))
    register(EXPIRE_JOB, Handler(run=expire_payment))


def _configured() -> PaymentConfig:
    if _config is None:
        raise RuntimeError("payments are not configured (wiring.register_job_handlers)")
    return _config


def _provider() -> PaymentProvider:
    provider = _configured().provider
    if provider is None:
        raise BadRequest(NOT_CONFIGURED)
    return provider


def hooks() -> booking_payments.PaymentHooks:
    """What the bookings room calls (``wiring.register_domain_hooks``)."""
    return booking_payments.PaymentHooks(start=start_payment, cancelled=booking_cancelled, moved=booking_moved)


def _event_extra(payment: Payment) -> dict[str, Any]:
    """What BOOKING_PAYMENT_INITIATED and BOOKING_PAID add to the booking payload."""
    return {
        # Cal.com sends both payment triggers with the booking as ACCEPTED, whatever it waits for.
        "status": "ACCEPTED",
        "price": payment.amount,
        "currency": payment.currency,
        "paymentId": payment.id,
        "paymentData": {
            "uid": payment.uid,
            "amount": payment.amount,
            "currency": payment.currency,
            "success": payment.success,
            "refunded": payment.refunded,
            "paymentOption": payment.payment_option,
            "externalId": payment.external_id,
        },
    }


# --- 1. a new paid booking -------------------------------------------------------------------------


async def start_payment(session: AsyncSession, booking: Booking, price: Price) -> PaymentView:
    provider = _provider()
    now = utcnow()
    payment = Payment(
        uid=secrets.token_urlsafe(16),
        booking_id=booking.id,
        amount=price.amount,
        fee=0,
        currency=price.currency,
        payment_option=price.payment_option,
        status=PaymentStatus.pending.value,
        provider=provider.name,
        success=False,
        refunded=False,
        hold_until=now + _configured().hold,
        created_at=now,
        updated_at=now,
    )
    # One PaymentIntent per booking: the key is the booking's, so the provider answers a repeated
    # call with the first intent.
    intent = await provider.create_intent(
        amount=price.amount,
        currency=price.currency,
        idempotency_key=f"calapi-booking-{booking.uid}",
        metadata={"bookingUid": booking.uid, "paymentUid": payment.uid},
    )
    payment.external_id = intent.id
    payment.data = {"clientSecret": intent.client_secret, "paymentIntentStatus": intent.status}
    session.add(payment)
    await session.flush()
    _hold_slot(session, payment, booking)
    enqueue(session, EXPIRE_JOB, {"paymentId": payment.id}, run_at=payment.hold_until)
    await booking_payments.record_payment_event(
        session, booking_payments.BOOKING_PAYMENT_INITIATED, booking, _event_extra(payment)
    )
    return PaymentView.of(payment)


def _hold_uid(payment: Payment) -> str:
    return f"payment-{payment.uid}"


def _hold_slot(session: AsyncSession, payment: Payment, booking: Booking) -> None:
    """The booking's slot held for its payment until the payment's hold ends."""
    if booking.event_type_id is None:
        return
    holds.hold_for_payment(
        session,
        _hold_uid(payment),
        event_type_id=booking.event_type_id,
        user_id=booking.user_id,
        start=booking.start_time,
        end=booking.end_time,
        until=payment.hold_until,
    )


# --- 2. the provider's events ----------------------------------------------------------------------


async def handle_stripe_event(session: AsyncSession, payload: bytes, signature: str | None) -> bool:
    """Verify and handle one Stripe webhook; False when the event is not one calapi acts on."""
    provider = _configured().provider
    if provider is None:
        raise BadRequest(
            "Stripe webhooks are not set up on this server (CALAPI_STRIPE_SECRET_KEY, CALAPI_STRIPE_WEBHOOK_SECRET)"
        )
    try:
        event = provider.verify_event(payload, signature)
    except BadSignature as error:
        raise BadRequest(f"Webhook signature verification failed: {error}") from error
    await begin_write(session)
    try:
        async with session.begin_nested():
            session.add(ProviderEvent(provider=provider.name, event_id=event.id, event_type=event.type))
            await session.flush()
    except IntegrityError:
        return True  # handled already: a redelivery changes nothing
    if event.type != SUCCEEDED or event.object_id is None:
        return False
    booking_id = await session.scalar(select(Payment.booking_id).where(Payment.external_id == event.object_id))
    if booking_id is None:
        return False  # not one of ours (another app on the same Stripe account)
    payment = await _locked_payment(session, booking_id)
    if payment is None:
        return False
    await _succeeded(session, provider, payment)
    return True


async def _locked_payment(session: AsyncSession, booking_id: int) -> Payment | None:
    """The booking's payment, read again and locked after its host (the expiry job, Stripe's event
    and a cancel change the same row; on SQLite the one write transaction serialises them)."""
    await booking_payments.lock_booking(session, booking_id)
    statement = select(Payment).where(Payment.booking_id == booking_id).with_for_update()
    return await session.scalar(statement.execution_options(populate_existing=True))


async def _succeeded(session: AsyncSession, provider: PaymentProvider, payment: Payment) -> None:
    if payment.success:
        return
    payment.success = True
    payment.data = {**(payment.data or {}), "paymentIntentStatus": "succeeded"}
    late = payment.status != PaymentStatus.pending.value or utcnow() >= payment.hold_until
    paid = None
    if not late:
        payment.status = PaymentStatus.succeeded.value
        await session.flush()
        paid = await booking_payments.mark_paid(session, payment.booking_id, _event_extra(payment))
    if paid is None:
        # Paid after the hold ran out (or after the booking was cancelled): the slot may be
        # someone else's by now, so the money goes back instead of the booking coming back.
        await booking_payments.cancel_unpaid(session, payment.booking_id, reason=EXPIRED_REASON)
        await _refund(session, provider, payment)
    await holds.release(session, _hold_uid(payment))
    await session.flush()


async def _refund(session: AsyncSession, provider: PaymentProvider, payment: Payment) -> None:
    assert payment.external_id is not None
    refund_id = await provider.refund(payment.external_id, idempotency_key=f"calapi-refund-{payment.uid}")
    payment.refunded = True
    payment.status = PaymentStatus.refunded.value
    payment.data = {**(payment.data or {}), "refundId": refund_id}
    payment.updated_at = utcnow()


# --- 3. the hold runs out --------------------------------------------------------------------------


async def expire_payment(session: AsyncSession, job: Job) -> None:
    """The expiry job: an unpaid booking is cancelled and its PaymentIntent cancelled."""
    await begin_write(session)
    booking_id = await session.scalar(select(Payment.booking_id).where(Payment.id == int(job.payload["paymentId"])))
    payment = await _locked_payment(session, booking_id) if booking_id is not None else None
    if payment is None or payment.status != PaymentStatus.pending.value or payment.success:
        return
    provider = _provider()
    assert payment.external_id is not None
    intent = await provider.retrieve_intent(payment.external_id)
    if intent.status == "succeeded":
        return  # paid at the last moment: its succeeded event decides (and refunds, being late)
    await booking_payments.cancel_unpaid(session, payment.booking_id, reason=EXPIRED_REASON)
    if intent.status != "canceled":
        await provider.cancel_intent(payment.external_id, idempotency_key=f"calapi-cancel-{payment.uid}")
    payment.status = PaymentStatus.expired.value
    payment.data = {**(payment.data or {}), "paymentIntentStatus": "canceled"}
    payment.updated_at = utcnow()
    await session.flush()


# --- 4. cancel and reschedule ----------------------------------------------------------------------


async def booking_cancelled(session: AsyncSession, bookings: list[Booking], caller_user_id: int | None) -> None:
    """Cancelled bookings' payments (one statement for all): an open one is dropped, a paid one
    refunded when the booking's host cancelled it."""
    by_id = {b.id: b for b in bookings}
    found = await session.scalars(select(Payment).where(Payment.booking_id.in_(by_id)).with_for_update())
    for payment in found.all():
        provider = _provider()
        assert payment.external_id is not None
        if payment.status == PaymentStatus.pending.value and not payment.success:
            try:
                await provider.cancel_intent(payment.external_id, idempotency_key=f"calapi-cancel-{payment.uid}")
            except ProviderUnavailable:
                pass  # already paid or cancelled at Stripe: a late success is refunded when it arrives
            payment.status = PaymentStatus.canceled.value
            payment.updated_at = utcnow()
            await holds.release(session, _hold_uid(payment))
        elif payment.success and not payment.refunded and caller_user_id == by_id[payment.booking_id].user_id:
            await _refund(session, provider, payment)
    await session.flush()


async def booking_moved(session: AsyncSession, old: Booking, new: Booking) -> None:
    """The payment follows the booking to its new time: paid once, never charged again. A payment
    still open takes its hold along (until the same moment)."""
    payment = await session.scalar(select(Payment).where(Payment.booking_id == old.id))
    if payment is None:
        return
    payment.booking_id = new.id
    payment.updated_at = utcnow()
    if payment.status == PaymentStatus.pending.value and not payment.success and new.event_type_id is not None:
        await holds.release(session, _hold_uid(payment))
        _hold_slot(session, payment, new)
    await session.flush()


# --- reading ---------------------------------------------------------------------------------------


async def list_for_user(session: AsyncSession, caller: Principal) -> list[Payment]:
    """The payments of the caller's bookings (as their organizer), oldest first."""
    statement = (
        select(Payment)
        .join(Booking, Booking.id == Payment.booking_id)
        .where(Booking.user_id == caller.user_id)
        .order_by(Payment.id)
    )
    return list((await session.scalars(statement)).all())


async def get_for_user(session: AsyncSession, caller: Principal, payment_id: int) -> Payment:
    """One payment of the caller's bookings; another user's answers 404 as a missing one does."""
    payment = await session.scalar(
        select(Payment)
        .join(Booking, Booking.id == Payment.booking_id)
        .where(Payment.id == payment_id, Booking.user_id == caller.user_id)
    )
    if payment is None:
        raise NotFound(f"Payment with id: {payment_id} not found")
    return payment


@dataclass(frozen=True)
class PaymentPage:
    """What the payment page shows."""

    payment: Payment
    booking_title: str
    booking_start: datetime
    booking_status: str


async def page_for(session: AsyncSession, payment_uid: str) -> PaymentPage:
    row = (
        await session.execute(
            select(Payment, Booking.title, Booking.start_time, Booking.status)
            .join(Booking, Booking.id == Payment.booking_id)
            .where(Payment.uid == payment_uid)
        )
    ).first()
    if row is None:
        raise NotFound(f"Payment with uid {payment_uid} not found")
    return PaymentPage(row[0], row[1], row[2], row[3])
