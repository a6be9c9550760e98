"""Webhook subscriptions: the management rules (Cal.com's guards and messages), the delivery log,
redelivery, ping and secret rotation.

Every operation names the scope it acts in (``calapi.webhooks.commands``: a user's, an event
type's, a team's subscriptions, or any the caller operates); a webhook is found only inside it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from calapi.bookings.events import largest_payloads
from calapi.config import Settings
from calapi.core import authorization, ssrf
from calapi.core.auth import Principal
from calapi.core.envelopes import iso_ms
from calapi.core.errors import BadRequest, Conflict, Forbidden, NotFound
from calapi.core.limits import InputLimits
from calapi.db import begin_write, rows_affected, utcnow
from calapi.event_types.models import EventType
from calapi.jobs import worker as jobs
from calapi.teams import access as team_access
from calapi.teams import service as teams_service
from calapi.webhooks import delivery as webhook_delivery
from calapi.webhooks import samples, signing, templates
from calapi.webhooks.commands import (
    DeliveryFilters,
    EventTypeWebhooks,
    ManagedWebhooks,
    NewWebhook,
    OperatedWebhooks,
    OwnerScope,
    Scope,
    TeamWebhooks,
    UserWebhooks,
    WebhookChanges,
)
from calapi.webhooks.delivery import Outcome
from calapi.webhooks.models import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery
from calapi.webhooks.triggers import PING

ROTATION_OVERLAP = timedelta(hours=24)
DEFAULT_VERSION = "2021-10-20"


class UrlRefused(BadRequest):
    """The subscriber URL is refused (the SSRF guard's reason); a page shows it next to the URL."""


class TemplateRefused(BadRequest):
    """The payload template would not render, or not within the limits; a page shows it next to the template."""


async def _check_url(url: str, settings: Settings) -> None:
    try:
        await ssrf.resolve(url, allow_private=settings.webhook_private_networks_allowed)
    except ssrf.UrlNotAllowed as exc:
        raise UrlRefused(f"Webhook URL is not allowed: {exc}") from None


def _check_template(template: str | None, settings: Settings) -> None:
    """Valid, small, and small once rendered: tried on a booking with every input at its limit, so
    a template that repeats a long variable is refused here rather than at every delivery."""
    if template is None:
        return
    size = len(template.encode())
    if size > settings.webhook_max_template_bytes:
        raise TemplateRefused(
            f"payloadTemplate is {size} bytes; at most {settings.webhook_max_template_bytes} are allowed "
            f"(CALAPI_WEBHOOK_MAX_TEMPLATE_BYTES)."
        )
    try:
        templates.validate(template)
    except templates.TemplateError as exc:
        raise TemplateRefused(str(exc)) from None
    for payload in largest_payloads(InputLimits.of(settings)):
        context = webhook_delivery.template_context("BOOKING_CREATED", payload, "2050-01-01T00:00:00.000Z")
        try:
            templates.render(template, context, max_bytes=settings.webhook_max_body_bytes)
        except templates.BodyTooLarge as exc:
            raise TemplateRefused(
                f"payloadTemplate renders to more than {exc.limit} bytes for a booking whose inputs are as long as "
                f"allowed (at least {exc.at_least} bytes; CALAPI_WEBHOOK_MAX_BODY_BYTES): use fewer or shorter variables."
            ) from None


def _dedupe(triggers: list[str]) -> list[str]:
    return list(dict.fromkeys(triggers))  # a set, in the order given (calcom/cal.com#13079)


async def _url_taken(
    session: AsyncSession,
    url: str,
    *,
    user_id: int | None,
    event_type_id: int | None,
    except_id: str | None,
    team_id: int | None = None,
) -> bool:
    query = select(Webhook.id).where(Webhook.subscriber_url == url)
    if event_type_id is not None:
        query = query.where(Webhook.event_type_id == event_type_id)
    elif team_id is not None:
        query = query.where(Webhook.team_id == team_id, Webhook.event_type_id.is_(None))
    else:
        query = query.where(Webhook.user_id == user_id, Webhook.event_type_id.is_(None))
    if except_id is not None:
        query = query.where(Webhook.id != except_id)
    return (await session.scalar(query.limit(1))) is not None


def _duplicate_message(event_type_id: int | None, team_id: int | None = None) -> str:
    what = "event type" if event_type_id is not None else "team" if team_id is not None else "user"
    return f"Webhook with this subscriber url already exists for this {what}"


async def _create(
    session: AsyncSession,
    command: NewWebhook,
    settings: Settings,
    *,
    user_id: int | None,
    event_type_id: int | None,
    team_id: int | None = None,
) -> Webhook:
    await _check_url(command.subscriber_url, settings)
    _check_template(command.payload_template, settings)
    if await _url_taken(
        session, command.subscriber_url, user_id=user_id, event_type_id=event_type_id, except_id=None, team_id=team_id
    ):
        raise Conflict(_duplicate_message(event_type_id, team_id))
    webhook = Webhook(
        id=str(uuid.uuid4()),
        user_id=user_id,
        team_id=team_id,
        event_type_id=event_type_id,
        subscriber_url=command.subscriber_url,
        active=command.active,
        triggers=_dedupe(list(command.triggers)),
        payload_template=command.payload_template,
        secret=command.secret or None,
        version=command.version or DEFAULT_VERSION,
        time=command.time,
        time_unit=command.time_unit,
        platform=False,
        created_at=utcnow(),
    )
    session.add(webhook)
    await session.flush()
    return webhook


async def _update(session: AsyncSession, webhook: Webhook, changes: WebhookChanges, settings: Settings) -> Webhook:
    given = changes.values()
    if "subscriber_url" in given and given["subscriber_url"] != webhook.subscriber_url:
        await _check_url(given["subscriber_url"], settings)
        if await _url_taken(
            session,
            given["subscriber_url"],
            user_id=webhook.user_id,
            event_type_id=webhook.event_type_id,
            except_id=webhook.id,
            team_id=webhook.team_id,
        ):
            raise Conflict(_duplicate_message(webhook.event_type_id, webhook.team_id))
    if "payload_template" in given:
        _check_template(given["payload_template"], settings)
    if "triggers" in given:
        given["triggers"] = _dedupe(list(given["triggers"] or []))
    if "secret" in given:
        given["secret"] = given["secret"] or None
    if given.get("active") is True and not webhook.active:
        # re-enabling clears the failure state: the 5-day clock starts again from the next failure
        webhook.failing_since = None
        webhook.disabled_reason = None
    for column, value in given.items():
        if column == "version" and value is None:
            continue
        setattr(webhook, column, value)
    await session.flush()
    return webhook


# ---------------------------------------------------------------- the guards of each scope


def _not_webhook_owner(principal: Principal, webhook_id: str) -> Forbidden:
    return Forbidden(
        f"IsUserWebhookGuard - user with id=({principal.user_id}) is not the owner of webhook with id=({webhook_id})"
    )


def _user_guard(principal: Principal, webhook: Webhook | None, webhook_id: str) -> Webhook:
    if webhook is None:
        raise NotFound(f"Webhook ({webhook_id}) not found")
    authorization.ensure_owner(principal, webhook.user_id, refusal=_not_webhook_owner(principal, webhook_id))
    return webhook


async def _owned_event_type(session: AsyncSession, principal: Principal, event_type_id: int) -> EventType:
    event_type = await session.get(EventType, event_type_id)
    if event_type is None or event_type.team_id is not None:
        raise NotFound(f"IsUserEventTypeWebhookGuard - Event type ({event_type_id}) not found")
    authorization.ensure_owner(
        principal,
        event_type.owner_id,
        refusal=Forbidden(
            f"IsUserEventTypeWebhookGuard - User ({principal.user_id}) is not the owner of event type ({event_type_id})"
        ),
    )
    return event_type


async def _event_type_webhook(
    session: AsyncSession, principal: Principal, event_type_id: int, webhook_id: str
) -> Webhook:
    await _owned_event_type(session, principal, event_type_id)
    webhook = await session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound(f"Webhook ({webhook_id}) not found")
    if webhook.event_type_id is None:
        raise BadRequest(f"IsUserEventTypeWebhookGuard - Webhook ({webhook_id}) is not associated with an event type")
    if webhook.event_type_id != event_type_id:
        raise Forbidden(
            f"IsUserEventTypeWebhookGuard - Webhook ({webhook_id}) is not associated with event type ({event_type_id})"
        )
    return webhook


async def _team_webhook(session: AsyncSession, team_id: int, webhook_id: str) -> Webhook:
    """Another team's webhook (or a user's) is "not found", so ids of other teams' subscriptions
    are not confirmed to team admins."""
    webhook = await session.get(Webhook, webhook_id)
    if webhook is None or webhook.team_id != team_id or webhook.event_type_id is not None:
        raise NotFound(f"Webhook ({webhook_id}) not found")
    return webhook


async def _operated(session: AsyncSession, principal: Principal, webhook_id: str) -> Webhook:
    """The user's own webhook, or one on an event type the user owns (admins: any)."""
    webhook = await session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound(f"Webhook ({webhook_id}) not found")
    if authorization.may_act_for(principal, webhook.user_id):
        return webhook
    if webhook.event_type_id is not None:
        owner = await session.scalar(select(EventType.owner_id).where(EventType.id == webhook.event_type_id))
        if authorization.may_act_for(principal, owner):
            return webhook
    raise _not_webhook_owner(principal, webhook_id)


async def _managed(session: AsyncSession, principal: Principal, webhook_id: str) -> Webhook:
    """A webhook of ``list_managed``; any other is "not found" (its existence is not confirmed)."""
    webhook = await session.get(Webhook, webhook_id)
    if webhook is not None:
        if webhook.event_type_id is not None:
            owner = await session.scalar(
                select(EventType.owner_id).where(EventType.id == webhook.event_type_id, EventType.team_id.is_(None))
            )
            if owner is not None and owner == principal.user_id:
                return webhook
        elif webhook.team_id is not None:
            if (await team_access.actor_in(session, principal, webhook.team_id)).manages:
                return webhook
        elif webhook.user_id == principal.user_id:
            return webhook
    raise NotFound(f"Webhook ({webhook_id}) not found")


async def _find(session: AsyncSession, scope: Scope, webhook_id: str, *, write: bool = False) -> Webhook:
    """The webhook ``webhook_id`` inside ``scope``; ``write``: the transaction begins as a writer first."""
    if write:
        await begin_write(session)
    match scope:
        case UserWebhooks(principal):
            return _user_guard(principal, await session.get(Webhook, webhook_id), webhook_id)
        case EventTypeWebhooks(principal, event_type_id):
            return await _event_type_webhook(session, principal, event_type_id, webhook_id)
        case TeamWebhooks(team_id):
            return await _team_webhook(session, team_id, webhook_id)
        case OperatedWebhooks(principal):
            return await _operated(session, principal, webhook_id)
        case ManagedWebhooks(principal):
            return await _managed(session, principal, webhook_id)


# ---------------------------------------------------------------- subscriptions


async def create(session: AsyncSession, scope: OwnerScope, command: NewWebhook, settings: Settings) -> Webhook:
    """A new subscription owned by the scope's user, event type or team."""
    await begin_write(session)
    match scope:
        case UserWebhooks(principal):
            return await _create(session, command, settings, user_id=principal.user_id, event_type_id=None)
        case EventTypeWebhooks(principal, event_type_id):
            await _owned_event_type(session, principal, event_type_id)
            return await _create(session, command, settings, user_id=None, event_type_id=event_type_id)
        case TeamWebhooks(team_id):
            return await _create(session, command, settings, user_id=None, event_type_id=None, team_id=team_id)


async def list_page(session: AsyncSession, scope: OwnerScope, *, take: int, skip: int) -> list[Webhook]:
    """One page of the scope's subscriptions, oldest first."""
    query = select(Webhook)
    match scope:
        case UserWebhooks(principal):
            query = query.where(Webhook.user_id == principal.user_id, Webhook.event_type_id.is_(None))
        case EventTypeWebhooks(principal, event_type_id):
            await _owned_event_type(session, principal, event_type_id)
            query = query.where(Webhook.event_type_id == event_type_id)
        case TeamWebhooks(team_id):
            query = query.where(Webhook.team_id == team_id, Webhook.event_type_id.is_(None))
    return list((await session.scalars(query.order_by(Webhook.created_at, Webhook.id).offset(skip).limit(take))).all())


async def get(session: AsyncSession, scope: Scope, webhook_id: str) -> Webhook:
    return await _find(session, scope, webhook_id)


async def update(
    session: AsyncSession, scope: Scope, webhook_id: str, changes: WebhookChanges, settings: Settings
) -> Webhook:
    return await _update(session, await _find(session, scope, webhook_id, write=True), changes, settings)


async def delete_one(session: AsyncSession, scope: Scope, webhook_id: str) -> Webhook:
    """Delete and return the subscription."""
    webhook = await _find(session, scope, webhook_id, write=True)
    await session.delete(webhook)
    await session.flush()
    return webhook


async def delete_all_for_event_type(session: AsyncSession, scope: EventTypeWebhooks) -> int:
    await begin_write(session)
    await _owned_event_type(session, scope.principal, scope.event_type_id)
    result = await session.execute(delete(Webhook).where(Webhook.event_type_id == scope.event_type_id))
    return rows_affected(result)


async def list_owned_by(session: AsyncSession, owner_ids: list[int] | None) -> list[Webhook]:
    """Webhooks of these users: their own and those on their event types (None: every webhook)."""
    query = select(Webhook)
    if owner_ids is not None:
        owned_event_types = select(EventType.id).where(EventType.owner_id.in_(owner_ids))
        query = query.where((Webhook.user_id.in_(owner_ids)) | (Webhook.event_type_id.in_(owned_event_types)))
    return list((await session.scalars(query.order_by(Webhook.created_at, Webhook.id))).all())


@dataclass(frozen=True)
class WebhookOwner:
    """Whose subscription a webhook is: the user's own (``user``), an event type's, or a team's."""

    kind: Literal["user", "event_type", "team"]
    id: int
    name: str


@dataclass(frozen=True)
class ManagedWebhook:
    webhook: Webhook
    owner: WebhookOwner


@dataclass(frozen=True)
class ManagedWebhookList:
    webhooks: tuple[ManagedWebhook, ...]  # oldest first
    teams: tuple[WebhookOwner, ...]  # the teams the caller runs: where else a new webhook may go


def _managed_clause(user_id: int, team_ids: list[int]) -> ColumnElement[bool]:
    return or_(
        and_(Webhook.user_id == user_id, Webhook.event_type_id.is_(None), Webhook.team_id.is_(None)),
        and_(EventType.owner_id == user_id, EventType.team_id.is_(None)),
        and_(Webhook.team_id.in_(team_ids), Webhook.event_type_id.is_(None)),
    )


def _managed_query(user_id: int, team_ids: list[int]) -> Select[Webhook, str]:
    return (
        select(Webhook, EventType.title)
        .outerjoin(EventType, EventType.id == Webhook.event_type_id)
        .where(_managed_clause(user_id, team_ids))
    )


async def list_managed(session: AsyncSession, principal: Principal) -> ManagedWebhookList:
    """Every webhook the caller manages (``ManagedWebhooks``), each with its owner; two statements."""
    teams = await teams_service.list_teams_managed_by(session, principal.user_id)
    team_names = {team.id: team.name for team in teams}
    rows = await session.execute(
        _managed_query(principal.user_id, list(team_names)).order_by(Webhook.created_at, Webhook.id)
    )
    webhooks = []
    for webhook, event_type_title in rows:
        if webhook.event_type_id is not None:
            owner = WebhookOwner("event_type", webhook.event_type_id, event_type_title or "")
        elif webhook.team_id is not None:
            owner = WebhookOwner("team", webhook.team_id, team_names.get(webhook.team_id, ""))
        else:
            owner = WebhookOwner("user", principal.user_id, "")
        webhooks.append(ManagedWebhook(webhook, owner))
    return ManagedWebhookList(tuple(webhooks), tuple(WebhookOwner("team", team.id, team.name) for team in teams))


async def creation_scope(session: AsyncSession, principal: Principal, team_id: int | None) -> OwnerScope:
    """Where a webhook made on the settings pages goes: the caller's own, or a team the caller runs
    (another team answers "not found")."""
    if team_id is None:
        return UserWebhooks(principal)
    if not (await team_access.actor_in(session, principal, team_id)).manages:
        raise NotFound(f"Team ({team_id}) not found")
    return TeamWebhooks(team_id)


async def create_managed(
    session: AsyncSession, principal: Principal, team_id: int | None, command: NewWebhook, settings: Settings
) -> Webhook:
    """A new webhook of the caller's (``team_id`` None) or of a team the caller runs: ``create`` in
    the scope ``creation_scope`` gives."""
    await begin_write(session)
    return await create(session, await creation_scope(session, principal, team_id), command, settings)


# ---------------------------------------------------------------- payload templates: a preview against a sample


@dataclass(frozen=True)
class TemplatePreview:
    trigger: str
    sent_here: bool  # False: this server does not send the trigger yet (the sample is Cal.com's documented shape)
    body: str  # what the subscriber would get (the standard body when there is no template)
    content_type: str
    unknown_variables: tuple[str, ...]  # variables that name nothing in the sample: they render empty


def preview_template(template: str | None, trigger: str, settings: Settings) -> TemplatePreview:
    """The body ``template`` makes of ``trigger``'s sample payload. A template that saving would
    refuse is refused here with the same reason (``BadRequest``)."""
    if trigger not in samples.PREVIEW_TRIGGERS:
        raise BadRequest(f"Unknown trigger {trigger!r}; expected one of: {', '.join(samples.PREVIEW_TRIGGERS)}")
    template = template or None
    _check_template(template, settings)
    now = utcnow()
    sample = samples.sample_payload(trigger, now)
    created_at = iso_ms(now)
    try:
        body, content_type = webhook_delivery.build_body(
            Webhook(payload_template=template),
            trigger,
            sample.payload,
            created_at,
            max_bytes=settings.webhook_max_body_bytes,
        )
    except templates.BodyTooLarge as exc:
        raise TemplateRefused(
            f"payloadTemplate renders to more than {exc.limit} bytes for the sample {trigger} "
            f"(at least {exc.at_least} bytes; CALAPI_WEBHOOK_MAX_BODY_BYTES): use fewer or shorter variables."
        ) from None
    unknown = (
        templates.unknown_variables(template, webhook_delivery.template_context(trigger, sample.payload, created_at))
        if template
        else ()
    )
    return TemplatePreview(trigger, sample.sent_here, body, content_type, unknown)


# ---------------------------------------------------------------- operations: the delivery log, redelivery, ping, rotation


@dataclass(frozen=True)
class DeliveryView:
    delivery: WebhookDelivery
    attempts: tuple[WebhookAttempt, ...]


@dataclass(frozen=True)
class PingResult:
    delivery: DeliveryView  # logged as a test delivery
    outcome: Outcome  # what the subscriber answered, or why nothing was sent


async def _attempts_of(session: AsyncSession, delivery_ids: list[str]) -> dict[str, list[WebhookAttempt]]:
    """The attempts of these deliveries, in the order they were made (one statement)."""
    by_delivery: dict[str, list[WebhookAttempt]] = {delivery_id: [] for delivery_id in delivery_ids}
    if delivery_ids:
        rows = await session.scalars(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids)).order_by(WebhookAttempt.id)
        )
        for attempt in rows:
            by_delivery[attempt.delivery_id].append(attempt)
    return by_delivery


