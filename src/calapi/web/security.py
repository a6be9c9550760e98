"""``/settings/security``: the signed-in user's API keys (through the API's own key service) and password."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from calapi.accounts import service as accounts_service
from calapi.accounts.service import FieldRefused
from calapi.api_keys import service as api_keys_service
from calapi.core.errors import NotFound
from calapi.db import SessionDep, utcnow
from calapi.web.auth import CurrentUser, set_session_cookie
from calapi.web.forms import Form, checked_form
from calapi.web.pages import redirect, render

router = APIRouter(include_in_schema=False)

CheckedForm = Annotated[Form, Depends(checked_form)]
PAGE = "/settings/security"
NOTE_MAX_LENGTH = 255  # the column's width

_NOTICES = {"revoked": "The key is revoked: it no longer works.", "password": "Your password is changed."}


async def _page(request: Request, db: SessionDep, user_id: int, *, status_code: int = 200, **context: Any) -> Response:
    keys = await api_keys_service.list_for_user(db, user_id)
    values = {
        "keys": keys,
        "today": utcnow().date().isoformat(),
        "notice": _NOTICES.get(request.query_params.get("done", "")),
        "new_key": None,
        "note": "",
        "expiry": "never",
        "expires_on": "",
        **context,
    }
    return render(request, "security.html", values, status_code=status_code)


@router.get(PAGE)
async def security_page(request: Request, db: SessionDep, who: CurrentUser) -> Response:
    return await _page(request, db, who.user.id)


def _expiry(form: Form) -> datetime | None:
    """The key's expiry: None for "never", or the chosen day (a key works through its whole UTC day)."""
    if form.get("expiry", "never") == "never":
        return None
    text = form.get("expires_on").strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise FieldRefused("expires_on", "Choose a date (YYYY-MM-DD), or choose “Never”.") from None
    if day < utcnow().date():
        raise FieldRefused("expires_on", "Choose today or a later date.")
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@router.post(PAGE + "/keys")
async def create_key(request: Request, db: SessionDep, who: CurrentUser, form: CheckedForm) -> Response:
    note = form.get("note").strip()
    entered = {"note": note, "expiry": form.get("expiry", "never"), "expires_on": form.get("expires_on")}
    try:
        if len(note) > NOTE_MAX_LENGTH:
            raise FieldRefused("note", f"Keep the note to {NOTE_MAX_LENGTH} characters.")
        expires_at = _expiry(form)
    except FieldRefused as refused:
        return await _page(
            request, db, who.user.id, status_code=400, errors={refused.field: refused.message}, **entered
        )
    minted = await api_keys_service.create(
        db, who.user.id, prefix=request.app.state.settings.api_key_prefix, note=note or None, expires_at=expires_at
    )
    # Shown in this answer only (never in a URL, never stored): the page says to copy it now.
    return await _page(request, db, who.user.id, status_code=201, new_key=minted)


@router.get(PAGE + "/keys/{key_id}/revoke")
async def revoke_page(request: Request, key_id: str, db: SessionDep, who: CurrentUser) -> Response:
    try:
        key = await api_keys_service.get_owned(db, who.user.id, key_id)
    except NotFound:
        return render(request, "not_found.html", status_code=404)
    return render(request, "revoke_key.html", {"key": key})


@router.post(PAGE + "/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: str, db: SessionDep, who: CurrentUser, form: CheckedForm) -> Response:
    try:
        await api_keys_service.revoke(db, key_id, user_id=who.user.id)
    except NotFound:
        return render(request, "not_found.html", status_code=404)
    return redirect(PAGE + "?done=revoked")


@router.post(PAGE + "/password")
async def change_password(request: Request, db: SessionDep, who: CurrentUser, form: CheckedForm) -> Response:
    new = form.get("new_password")
    try:
        if new != form.get("new_password_again"):
            raise FieldRefused("new_password_again", "The two passwords differ. Type the same password twice.")
        started = await accounts_service.change_password(
            db, settings=request.app.state.settings, user_id=who.user.id, current=form.get("current_password"), new=new
        )
    except FieldRefused as refused:
        return await _page(request, db, who.user.id, status_code=400, errors={refused.field: refused.message})
    response = redirect(PAGE + "?done=password")
    set_session_cookie(request, response, started)
    return response
