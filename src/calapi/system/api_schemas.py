"""Declared response bodies of the server-level routes (time zones, versions, API keys)."""

from __future__ import annotations

from typing import Any

from calapi.core.api_schemas import ResponseModel


class City(ResponseModel):
    city: str
    timezone: str
    pop: int


class ResourceVersions(ResponseModel):
    resource: str
    versions: list[str]
    legacyVersions: list[str]
    current: str
    default: str
    defaultServed: bool


class Versions(ResponseModel):
    header: str
    versions: list[str]
    default: str
    resources: list[ResourceVersions]


# --- v1 resources calapi stores nothing for: lists are always empty and ids are 404, but the
# documents still tell a client the shape of a row.


class V1SyncedCredential(ResponseModel):
    """An app credential kept in step with an outside system (calapi has none: the feature is off)."""

    id: int
    appId: str | None
    appSlug: str | None = None


class V1AuditEvent(ResponseModel):
    timestamp: str
    userId: int | None
    orgId: int | None
    action: str
    resource: str
    details: Any = None


class V1AuditEvents(ResponseModel):
    events: list[V1AuditEvent]


class V1Accepted(ResponseModel):
    ok: bool
