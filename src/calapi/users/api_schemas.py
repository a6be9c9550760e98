"""Declared response bodies of ``/v2/me`` (v2) and v1's users."""

from __future__ import annotations

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


# --- v1


class V1User(ResponseModel):
    """v1's public user; columns calapi does not model carry v1's defaults."""

    id: int
    username: str | None
    name: str | None
    email: str
    emailVerified: str | None
    bio: str | None
    avatar: str | None
    timeZone: str
    weekStart: str
    endTime: int
    bufferTime: int
    appTheme: str | None
    theme: str | None
    defaultScheduleId: int | None
    locale: str | None
    timeFormat: int | None
    hideBranding: bool
    brandColor: str | None
    darkBrandColor: str | None
    allowDynamicBooking: bool | None
    createdDate: str
    verified: bool | None
    invitedTo: int | None
    role: str


class V1UserPage(ResponseModel):
    """``GET /v1/users``: one page of users and how many match in all."""

    users: list[V1User]
    total: int
