"""``/settings/developer/webhooks``: the webhooks a signed-in user manages (their own, their event
types', and those of teams where they are an admin or owner), through the API's webhooks service.

Create and edit go through the same service calls as ``/v2/webhooks`` (the URL passes the same
SSRF check; a template that would not render is refused with the same reason, next to its field,
and nothing is saved). The template preview is rendered on the server against the sample payload
of a chosen trigger, so it works without JavaScript; ``webhooks.js`` only refreshes it while typing.
A webhook or delivery that is not the user's to manage answers 404, whatever its id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from calapi.accounts.service import SignedIn
from calapi.core.auth import Principal
from calapi.core.errors import AppError, Conflict, NotFound
from calapi.db import SessionDep
from calapi.web.auth import CurrentUser
from calapi.web.forms import Form, checked_form
from calapi.web.pages import redirect, render
from calapi.webhooks import samples
from calapi.webhooks import service as webhooks_service
from calapi.webhooks.commands import DeliveryFilters, ManagedWebhooks, NewWebhook, WebhookChanges
from calapi.webhooks.models import DELIVERY_STATUSES, Webhook
from calapi.webhooks.service import TemplatePreview, TemplateRefused, UrlRefused
from calapi.webhooks.triggers import ALL_TRIGGERS

router = APIRouter(include_in_schema=False)

CheckedForm = Annotated[Form, Depends(checked_form)]
PAGE = "/settings/developer/webhooks"
LOG = PAGE + "/deliveries"
URL_MAX_LENGTH = 2048  # the column's width, as the API's schema
SECRET_MAX_LENGTH = 255
LOG_PAGE_SIZE = 50
_NOTICES = {
    "created": "The webhook is created.",
    "saved": "The webhook is saved.",
    "deleted": "The webhook is deleted.",
    "redelivered": "The delivery is queued again, with the same webhook-id; reload to see the new attempt.",
}


def _principal(who: SignedIn) -> Principal:
    """The signed-in user as the services know a caller: the same scope rules as one of their API keys."""
    return Principal(user_id=who.user.id, role=who.user.role, api_key_id="", hashed_key="", profile=who.user)


def _not_found(request: Request) -> Response:
    return render(request, "not_found.html", status_code=404)


# ---------------------------------------------------------------- the list


@router.get(PAGE)
async def webhooks_page(request: Request, db: SessionDep, who: CurrentUser) -> Response:
    managed = await webhooks_service.list_managed(db, _principal(who))
    notice = _NOTICES.get(request.query_params.get("done", ""))
    return render(request, "webhooks.html", {"managed": managed, "notice": notice})


# ---------------------------------------------------------------- the delivery log (before "/{webhook_id}", which would take its path)


def _day(raw: str, name: str, errors: dict[str, str]) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors[name] = "Enter a date as YYYY-MM-DD."
        return None


def _log_filters(request: Request) -> tuple[dict[str, str], DeliveryFilters, dict[str, str]]:
    """The log's filters from its query string (a GET form: nothing changes, no token needed)."""
    query = request.query_params
    entered = {
        name: query.get(name, "")[:64] for name in ("webhook", "trigger", "status", "code", "since", "until", "skip")
    }
    errors: dict[str, str] = {}
    if entered["trigger"] and entered["trigger"] not in samples.PREVIEW_TRIGGERS:
        errors["trigger"] = "Choose a trigger from the list."
    if entered["status"] and entered["status"] not in DELIVERY_STATUSES:
        errors["status"] = "Choose a status from the list."
    code: int | None = None
    if entered["code"].strip():
        text = entered["code"].strip()
        if text.isdigit() and 100 <= int(text) <= 599:
            code = int(text)
        else:
            errors["code"] = "Enter an HTTP status code from 100 to 599, such as 500."
    since = _day(entered["since"], "since", errors)
    until = _day(entered["until"], "until", errors)
    skip = int(entered["skip"]) if entered["skip"].isdigit() and len(entered["skip"]) < 9 else 0
    filters = DeliveryFilters(
        status=None if "status" in errors else entered["status"] or None,
        trigger=None if "trigger" in errors else entered["trigger"] or None,
        response_status=code,
        since=datetime(since.year, since.month, since.day, tzinfo=UTC) if since else None,
        # "until" is a whole day: everything before the next one
        until=datetime(until.year, until.month, until.day, tzinfo=UTC) + timedelta(days=1) if until else None,
        take=LOG_PAGE_SIZE + 1,  # one more tells whether there is an older page
        skip=skip,
    )
    return entered, filters, errors


