"""From the outbox to the subscriber: fan-out (a consumer of ``events.dispatch``) and delivery (``webhooks.deliver``).

Both are two-phase jobs (see ``calapi.jobs.worker``): what a claimed batch needs is read in the
claim's transaction (one query per kind), and the writes of every job that finished meanwhile are
made in one recording transaction together with those jobs' states.

Fan-out: one ``webhook_deliveries`` row (fixed body, fixed ``webhook-id``) and one
``webhooks.deliver`` job per matching active subscription, in the same transaction as the dispatch
job's "done" — all or none. A delivery attempt makes the HTTP request with no database connection
held; its attempt row, the delivery's state and the job's next run are written in one transaction
(``RetryLater`` commits what the handler wrote).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calapi import __version__
from calapi.config import Settings, parse_duration, parse_schedule
from calapi.core import ssrf
from calapi.core.envelopes import iso_ms
from calapi.db import rows_affected, utcnow
from calapi.event_types.team_service import team_of_event_type
from calapi.jobs import outbox
from calapi.jobs import worker as jobs
from calapi.jobs.models import DomainEvent, Job
from calapi.webhooks import signing, templates
from calapi.webhooks.connections import HTTP_ERRORS, Address, Connections
from calapi.webhooks.models import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery
from calapi.webhooks.triggers import FLAT_TRIGGERS, PING, SCHEDULED_TRIGGERS

log = logging.getLogger("calapi.webhooks")

DELIVER_JOB = "webhooks.deliver"
USER_AGENT = f"calapi/{__version__}"
RESPONSE_KEEP_BYTES = 4096
RETRY_AFTER_CAP = timedelta(hours=1)
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
_PRUNE_EVERY = 3600.0


# ---------------------------------------------------------------- bodies


def template_context(trigger: str, payload: dict[str, Any], created_at: str) -> dict[str, Any]:
    """What a payload template sees: the payload, with ``triggerEvent`` and ``createdAt`` beside it."""
    return {**payload, "triggerEvent": trigger, "createdAt": created_at}


def build_body(
    webhook: Webhook, trigger: str, payload: dict[str, Any], created_at: str, *, max_bytes: int | None = None
) -> tuple[str, str]:
    """→ (body text, content type): Cal.com's envelope, the flat MEETING_* shape, or the template.
    A body over ``max_bytes`` raises ``templates.BodyTooLarge``."""
    if webhook.payload_template:
        return templates.render(
            webhook.payload_template, template_context(trigger, payload, created_at), max_bytes=max_bytes
        )
    if trigger in FLAT_TRIGGERS:
        body: dict[str, Any] = {"triggerEvent": trigger, **payload}
    else:
        body = {"triggerEvent": trigger, "createdAt": created_at, "payload": payload}
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode())
    if max_bytes is not None and size > max_bytes:
        raise templates.BodyTooLarge(max_bytes, at_least=size)
    return text, templates.JSON_TYPE


TOO_LARGE = "BodyTooLarge"


def never_built(delivery: WebhookDelivery) -> bool:
    """A delivery logged without a body because its body was over the limit when rendered."""
    return not delivery.body and (delivery.note or "").startswith(TOO_LARGE)


def too_large_note(error: templates.BodyTooLarge) -> str:
    """Why a delivery was not sent, for the delivery log."""
    return (
        f"{TOO_LARGE}: not sent, the body would be over {error.limit} bytes (at least {error.at_least}; "
        f"CALAPI_WEBHOOK_MAX_BODY_BYTES); shorten the payloadTemplate"
    )


def ping_payload(now: datetime) -> dict[str, Any]:
    """Cal.com's test event (its ``testTrigger`` handler): synthetic booking, start and end now."""
    stamp = iso_ms(now)
    return {
        "type": "Test",
        "title": "Test trigger event",
        "startTime": stamp,
        "endTime": stamp,
        "attendees": [
            {"email": "jdoe@example.com", "name": "John Doe", "timeZone": "Europe/London", "language": {"locale": "en"}}
        ],
        "organizer": {
            "name": "Cal",
            "email": "no-reply@cal.com",
            "timeZone": "Europe/London",
            "language": {"locale": "en"},
        },
    }


