"""Typed input of the teams service, built by each API version's router from its request body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from calapi.core.commands import Changes
from calapi.teams.models import MembershipRole


@dataclass(frozen=True, kw_only=True)
class TeamChanges(Changes):
    """A team's profile and settings; on create, what is not given keeps the team defaults."""

    name: str | None = None
    slug: str | None = None
    logo_url: str | None = None
    cal_video_logo: str | None = None
    app_logo: str | None = None
    app_icon_logo: str | None = None
    bio: str | None = None
    hide_branding: bool | None = None
    is_private: bool | None = None
    hide_book_a_team_member: bool | None = None
    metadata: dict[str, Any] | None = None
    theme: str | None = None
    brand_color: str | None = None
    dark_brand_color: str | None = None
    banner_url: str | None = None
    time_format: int | None = None
    time_zone: str | None = None
    week_start: str | None = None
    booking_limits: dict[str, Any] | None = None
    include_managed_events_in_limits: bool | None = None


@dataclass(frozen=True)
class NewTeam:
    name: str
    settings: TeamChanges  # name included
    auto_accept_creator: bool = True  # the creator's OWNER membership starts accepted


@dataclass(frozen=True)
class NewMembership:
    user_id: int
    role: str = MembershipRole.MEMBER.value
    accepted: bool = False
    disable_impersonation: bool = False


@dataclass(frozen=True, kw_only=True)
class MembershipChanges(Changes):
    accepted: bool | None = None
    role: str | None = None
    disable_impersonation: bool | None = None