@router.get(LOG)
async def delivery_log_page(request: Request, db: SessionDep, who: CurrentUser) -> Response:
    entered, filters, errors = _log_filters(request)
    principal = _principal(who)
    managed = await webhooks_service.list_managed(db, principal)
    webhook_id = entered["webhook"] or None
    try:
        views = (
            [] if errors else await webhooks_service.managed_deliveries(db, principal, filters, webhook_id=webhook_id)
        )
    except NotFound:
        errors["webhook"] = "Choose one of your webhooks."
        views = []
    older = None
    if len(views) > LOG_PAGE_SIZE:
        views = views[:LOG_PAGE_SIZE]
        older = request.url.include_query_params(skip=filters.skip + LOG_PAGE_SIZE)
    urls = {item.webhook.id: item.webhook.subscriber_url for item in managed.webhooks}
    values = {
        "entered": entered,
        "errors": errors,
        "views": views,
        "urls": urls,
        "managed": managed,
        "older": str(older) if older else None,
        "statuses": DELIVERY_STATUSES,
        "triggers": samples.PREVIEW_TRIGGERS,
    }
    return render(request, "webhook_log.html", values, status_code=400 if errors else 200)


# ---------------------------------------------------------------- create and edit


@dataclass
class Entered:
    """The webhook form as the person filled it (shown again when something is refused)."""

    subscriber_url: str = ""
    triggers: list[str] = field(default_factory=lambda: ["BOOKING_CREATED"])
    active: bool = True
    payload_template: str = ""
    preview_trigger: str = "BOOKING_CREATED"
    owner: str = "me"  # "me", or "team:<id>" (create only)
    has_secret: bool = False  # edit: a secret is set (never shown)

    @classmethod
    def of(cls, webhook: Webhook) -> Entered:
        triggers = list(webhook.triggers or [])
        return cls(
            subscriber_url=webhook.subscriber_url,
            triggers=triggers,
            active=webhook.active,
            payload_template=webhook.payload_template or "",
            preview_trigger=triggers[0] if triggers else "BOOKING_CREATED",
            has_secret=bool(webhook.secret),
        )


@dataclass(frozen=True)
class Parsed:
    entered: Entered
    secret: str  # "": none given (edit: keep the one set)
    errors: dict[str, str]


def _parse(form: Form) -> Parsed:
    """The form's fields, checked for shape only; the rules are the service's."""
    chosen = form.all("triggers")
    entered = Entered(
        subscriber_url=form.get("subscriber_url").strip(),
        triggers=[trigger for trigger in ALL_TRIGGERS if trigger in chosen],
        active=form.get("active") == "on",
        payload_template=form.get("payload_template").replace("\r\n", "\n"),
        preview_trigger=form.get("preview_trigger", "BOOKING_CREATED"),
        owner=form.get("owner", "me"),
    )
    errors: dict[str, str] = {}
    if not entered.subscriber_url:
        errors["subscriber_url"] = "Enter the URL that should receive the webhook, such as https://example.com/hooks."
    elif len(entered.subscriber_url) > URL_MAX_LENGTH:
        errors["subscriber_url"] = f"Keep the URL to {URL_MAX_LENGTH} characters."
    unknown = [trigger for trigger in chosen if trigger not in ALL_TRIGGERS]
    if unknown:
        errors["triggers"] = f"Unknown trigger: {', '.join(unknown)[:200]}."
    elif not entered.triggers:
        errors["triggers"] = "Choose at least one trigger."
    secret = form.get("secret")
    if len(secret) > SECRET_MAX_LENGTH:
        errors["secret"] = f"Keep the secret to {SECRET_MAX_LENGTH} characters."
    if entered.preview_trigger not in samples.PREVIEW_TRIGGERS:
        errors["preview_trigger"] = "Choose a trigger from the list."
    return Parsed(entered, secret, errors)


def _team_of(owner: str) -> int | None:
    """``team:<id>`` → the id; anything else is the user's own webhook."""
    kind, _, raw = owner.partition(":")
    if kind == "team" and raw.isdigit() and len(raw) < 12:
        return int(raw)
    return None


def _field_of(error: AppError) -> str:
    """Which field a refusal of the webhooks service belongs to."""
    if isinstance(error, TemplateRefused):
        return "payload_template"
    if isinstance(error, (UrlRefused, Conflict)):
        return "subscriber_url"
    return "form"