async def list_deliveries(
    session: AsyncSession, scope: Scope, webhook_id: str, filters: DeliveryFilters
) -> list[DeliveryView]:
    """Newest first; two queries whatever the page size (deliveries, then their attempts)."""
    webhook = await _find(session, scope, webhook_id)
    return await _deliveries_page(
        session, select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id), filters
    )


async def _deliveries_page(
    session: AsyncSession, query: Select[WebhookDelivery], filters: DeliveryFilters
) -> list[DeliveryView]:
    if filters.status:
        query = query.where(WebhookDelivery.status == filters.status)
    if filters.trigger:
        query = query.where(WebhookDelivery.trigger == filters.trigger)
    if filters.response_status is not None:
        query = query.where(
            exists().where(
                WebhookAttempt.delivery_id == WebhookDelivery.id,
                WebhookAttempt.response_status == filters.response_status,
            )
        )
    if filters.since:
        query = query.where(WebhookDelivery.created_at >= filters.since)
    if filters.until:
        query = query.where(WebhookDelivery.created_at < filters.until)
    query = (
        query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).offset(filters.skip).limit(filters.take)
    )
    deliveries = list((await session.scalars(query)).all())
    attempts = await _attempts_of(session, [d.id for d in deliveries])
    return [DeliveryView(d, tuple(attempts[d.id])) for d in deliveries]


