"""API v1 resources calapi stores nothing for: app credentials (credential sync) and audit logs.
(Calendars and booking references live in the calendars room, custom inputs in the event types
room, payments in the payments room.)

A v1 client still gets the contract's shapes and statuses; see docs/v1.md, "Resources calapi
stores nothing for".
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from calapi.core import authorization, v1
from calapi.core.api_schemas import declare
from calapi.core.auth import Principal, V1Principal
from calapi.core.errors import AppError, BadRequest, Forbidden
from calapi.system import api_schemas as declared

router = v1.v1_router(tags=["v1 Unbacked resources"])


# --- credential sync ------------------------------------------------------------------------------


class NotEnabled(AppError):
    status, code = 501, "NotImplementedException"


def _credential_sync_refusal(principal: Principal) -> AppError:
    """Cal.com's gate in front of every ``/credential-sync`` method, in its order: admin keys only
    (raised here), then the feature switch (returned). calapi has no app credentials to sync, so
    the switch is always off."""
    text = "Only admin API keys can access credential syncing endpoints"
    authorization.require_admin(principal, Forbidden(text, v1_body={"error": text}))
    text = "Credential syncing is not enabled"
    return NotEnabled(text, v1_body={"error": text})


@router.get("/credential-sync", operation_id="v1_credential_sync_list", **declare(list[declared.V1SyncedCredential]))
async def list_synced_credentials(principal: V1Principal) -> dict[str, Any]:
    raise _credential_sync_refusal(principal)


@router.post("/credential-sync", operation_id="v1_credential_sync_create", **declare(declared.V1SyncedCredential))
async def create_synced_credential(principal: V1Principal) -> dict[str, Any]:
    raise _credential_sync_refusal(principal)


@router.patch("/credential-sync", operation_id="v1_credential_sync_update", **declare(declared.V1SyncedCredential))
async def update_synced_credential(principal: V1Principal) -> dict[str, Any]:
    raise _credential_sync_refusal(principal)


@router.delete("/credential-sync", operation_id="v1_credential_sync_delete", **declare(declared.V1SyncedCredential))
async def delete_synced_credential(principal: V1Principal) -> dict[str, Any]:
    raise _credential_sync_refusal(principal)


# --- audit logs -------------------------------------------------------------------------------------

_AUDIT_FIELDS = ("timestamp", "userId", "orgId", "action", "resource", "details")


@router.get("/audit-logs", operation_id="v1_audit_logs_list", **declare(declared.V1AuditEvents))
async def list_audit_logs(principal: V1Principal) -> dict[str, Any]:
    # Cal.com's v1 kept no audit events either (its service answered an empty list), so nothing
    # about any user can be read here whatever ``orgId``/``userId``/``action`` say.
    return {"events": []}


@router.post("/audit-logs", operation_id="v1_audit_logs_create", status_code=201, **declare(declared.V1Accepted, 201))
async def create_audit_log(request: Request, principal: V1Principal) -> JSONResponse:
    """Checked as Cal.com checks it, then dropped: calapi stores no client-sent audit events
    (Cal.com's v1 only printed them) and does not log the body, which may hold personal data."""
    try:
        body = await request.json() if await request.body() else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise BadRequest("Invalid/Missing JSON body")
    for field in _AUDIT_FIELDS:
        if not body.get(field):
            raise BadRequest(f"Missing required field: {field}")
    return JSONResponse({"ok": True}, status_code=201)
