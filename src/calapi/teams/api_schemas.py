"""Declared response bodies of teams and memberships (v2 and v1)."""

from __future__ import annotations

from typing import Any

from calapi.core.api_schemas import ResponseModel


class Team(ResponseModel):
    """v2 team."""

    id: int
    parentId: int | None
    name: str
    slug: str
    logoUrl: str | None
    calVideoLogo: str | None
    appLogo: str | None
    appIconLogo: str | None
    bio: str | None
    hideBranding: bool
    isOrganization: bool
    isPrivate: bool
    hideBookATeamMember: bool
    metadata: dict[str, Any] | None
    theme: str | None
    brandColor: str | None
    darkBrandColor: str | None
    bannerUrl: str | None
    timeFormat: int | None
    timeZone: str
    weekStart: str


class MemberUser(ResponseModel):
    avatarUrl: str | None
    username: str | None
    name: str | None
    email: str
    bio: str | None
    metadata: dict[str, Any]


class Membership(ResponseModel):
    """v2 team membership, with the member's public profile."""

    id: int
    userId: int
    teamId: int
    accepted: bool
    role: str
    disableImpersonation: bool
    user: MemberUser


# --- v1


class V1Team(ResponseModel):
    id: int
    name: str
    slug: str
    bio: str | None
    logoUrl: str | None
    hideBranding: bool
    hideBookATeamMember: bool
    isPrivate: bool
    brandColor: str | None
    darkBrandColor: str | None
    theme: str | None
    timeZone: str
    weekStart: str
    timeFormat: int | None
    metadata: dict[str, Any] | None
    parentId: int | None
    isOrganization: bool
    pendingPayment: bool
    isPlatform: bool
    createdAt: str


class V1Membership(ResponseModel):
    id: int
    teamId: int
    userId: int
    accepted: bool
    role: str
    disableImpersonation: bool
    createdAt: str
    updatedAt: str


class V1TeamCreated(ResponseModel):
    """``POST /v1/teams``: the team, the creator's OWNER membership and a message naming them."""

    team: V1Team
    owner: V1Membership
    message: str


class V1TeamPublished(ResponseModel):
    url: str
    message: str


class V1Invited(ResponseModel):
    success: bool
    message: str
