"""Declared response bodies of the server-level routes (time zones, versions, API keys)."""

from __future__ import annotations

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


class RefreshedApiKey(ResponseModel):
    apiKey: str
