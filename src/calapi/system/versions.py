"""``GET /v2/versions`` (beyond Cal.com): which ``cal-api-version`` values each resource serves.

Built from the routers' own declarations (``versioned_router`` / ``legacy_router``), so it cannot
drift from what routing does. Served for every version and without auth, like ``/v2/timezones``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request

from calapi.core.api_schemas import Envelope, declare
from calapi.core.envelopes import success
from calapi.core.openapi import api_routes
from calapi.core.versioning import ALL_VERSIONS, HEADER, LEGACY_VERSION, served_versions_by_resource
from calapi.system.api_schemas import Versions

router = APIRouter(tags=["Versions"])


@router.get("/v2/versions", operation_id="versions_list", **declare(Envelope[Versions]))
async def list_versions(request: Request) -> dict[str, Any]:
    cached = getattr(request.app.state, "served_versions", None)
    if cached is None:  # routes do not change after start-up
        cached = request.app.state.served_versions = served_versions_by_resource(api_routes(request.app.routes))
    return success({"header": HEADER, "versions": list(ALL_VERSIONS), "default": LEGACY_VERSION, "resources": cached})