def _pretty(body: str, content_type: str) -> str:
    """A JSON body indented for reading (the bytes sent are unchanged); anything else as it is."""
    if content_type.startswith("application/json"):
        try:
            return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        except ValueError:
            return body
    return body


@dataclass(frozen=True)
class Preview:
    result: TemplatePreview | None
    error: str | None

    @property
    def pretty_body(self) -> str:
        return _pretty(self.result.body, self.result.content_type) if self.result else ""


def _preview(request: Request, entered: Entered) -> Preview:
    trigger = entered.preview_trigger if entered.preview_trigger in samples.PREVIEW_TRIGGERS else "BOOKING_CREATED"
    try:
        result = webhooks_service.preview_template(entered.payload_template, trigger, request.app.state.settings)
    except TemplateRefused as refused:
        return Preview(None, refused.message)
    return Preview(result, None)


async def _form_page(
    request: Request,
    db: SessionDep,
    who: SignedIn,
    entered: Entered,
    *,
    webhook: Webhook | None,
    errors: dict[str, str] | None = None,
    preview: Preview | None = None,
    status_code: int = 200,
) -> Response:
    teams = () if webhook is not None else (await webhooks_service.list_managed(db, _principal(who))).teams
    errors = dict(errors or {})
    shown = preview or _preview(request, entered)
    if shown.error and "payload_template" not in errors:
        errors["payload_template"] = shown.error
    values = {
        "webhook": webhook,
        "entered": entered,
        "teams": teams,
        "errors": errors,
        "preview": shown,
        "triggers": ALL_TRIGGERS,
        "preview_triggers": samples.PREVIEW_TRIGGERS,
        "sent_here": samples.SENT_HERE,
    }
    return render(request, "webhook_form.html", values, status_code=status_code)


@router.get(PAGE + "/new")
async def new_webhook_page(request: Request, db: SessionDep, who: CurrentUser) -> Response:
    return await _form_page(request, db, who, Entered(), webhook=None)


@router.post(PAGE + "/new")
async def create_webhook(request: Request, form: CheckedForm, db: SessionDep, who: CurrentUser) -> Response:
    parsed = _parse(form)
    if form.get("action") == "preview" or parsed.errors:
        status = 400 if parsed.errors else 200
        return await _form_page(
            request, db, who, parsed.entered, webhook=None, errors=parsed.errors, status_code=status
        )
    entered = parsed.entered
    command = NewWebhook(
        subscriber_url=entered.subscriber_url,
        triggers=tuple(entered.triggers),
        active=entered.active,
        payload_template=entered.payload_template or None,
        secret=parsed.secret or None,
    )
    try:
        async with db.begin_nested():  # a refused form keeps nothing
            await webhooks_service.create_managed(
                db, _principal(who), _team_of(entered.owner), command, request.app.state.settings
            )
    except NotFound:
        return _not_found(request)
    except AppError as refused:
        errors = {_field_of(refused): refused.message}
        return await _form_page(request, db, who, entered, webhook=None, errors=errors, status_code=400)
    return redirect(PAGE + "?done=created")


@router.get(PAGE + "/{webhook_id}")
async def edit_webhook_page(request: Request, webhook_id: str, db: SessionDep, who: CurrentUser) -> Response:
    try:
        webhook = await webhooks_service.get(db, ManagedWebhooks(_principal(who)), webhook_id)
    except NotFound:
        return _not_found(request)
    return await _form_page(request, db, who, Entered.of(webhook), webhook=webhook)


@router.post(PAGE + "/{webhook_id}")
async def update_webhook(
    request: Request, webhook_id: str, form: CheckedForm, db: SessionDep, who: CurrentUser
) -> Response:
    scope = ManagedWebhooks(_principal(who))
    parsed = _parse(form)
    entered = parsed.entered
    if form.get("action") != "preview" and not parsed.errors:
        changes = WebhookChanges.of(
            subscriber_url=entered.subscriber_url,
            triggers=tuple(entered.triggers),
            active=entered.active,
            payload_template=entered.payload_template or None,
        )
        if parsed.secret:
            changes = changes.plus(secret=parsed.secret)
        elif form.get("remove_secret") == "on":
            changes = changes.plus(secret=None)
        try:
            async with db.begin_nested():  # a refused form keeps nothing
                await webhooks_service.update(db, scope, webhook_id, changes, request.app.state.settings)
        except NotFound:
            return _not_found(request)
        except AppError as refused:
            errors = {_field_of(refused): refused.message}
        else:
            return redirect(PAGE + "?done=saved")
    else:
        errors = parsed.errors
    # the form again: a preview, or what was refused and why
    try:
        webhook = await webhooks_service.get(db, scope, webhook_id)
    except NotFound:
        return _not_found(request)
    entered.has_secret = bool(webhook.secret)
    status = 400 if errors else 200
    return await _form_page(request, db, who, entered, webhook=webhook, errors=errors, status_code=status)


