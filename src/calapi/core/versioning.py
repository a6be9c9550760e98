"""Cal.com's ``cal-api-version`` header, parsed in one place.

A route declares the versions it serves (``versioned_router``); a request whose version the
route does not serve does not match it, so it falls through to 404 ``Cannot <METHOD> <path>``
exactly as Cal.com answers. An absent or unknown header means the legacy version ``2024-04-15``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

V2024_04_15 = "2024-04-15"
V2024_06_11 = "2024-06-11"
V2024_06_14 = "2024-06-14"
V2024_08_13 = "2024-08-13"
V2024_09_04 = "2024-09-04"
ALL_VERSIONS: tuple[str, ...] = (V2024_04_15, V2024_06_11, V2024_06_14, V2024_08_13, V2024_09_04)
LEGACY_VERSION = V2024_04_15
HEADER = "cal-api-version"
_HEADER_BYTES = HEADER.encode()


def resolve_version(scope: Scope) -> str:
    """The version a request asks for, by Cal.com's rule (cached on the scope)."""
    cached = scope.get("calapi.version")
    if cached is not None:
        return cached
    version = LEGACY_VERSION
    for name, value in scope.get("headers", ()):
        if name == _HEADER_BYTES:
            text = value.decode("latin-1").strip()
            if text in ALL_VERSIONS:
                version = text
            break
    scope["calapi.version"] = version
    return version


def version_was_sent(scope: Scope) -> bool:
    return any(name == _HEADER_BYTES and value.decode("latin-1").strip() in ALL_VERSIONS for name, value in scope.get("headers", ()))


class VersionedRoute(APIRoute):
    served_versions: frozenset[str] = frozenset(ALL_VERSIONS)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and resolve_version(scope) not in self.served_versions:
            return Match.NONE, {}
        return match, child


def versioned_router(versions: Iterable[str], **kwargs: Any) -> APIRouter:
    """An APIRouter whose routes answer only the given ``cal-api-version`` values."""
    served = frozenset(versions)
    unknown = served - set(ALL_VERSIONS)
    if unknown:
        raise ValueError(f"unknown cal-api-version values: {sorted(unknown)}")
    route_class = type("VersionedRoute_" + "_".join(sorted(v.replace("-", "") for v in served)), (VersionedRoute,), {"served_versions": served})
    return APIRouter(route_class=route_class, **kwargs)
