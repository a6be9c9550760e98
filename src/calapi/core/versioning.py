"""Cal.com's ``cal-api-version`` header, parsed in one place.

A route declares the versions it serves (``versioned_router``); a request whose version the
route does not serve does not match it, so it falls through to 404 ``Cannot <METHOD> <path>``
exactly as Cal.com answers. An absent or unknown header means the legacy version ``2024-04-15``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

V2024_04_15 = "2024-04-15"
V2024_06_11 = "2024-06-11"
V2024_06_14 = "2024-06-14"
V2024_08_13 = "2024-08-13"
V2024_09_04 = "2024-09-04"
V2026_02_25 = "2026-02-25"
ALL_VERSIONS: tuple[str, ...] = (V2024_04_15, V2024_06_11, V2024_06_14, V2024_08_13, V2024_09_04, V2026_02_25)
LEGACY_VERSION = V2024_04_15
HEADER = "cal-api-version"
_HEADER_BYTES = HEADER.encode()


def resolve_version(scope: Scope) -> str:
    """The version a request asks for, by Cal.com's rule (cached on the scope)."""
    cached = scope.get("calapi.version")
    if cached is not None:
        return str(cached)
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
    return any(
        name == _HEADER_BYTES and value.decode("latin-1").strip() in ALL_VERSIONS
        for name, value in scope.get("headers", ())
    )


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
    route_class = type(
        "VersionedRoute_" + "_".join(sorted(v.replace("-", "") for v in served)),
        (VersionedRoute,),
        {"served_versions": served},
    )
    return APIRouter(route_class=route_class, **kwargs)


# ---------------------------------------------------------------- legacy routes and deprecation

DEPRECATION_HEADER = "deprecation"


def deprecation_headers(path: str, successor: str) -> list[tuple[bytes, bytes]]:
    """What every answer to a legacy request carries (draft-ietf-httpapi-deprecation-header):
    ``Deprecation: true`` and a ``successor-version`` link to the same path, whose
    ``cal-api-version`` parameter names the version a client should send instead."""
    # The path is percent-encoded again: decoded, it may hold control characters or bytes no
    # header value may carry, and a server refuses to send such a header (the client got no answer).
    link = f'<{quote(path, safe=_PATH_SAFE)}>; rel="successor-version"; {HEADER}="{successor}"'
    return [(DEPRECATION_HEADER.encode(), b"true"), (b"link", link.encode("ascii"))]


# RFC 3986 path characters that need no escaping (``<``, ``>`` and ``"`` are escaped, so the link
# cannot end early).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class LegacyRoute(VersionedRoute):
    """A route of an older contract; ``successor_version`` is the version its resource serves now."""

    successor_version: str = V2024_08_13

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is Match.FULL:
            # EdgeMiddleware adds these to whatever answers the request, errors included.
            # matches() may run more than once for a request (the router's pass, a middleware's lookup).
            extra = scope.get("calapi.response_headers")
            if extra is not None and not scope.get("calapi.deprecation_added"):
                scope["calapi.deprecation_added"] = True
                extra.extend(deprecation_headers(scope.get("path", ""), self.successor_version))
        return match, child


def legacy_router(versions: Iterable[str], *, successor: str, **kwargs: Any) -> APIRouter:
    """``versioned_router`` for a legacy contract: its answers carry the Deprecation headers."""
    served = frozenset(versions)
    unknown = (served | {successor}) - set(ALL_VERSIONS)
    if unknown:
        raise ValueError(f"unknown cal-api-version values: {sorted(unknown)}")
    name = "LegacyRoute_" + "_".join(sorted(v.replace("-", "") for v in served))
    route_class = type(name, (LegacyRoute,), {"served_versions": served, "successor_version": successor})
    return APIRouter(route_class=route_class, **kwargs)


def served_versions_by_resource(routes: Iterable[Any]) -> list[dict[str, Any]]:
    """For ``GET /v2/versions``: each versioned resource (``/v2/<name>``), the versions its routes
    serve, the one a request without the header gets, and the current one — read from the routes'
    own declarations."""
    served: dict[str, set[str]] = {}
    legacy: dict[str, set[str]] = {}
    successors: dict[str, str] = {}
    for route in routes:
        if not isinstance(route, VersionedRoute):
            continue
        resource = "/".join(route.path.split("/")[:3])
        served.setdefault(resource, set()).update(route.served_versions)
        if isinstance(route, LegacyRoute):
            legacy.setdefault(resource, set()).update(route.served_versions)
            successors[resource] = route.successor_version
    order = {v: i for i, v in enumerate(ALL_VERSIONS)}
    answer = []
    for resource in sorted(served):
        versions = sorted(served[resource], key=order.__getitem__)
        answer.append(
            {
                "resource": resource,
                "versions": versions,
                "legacyVersions": sorted(legacy.get(resource, ()), key=order.__getitem__),
                "current": successors.get(resource, versions[-1]),
                "default": LEGACY_VERSION,
                "defaultServed": LEGACY_VERSION in served[resource],
            }
        )
    return answer
