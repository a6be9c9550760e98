"""Declared response bodies of ``/v2/api-keys/refresh`` and v1's ``/api-keys`` (the hash never leaves the server)."""

from __future__ import annotations

from calapi.core.api_schemas import ResponseModel


class RefreshedApiKey(ResponseModel):
    apiKey: str


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