def new_delivery(
    webhook: Webhook, trigger: str, body: str, content_type: str, *, event_id: int | None
) -> WebhookDelivery:
    delivery_id = str(uuid.uuid4())
    return WebhookDelivery(
        id=delivery_id,
        message_id="msg_" + delivery_id.replace("-", ""),
        webhook_id=webhook.id,
        event_id=event_id,
        trigger=trigger,
        body=body,
        content_type=content_type,
        status=DeliveryStatus.pending,
        attempts=0,
        created_at=utcnow(),
    )


def deliver_payload(delivery: WebhookDelivery) -> dict[str, Any]:
    """A ``webhooks.deliver`` job's payload; ``webhookId`` is the worker's per-subscriber key."""
    return {"deliveryId": delivery.id, "webhookId": delivery.webhook_id}


# ---------------------------------------------------------------- fan-out


def _scope_clause(event: DomainEvent) -> Any:
    """Which subscriptions an event reaches: its organizer's user-level webhooks, its event type's,
    and its event type's team's (``Webhook.team_id``; a managed child belongs to its parent's team).
    """
    clauses = []
    if event.owner_user_id is not None:
        clauses.append(and_(Webhook.user_id == event.owner_user_id, Webhook.event_type_id.is_(None)))
    if event.event_type_id is not None:
        clauses.append(Webhook.event_type_id == event.event_type_id)
        clauses.append(Webhook.team_id == team_of_event_type(event.event_type_id))
    return or_(*clauses) if clauses else None


_MATCHING = "calapi.webhooks.matching"


async def matching_webhooks(session: AsyncSession, event: DomainEvent) -> list[Webhook]:
    """The active subscriptions an event reaches. Within one transaction the subscriptions of a
    scope are read once: a recording batch fans out many events of the same organizer."""
    scope = (event.owner_user_id, event.event_type_id)
    cache: dict[tuple[int | None, int | None], list[Webhook]] = session.info.setdefault(_MATCHING, {})
    rows = cache.get(scope)
    if rows is None:
        clause = _scope_clause(event)
        rows = cache[scope] = (
            []
            if clause is None
            else list(
                (
                    await session.scalars(
                        select(Webhook).where(Webhook.active.is_(True), clause).order_by(Webhook.created_at)
                    )
                ).all()
            )
        )
    return [w for w in rows if event.trigger in (w.triggers or [])]


async def fan_out(session: AsyncSession, job: Job, event: DomainEvent | None, settings: Settings) -> None:
    """One delivery row and one delivery job per matching subscription, in the caller's (write) transaction."""
    if event is None:
        return  # removed before its time (a cancelled booking's MEETING_* event)
    now = utcnow()
    catch_up = timedelta(seconds=parse_duration(settings.webhook_catchup_window))
    late = event.trigger in SCHEDULED_TRIGGERS and now - job.run_at > catch_up
    created_at = iso_ms(event.occurred_at)
    for webhook in await matching_webhooks(session, event):
        try:
            body, content_type = build_body(
                webhook, event.trigger, event.payload, created_at, max_bytes=settings.webhook_max_body_bytes
            )
        except templates.BodyTooLarge as exc:
            # Kept in the log as failed with the reason, never sent; the body itself is not stored.
            delivery = new_delivery(
                webhook,
                event.trigger,
                "",
                templates.content_type_of(webhook.payload_template or "{}"),
                event_id=event.id,
            )
            delivery.status = DeliveryStatus.failed
            delivery.note = too_large_note(exc)
            session.add(delivery)
            continue
        delivery = new_delivery(webhook, event.trigger, body, content_type, event_id=event.id)
        if late:
            # Past the catch-up window: kept in the log as expired, never sent, never silently dropped.
            delivery.status = DeliveryStatus.expired
            delivery.note = f"due at {iso_ms(job.run_at)}, found {int((now - job.run_at).total_seconds())} s late (catch-up window {settings.webhook_catchup_window})"
            session.add(delivery)
            continue
        session.add(delivery)
        jobs.enqueue(session, DELIVER_JOB, deliver_payload(delivery))
    await _maybe_prune(session, settings, now)


_last_prune: dict[str, float] = {}