# ---------------------------------------------------------------- delete


@router.get(PAGE + "/{webhook_id}/delete")
async def delete_webhook_page(request: Request, webhook_id: str, db: SessionDep, who: CurrentUser) -> Response:
    try:
        webhook = await webhooks_service.get(db, ManagedWebhooks(_principal(who)), webhook_id)
    except NotFound:
        return _not_found(request)
    return render(request, "delete_webhook.html", {"webhook": webhook})


@router.post(PAGE + "/{webhook_id}/delete")
async def delete_webhook(
    request: Request, webhook_id: str, form: CheckedForm, db: SessionDep, who: CurrentUser
) -> Response:
    try:
        await webhooks_service.delete_one(db, ManagedWebhooks(_principal(who)), webhook_id)
    except NotFound:
        return _not_found(request)
    return redirect(PAGE + "?done=deleted")


# ---------------------------------------------------------------- a new secret


@router.post(PAGE + "/{webhook_id}/rotate-secret")
async def rotate_secret(
    request: Request, webhook_id: str, form: CheckedForm, db: SessionDep, who: CurrentUser
) -> Response:
    """A new secret, shown once; the old one keeps signing beside it for the overlap."""
    try:
        webhook = await webhooks_service.rotate_secret(db, ManagedWebhooks(_principal(who)), webhook_id, None)
    except NotFound:
        return _not_found(request)
    ends = webhook.previous_secret_expires_at
    values = {"webhook": webhook, "overlap_ends": ends.strftime("%Y-%m-%d %H:%M") if ends else "now"}
    return render(request, "webhook_secret.html", values)


# ---------------------------------------------------------------- ping


@router.post(PAGE + "/{webhook_id}/ping")
async def ping_webhook(
    request: Request, webhook_id: str, form: CheckedForm, db: SessionDep, who: CurrentUser
) -> Response:
    try:
        result = await webhooks_service.ping(
            db, ManagedWebhooks(_principal(who)), webhook_id, request.app.state.settings
        )
    except NotFound:
        return _not_found(request)
    sent = result.delivery.delivery
    values = {"webhook_id": webhook_id, "result": result, "body": _pretty(sent.body, sent.content_type)}
    return render(request, "webhook_ping.html", values)


# ---------------------------------------------------------------- one delivery, and redelivery


async def _delivery_page(
    request: Request,
    db: SessionDep,
    who: SignedIn,
    webhook_id: str,
    delivery_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    scope = ManagedWebhooks(_principal(who))
    try:
        webhook = await webhooks_service.get(db, scope, webhook_id)
        view = await webhooks_service.get_delivery(db, scope, webhook_id, delivery_id)
    except NotFound:
        return _not_found(request)
    values = {
        "webhook": webhook,
        "view": view,
        "body": _pretty(view.delivery.body, view.delivery.content_type),
        "notice": _NOTICES.get(request.query_params.get("done", "")),
        "errors": {"redeliver": error} if error else {},
    }
    return render(request, "webhook_delivery.html", values, status_code=status_code)


@router.get(PAGE + "/{webhook_id}/deliveries/{delivery_id}")
async def delivery_page(
    request: Request, webhook_id: str, delivery_id: str, db: SessionDep, who: CurrentUser
) -> Response:
    return await _delivery_page(request, db, who, webhook_id, delivery_id)


@router.post(PAGE + "/{webhook_id}/deliveries/{delivery_id}/redeliver")
async def redeliver(
    request: Request, webhook_id: str, delivery_id: str, form: CheckedForm, db: SessionDep, who: CurrentUser
) -> Response:
    try:
        async with db.begin_nested():
            await webhooks_service.redeliver(db, ManagedWebhooks(_principal(who)), webhook_id, delivery_id)
    except NotFound:
        return _not_found(request)
    except AppError as refused:
        return await _delivery_page(
            request, db, who, webhook_id, delivery_id, error=refused.message, status_code=refused.status
        )
    return redirect(f"{PAGE}/{webhook_id}/deliveries/{delivery_id}?done=redelivered")