async def managed_deliveries(
    session: AsyncSession, principal: Principal, filters: DeliveryFilters, *, webhook_id: str | None = None
) -> list[DeliveryView]:
    """The delivery log of every webhook the caller manages (or of one of them), newest first; a
    webhook the caller does not manage is "not found". Three statements whatever the page size."""
    if webhook_id is not None:
        webhook = await _managed(session, principal, webhook_id)
        query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    else:
        teams = await teams_service.list_teams_managed_by(session, principal.user_id)
        managed = (
            select(Webhook.id)
            .outerjoin(EventType, EventType.id == Webhook.event_type_id)
            .where(_managed_clause(principal.user_id, [team.id for team in teams]))
        )
        query = select(WebhookDelivery).where(WebhookDelivery.webhook_id.in_(managed))
    return await _deliveries_page(session, query, filters)


async def get_delivery(session: AsyncSession, scope: Scope, webhook_id: str, delivery_id: str) -> DeliveryView:
    """One delivery of the webhook, with every attempt (request headers, answer) in order."""
    webhook = await _find(session, scope, webhook_id)
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook.id:
        raise NotFound(f"Delivery ({delivery_id}) not found for webhook ({webhook.id})")
    attempts = await _attempts_of(session, [delivery.id])
    return DeliveryView(delivery, tuple(attempts[delivery.id]))