async def _maybe_prune(session: AsyncSession, settings: Settings, now: datetime) -> None:
    """The log keeps 30 days (a setting); pruned at most hourly per process, as part of a dispatch."""
    key = str(session.get_bind().engine.url)
    if time.monotonic() - _last_prune.get(key, -_PRUNE_EVERY) < _PRUNE_EVERY:
        return
    _last_prune[key] = time.monotonic()
    await prune_log(session, now - timedelta(seconds=parse_duration(settings.webhook_log_retention)))


async def prune_log(session: AsyncSession, before: datetime) -> int:
    """Remove attempts and finished deliveries older than ``before``; returns deliveries removed."""
    old = select(WebhookDelivery.id).where(
        WebhookDelivery.created_at < before, WebhookDelivery.status != DeliveryStatus.pending
    )
    await session.execute(delete(WebhookAttempt).where(WebhookAttempt.created_at < before))
    result = await session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(old)))
    return rows_affected(result)


# ---------------------------------------------------------------- one HTTP attempt


@dataclass
class Outcome:
    url: str
    request_headers: dict[str, str]
    status: int | None = None
    response_body: str | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    duration_ms: int = 0
    error_class: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and self.error_class is None


def masked_headers(headers: dict[str, str]) -> dict[str, str]:
    """What the log keeps: signatures cut short (a full one would let a log reader replay the request)."""
    out = {}
    for name, value in headers.items():
        if name.lower() in ("x-cal-signature-256", "webhook-signature") and value != signing.NO_SECRET:
            value = " ".join(part[:10] + "…" for part in value.split(" "))
        out[name] = value
    return out


def masked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = "***@" + parts.netloc.rsplit("@", 1)[1]
        return urlunsplit(parts._replace(netloc=netloc))
    return url


_connections: dict[int, tuple[asyncio.AbstractEventLoop, Connections]] = {}


def _pool() -> Connections:
    """One pool of connections per event loop (this process's connections to subscribers)."""
    loop = asyncio.get_running_loop()
    entry = _connections.get(id(loop))
    if entry is None or entry[0] is not loop:
        entry = _connections[id(loop)] = (loop, Connections())
    return entry[1]


def active_secrets(webhook: Webhook, now: datetime) -> list[str]:
    secrets = [webhook.secret] if webhook.secret else []
    if webhook.previous_secret and webhook.previous_secret_expires_at and webhook.previous_secret_expires_at > now:
        secrets.append(webhook.previous_secret)
    return secrets


async def send(webhook: Webhook, delivery: WebhookDelivery, settings: Settings) -> Outcome:
    """POST the delivery's body once: resolve and check the address, connect to that address."""
    now = utcnow()
    body = delivery.body.encode()
    headers = {
        "Content-Type": delivery.content_type,
        "User-Agent": USER_AGENT,
        "X-Cal-Webhook-Version": webhook.version or "2021-10-20",
        **signing.signature_headers(active_secrets(webhook, now), delivery.message_id, int(now.timestamp()), body),
    }
    outcome = Outcome(url=masked_url(webhook.subscriber_url), request_headers=masked_headers(headers))
    started = time.perf_counter()
    try:
        target = await ssrf.resolve(webhook.subscriber_url, allow_private=settings.webhook_private_networks_allowed)
        parts = urlsplit(webhook.subscriber_url)
        default_port = 443 if target.scheme == "https" else 80
        # the request line and headers are ASCII: an international name in its IDNA form, a path
        # with spaces or non-ASCII characters percent-encoded (as httpx did)
        name = target.host if target.host.isascii() else target.host.encode("idna").decode("ascii")
        host = f"[{name}]" if ":" in name else name
        host_header = host if target.port == default_port else f"{host}:{target.port}"
        path = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe="/?&=%:@!$'()*+,;-._~")
        address = Address(target.scheme, str(target.address), target.port, name)
        timeout = settings.webhook_timeout_seconds
        async with asyncio.timeout(timeout):
            answer = await _pool().post(
                address,
                path,
                [("Host", host_header), *headers.items()],
                body,
                timeout=timeout,
                connect_timeout=min(5.0, timeout),
                keep=RESPONSE_KEEP_BYTES,
            )
        outcome.status = answer.status
        outcome.response_body = answer.body.decode("utf-8", errors="replace")
        outcome.response_headers = answer.headers
        if not 200 <= answer.status < 300:
            outcome.error_class = "Redirect" if 300 <= answer.status < 400 else "HTTPStatus"
            outcome.error = f"answered {answer.status}"
    except ssrf.UrlNotAllowed as exc:
        outcome.error_class, outcome.error = "UrlNotAllowed", f"Webhook URL is not allowed: {exc}"
    except TimeoutError:
        outcome.error_class, outcome.error = "Timeout", f"no answer within {settings.webhook_timeout_seconds:g} s"
    except HTTP_ERRORS as exc:
        outcome.error_class, outcome.error = exc.__class__.__name__, str(exc)[:500] or exc.__class__.__name__
    except OSError as exc:
        outcome.error_class, outcome.error = exc.__class__.__name__, str(exc)[:500]
    outcome.duration_ms = int((time.perf_counter() - started) * 1000)
    return outcome


