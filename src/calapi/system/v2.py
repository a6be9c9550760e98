"""Server-level endpoints: health and the time-zone list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from calapi.core.api_schemas import Envelope, declare
from calapi.core.envelopes import success
from calapi.core.timezones import city_list
from calapi.system.api_schemas import City

router = APIRouter()


@router.get("/health", response_class=PlainTextResponse, tags=["Health"], operation_id="health")
async def health() -> str:
    return "OK"


@router.get("/v2/timezones", tags=["Timezones"], operation_id="timezones_list", **declare(Envelope[list[City]]))
async def list_timezones() -> dict[str, Any]:
    return success(city_list())