async def redeliver(session: AsyncSession, scope: Scope, webhook_id: str, delivery_id: str) -> DeliveryView:
    """Queue the same body with the same ``webhook-id`` again (a fresh retry schedule)."""
    webhook = await _find(session, scope, webhook_id, write=True)
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook.id:
        raise NotFound(f"Delivery ({delivery_id}) not found for webhook ({webhook.id})")
    if delivery.is_test:
        raise BadRequest("A ping is not redelivered; send another ping")
    if webhook_delivery.never_built(delivery):
        raise BadRequest(f"Delivery ({delivery_id}) has no body to send: {delivery.note}")
    if delivery.status == DeliveryStatus.pending:
        raise Conflict(f"Delivery ({delivery_id}) is still being attempted")
    if not webhook.active:
        raise BadRequest(f"Webhook ({webhook.id}) is disabled; enable it first")
    delivery.status = DeliveryStatus.pending
    delivery.note = f"redelivery requested {iso_ms(utcnow())}"
    jobs.enqueue(session, webhook_delivery.DELIVER_JOB, webhook_delivery.deliver_payload(delivery))
    await session.flush()
    attempts = await _attempts_of(session, [delivery.id])
    return DeliveryView(delivery, tuple(attempts[delivery.id]))


async def ping(session: AsyncSession, scope: Scope, webhook_id: str, settings: Settings) -> PingResult:
    """Send Cal.com's PING now (template applied, both signatures), log it as a test, show the answer.

    The transaction so far only read (finding the webhook); it is committed before the request so
    that no lock (SQLite's write lock) is held while the subscriber takes its time.
    """
    webhook = await _find(session, scope, webhook_id)
    if session.in_transaction():
        await session.commit()
    now = utcnow()
    try:
        body, content_type = webhook_delivery.build_body(
            webhook, PING, webhook_delivery.ping_payload(now), iso_ms(now), max_bytes=settings.webhook_max_body_bytes
        )
    except templates.BodyTooLarge as exc:
        # Not sent; logged as a failed test delivery with the reason, and no attempt.
        delivery = webhook_delivery.new_delivery(
            webhook, PING, "", templates.content_type_of(webhook.payload_template or "{}"), event_id=None
        )
        delivery.is_test, delivery.status = True, DeliveryStatus.failed
        delivery.note = webhook_delivery.too_large_note(exc)
        outcome = webhook_delivery.Outcome(url=webhook_delivery.masked_url(webhook.subscriber_url), request_headers={})
        outcome.error_class, outcome.error = "BodyTooLarge", delivery.note
        await begin_write(session)
        session.add(delivery)
        await session.flush()
        return PingResult(DeliveryView(delivery, ()), outcome)
    delivery = webhook_delivery.new_delivery(webhook, PING, body, content_type, event_id=None)
    delivery.is_test = True
    outcome = await webhook_delivery.send(webhook, delivery, settings)
    delivery.status = DeliveryStatus.succeeded if outcome.ok else DeliveryStatus.failed
    delivery.attempts = 1
    attempt = webhook_delivery.attempt_row(delivery, outcome, job=None)
    await begin_write(session)
    session.add_all([delivery, attempt])
    await session.flush()
    return PingResult(DeliveryView(delivery, (attempt,)), outcome)


async def rotate_secret(session: AsyncSession, scope: Scope, webhook_id: str, new_secret: str | None) -> Webhook:
    """The old secret keeps signing next to the new one for 24 hours (both in ``webhook-signature``)."""
    webhook = await _find(session, scope, webhook_id, write=True)
    now = utcnow()
    if webhook.secret:
        webhook.previous_secret = webhook.secret
        webhook.previous_secret_expires_at = now + ROTATION_OVERLAP
    webhook.secret = new_secret or signing.new_secret()
    await session.flush()
    return webhook