def retry_after(outcome: Outcome, now: datetime) -> datetime | None:
    """429/503 with ``Retry-After`` (seconds or an HTTP date), capped at an hour."""
    if outcome.status not in (429, 503):
        return None
    raw = outcome.response_headers.get("retry-after")
    if not raw:
        return None
    try:
        at = now + timedelta(seconds=max(0.0, float(raw)))
    except ValueError:
        try:
            at = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
    return min(max(at, now), now + RETRY_AFTER_CAP)


def attempt_values(delivery: WebhookDelivery, outcome: Outcome, *, job: Job | None) -> dict[str, Any]:
    """One row of the delivery log, by column."""
    return {
        "delivery_id": delivery.id,
        "job_id": job.id if job else None,
        "job_attempt": job.attempts if job else None,
        "url": outcome.url,
        "request_headers": outcome.request_headers,
        "response_status": outcome.status,
        "response_body": outcome.response_body,
        "duration_ms": outcome.duration_ms,
        "error_class": outcome.error_class,
        "error": outcome.error,
        "worker": WORKER_NAME,
        "created_at": utcnow(),
    }


def attempt_row(delivery: WebhookDelivery, outcome: Outcome, *, job: Job | None) -> WebhookAttempt:
    return WebhookAttempt(**attempt_values(delivery, outcome, job=job))


# ---------------------------------------------------------------- the delivery job
#
# Two-phase (see calapi.jobs.worker): ``load_deliveries`` reads a claimed batch's deliveries and
# subscriptions in one query inside the claim's transaction; ``perform_delivery`` makes the request
# with no connection held; its outcome is written by the worker together with every other outcome
# that finished meanwhile. Per-subscriber fairness is the worker's ``key_field="webhookId"`` limit.


@dataclass(frozen=True)
class DeliveryContext:
    delivery: WebhookDelivery | None
    webhook: Webhook | None


async def load_deliveries(session: AsyncSession, claimed: list[Job]) -> dict[int, DeliveryContext]:
    ids = {job.payload["deliveryId"] for job in claimed}
    rows = (
        await session.execute(
            select(WebhookDelivery, Webhook)
            .outerjoin(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.id.in_(ids))
        )
    ).all()
    found = {delivery.id: (delivery, webhook) for delivery, webhook in rows}
    contexts = {}
    for job in claimed:
        delivery, webhook = found.get(job.payload["deliveryId"], (None, None))
        contexts[job.id] = DeliveryContext(delivery, webhook)
    return contexts


async def perform_delivery(job: Job, context: DeliveryContext | None, settings: Settings) -> jobs.Record | None:
    delivery, webhook = (context.delivery, context.webhook) if context else (None, None)
    if delivery is None or delivery.status != DeliveryStatus.pending:
        return None
    if webhook is None or not webhook.active:
        note = (
            "subscription deleted"
            if webhook is None
            else f"subscription disabled: {webhook.disabled_reason or 'inactive'}"
        )

        async def cancel(session: AsyncSession) -> None:
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery.id)
                .values(status=DeliveryStatus.cancelled, note=note)
            )

        return cancel
    size = len(delivery.body.encode())
    if size > settings.webhook_max_body_bytes:
        # Stored under a larger limit (or before there was one): refused at send time, not sent.
        note = too_large_note(templates.BodyTooLarge(settings.webhook_max_body_bytes, at_least=size))

        async def refuse(session: AsyncSession) -> None:
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery.id)
                .values(status=DeliveryStatus.failed, note=note)
            )

        return refuse
    outcome = await send(webhook, delivery, settings)

    async def record(session: AsyncSession) -> None:
        await record_outcome(session, job, webhook, delivery, outcome, settings)

    return record


