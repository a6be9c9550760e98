"""API v1 ``/api-keys`` (``?apiKey=``) over the api keys service. The hash is never returned; the key
text only once, in the create answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict, Field

from calapi.api_keys import api_schemas as declared
from calapi.api_keys import service as api_keys_service
from calapi.api_keys.models import ApiKey
from calapi.core import authorization, v1
from calapi.core.api_schemas import V1Message, declare, v1_created, v1_one
from calapi.core.auth import V1Principal
from calapi.core.envelopes import iso_ms
from calapi.core.errors import Forbidden, NotFound
from calapi.core.presenters import wire, wire_all
from calapi.db import SessionDep

router = v1.v1_router(tags=["v1 API keys"])


def present_api_key(row: ApiKey) -> declared.V1ApiKey:
    return declared.V1ApiKey.model_construct(
        id=row.id,
        userId=row.user_id,
        teamId=row.team_id,
        note=row.note,
        createdAt=iso_ms(row.created_at),
        expiresAt=iso_ms(row.expires_at) if row.expires_at else None,
        lastUsedAt=iso_ms(row.last_used_at) if row.last_used_at else None,
    )


def present_minted_key(minted: api_keys_service.MintedKey) -> declared.V1MintedApiKey:
    """The new key with its text, shown this once."""
    return declared.V1MintedApiKey.model_construct(**wire(present_api_key(minted.row)), key=minted.key)


class CreateApiKeyV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=255)
    expiresAt: datetime | date | None = None
    neverExpires: bool = False
    userId: int | None = None


class EditApiKeyV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=255)


def _expiry(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0), tzinfo=UTC)


async def _owner(session: SessionDep, principal: Any, api_key_id: str) -> int:
    owner = await api_keys_service.owner_of(session, api_key_id)
    missing = NotFound(f"API key with id: {api_key_id} not found")
    return authorization.acting_owner(principal, owner, refusal=missing, missing=missing)


@router.get("/api-keys", operation_id="v1_api_keys_list", **declare(v1_one("api_keys", list[declared.V1ApiKey])))
async def list_api_keys(
    principal: V1Principal,
    session: SessionDep,
    userId: Annotated[list[int], Query()] = [],  # noqa: B006
) -> dict[str, Any]:
    owners = authorization.user_filter(principal, userId, refusal=Forbidden("ADMIN required"))
    keys = await api_keys_service.list_for_users(session, owners)
    return v1.many("api_keys", wire_all(present_api_key(k) for k in keys))


@router.post("/api-keys", operation_id="v1_api_keys_create", **declare(v1_created("api_key", declared.V1MintedApiKey)))
async def create_api_key(
    body: CreateApiKeyV1, principal: V1Principal, session: SessionDep, request: Request
) -> dict[str, Any]:
    owner = authorization.acting_user(principal, body.userId, refusal=Forbidden("ADMIN required for userId"))
    with v1.reworded(not_found=NotFound("User not found")):
        minted = await api_keys_service.create(
            session,
            owner,
            prefix=request.app.state.settings.api_key_prefix,
            note=body.note,
            expires_at=None if body.neverExpires else _expiry(body.expiresAt),
        )
    return {
        "api_key": wire(present_minted_key(minted)),
        "message": "API key created successfully. Save the `key` value as it won't be displayed again.",
    }


@router.get("/api-keys/{id}", operation_id="v1_api_keys_get", **declare(v1_one("api_key", declared.V1ApiKey)))
async def get_api_key(id: str, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _owner(session, principal, id)
    return v1.one("api_key", wire(present_api_key(await api_keys_service.get_owned(session, owner, id))))


@router.patch("/api-keys/{id}", operation_id="v1_api_keys_update", **declare(v1_one("api_key", declared.V1ApiKey)))
async def update_api_key(id: str, body: EditApiKeyV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _owner(session, principal, id)
    return v1.one("api_key", wire(present_api_key(await api_keys_service.set_note(session, owner, id, body.note))))


@router.delete("/api-keys/{id}", operation_id="v1_api_keys_delete", **declare(V1Message))
async def delete_api_key(id: str, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _owner(session, principal, id)
    await api_keys_service.revoke(session, id, user_id=owner)
    return v1.deleted("API key", id)
