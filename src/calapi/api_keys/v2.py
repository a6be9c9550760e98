"""``POST /v2/api-keys/refresh``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from calapi.api_keys import service as api_keys_service
from calapi.api_keys.api_schemas import RefreshedApiKey
from calapi.core.api_schemas import Envelope, declare
from calapi.core.auth import get_auth, require_principal
from calapi.core.envelopes import success
from calapi.core.errors import Unauthorized
from calapi.core.presenters import wire
from calapi.core.wire import WireModel
from calapi.db import SessionDep

router = APIRouter(prefix="/v2/api-keys", tags=["Api Keys"])


class RefreshApiKeyInput(WireModel):
    apiKeyDaysValid: int | None = Field(default=None, ge=1, le=3650)
    apiKeyNeverExpires: bool = False


@router.post("/refresh", status_code=200, operation_id="api_keys_refresh", **declare(Envelope[RefreshedApiKey]))
async def refresh_api_key(
    request: Request, session: SessionDep, body: RefreshApiKeyInput | None = None
) -> dict[str, Any]:
    auth = get_auth(request)
    if auth.principal is None and auth.problem is None:
        raise Unauthorized(
            "ApiKeysService - This endpoint can only be accessed using an API key by providing 'Authorization: Bearer <apiKey>' header"
        )
    principal = await require_principal(request)
    body = body or RefreshApiKeyInput()
    minted = await api_keys_service.refresh(
        session,
        api_key_id=principal.api_key_id,
        prefix=request.app.state.settings.api_key_prefix,
        days_valid=body.apiKeyDaysValid,
        never_expires=body.apiKeyNeverExpires,
    )
    return success(wire(RefreshedApiKey.model_construct(apiKey=minted.key)))