async def _insert_attempts(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await session.execute(insert(WebhookAttempt), rows)


async def _mark_succeeded(session: AsyncSession, delivery_ids: list[str]) -> None:
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(delivery_ids))
        .values(status=DeliveryStatus.succeeded, attempts=WebhookDelivery.attempts + 1, note=None)
    )


async def record_outcome(
    session: AsyncSession, job: Job, webhook: Webhook, delivery: WebhookDelivery, outcome: Outcome, settings: Settings
) -> None:
    now = utcnow()
    # the recording batch's attempt rows go in as one multi-row INSERT (no unit-of-work per row)
    jobs.at_batch_end(session, "webhooks.attempts", _insert_attempts, attempt_values(delivery, outcome, job=job))
    if outcome.ok:
        # the common case, written for the whole recording batch in one statement
        jobs.at_batch_end(session, "webhooks.succeeded", _mark_succeeded, delivery.id)
        if webhook.failing_since is not None:
            await session.execute(update(Webhook).where(Webhook.id == webhook.id).values(failing_since=None))
        return
    attempts = WebhookDelivery.attempts + 1
    done = update(WebhookDelivery).where(WebhookDelivery.id == delivery.id)
    if outcome.status == 410:
        reason = f"The subscriber answered 410 Gone on {iso_ms(now)}"
        await session.execute(
            update(Webhook).where(Webhook.id == webhook.id).values(active=False, disabled_reason=reason)
        )
        await session.execute(done.values(status=DeliveryStatus.failed, attempts=attempts, note=reason))
        return
    # Still failing: start the clock on the first failure since the last success ...
    await session.execute(
        update(Webhook).where(Webhook.id == webhook.id, Webhook.failing_since.is_(None)).values(failing_since=now)
    )
    # ... and disable the subscription once it has failed without a success for long enough.
    disable_after = timedelta(seconds=parse_duration(settings.webhook_disable_after))
    since = webhook.failing_since or now
    if now - since >= disable_after:
        reason = f"Disabled on {iso_ms(now)}: every delivery failed since {iso_ms(since)} (no success for {settings.webhook_disable_after})"
        await session.execute(
            update(Webhook)
            .where(Webhook.id == webhook.id, Webhook.failing_since.is_not(None))
            .values(active=False, disabled_reason=reason)
        )
        await session.execute(done.values(status=DeliveryStatus.failed, attempts=attempts, note=reason))
        return
    last = job.attempts >= len(parse_schedule(settings.webhook_retry_schedule))
    await session.execute(
        done.values(
            status=DeliveryStatus.failed if last else DeliveryStatus.pending,
            attempts=attempts,
            note=f"{outcome.error_class}: {outcome.error}"[:500],
        )
    )
    raise jobs.RetryLater(
        f"{outcome.error_class}: {outcome.error}"[:500], at=None if last else retry_after(outcome, now)
    )


def register(settings: Settings) -> None:
    schedule = parse_schedule(settings.webhook_retry_schedule)
    backoff = tuple(timedelta(seconds=s) for s in schedule[1:])

    async def fan_out_event(session: AsyncSession, job: Job, event: DomainEvent | None) -> None:
        # The fan-out is all writes: it runs in the worker's recording transaction, together with
        # every other finished job's writes and the job's own state (all or none per batch).
        await fan_out(session, job, event, settings)

    async def perform(job: Job, context: DeliveryContext | None) -> jobs.Record | None:
        return await perform_delivery(job, context, settings)

    outbox.consume_events("webhooks", fan_out_event)
    jobs.register(
        DELIVER_JOB,
        jobs.Handler(
            backoff=backoff,
            jitter=settings.webhook_retry_jitter,
            load=load_deliveries,
            perform=perform,
            key_field="webhookId",
            key_limit=settings.webhook_max_in_flight_per_subscriber,
        ),
    )


__all__ = [
    "DELIVER_JOB",
    "PING",
    "build_body",
    "deliver_payload",
    "fan_out",
    "perform_delivery",
    "ping_payload",
    "register",
    "send",
]
