"""Declared response bodies of v1's ``/api-keys`` (the hash never leaves the server)."""

from __future__ import annotations

from calapi.core.api_schemas import ResponseModel


class V1ApiKey(ResponseModel):
    id: str
    userId: int
    teamId: int | None
    note: str | None
    createdAt: str
    expiresAt: str | None
    lastUsedAt: str | None


class V1MintedApiKey(V1ApiKey):
    """The new key, shown once."""

    key: str
