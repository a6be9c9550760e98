"""Declared response bodies of ``/v2/me`` (v2) and v1's users."""

from __future__ import annotations

from typing import Any

from calapi.core.api_schemas import ResponseModel


class Me(ResponseModel):
    id: int
    username: str | None
    email: str
    name: str | None
    avatarUrl: str | None
    bio: str | None
    timeFormat: int
    defaultScheduleId: int | None
    weekStart: str
    timeZone: str
    organizationId: int | None
