"""``/v2/teams`` and ``/v2/teams/{teamId}/memberships`` (no version header needed)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from calapi.core.api_schemas import Envelope, declare
from calapi.core.auth import CurrentPrincipal
from calapi.core.envelopes import success
from calapi.core.errors import BadRequest
from calapi.core.paging import take_skip
from calapi.core.presenters import wire, wire_all
from calapi.core.wire import Metadata, TimeZoneName, WeekDay, WireModel, sent_values
from calapi.db import SessionDep, begin_write
from calapi.teams import api_schemas as declared
from calapi.teams import service as teams_service
from calapi.teams.access import TeamAdmin, TeamCaller, TeamMember, TeamOwner
from calapi.teams.commands import MembershipChanges, NewMembership, NewTeam, TeamChanges
from calapi.teams.models import Team
from calapi.teams.service import MembershipView

router = APIRouter(prefix="/v2/teams", tags=["Teams"])

Role = Literal["MEMBER", "ADMIN", "OWNER"]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UpdateTeamInput(WireModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    slug: str | None = Field(default=None, min_length=1, max_length=255, pattern=r"^[a-z0-9][a-z0-9-]*$")
    logoUrl: str | None = Field(default=None, max_length=2048)
    calVideoLogo: str | None = Field(default=None, max_length=2048)
    appLogo: str | None = Field(default=None, max_length=2048)
    appIconLogo: str | None = Field(default=None, max_length=2048)
    bio: str | None = Field(default=None, max_length=10_000)
    hideBranding: bool | None = None
    isPrivate: bool | None = None
    hideBookATeamMember: bool | None = None
    metadata: Metadata | None = None
    theme: str | None = Field(default=None, max_length=255)
    brandColor: str | None = Field(default=None, max_length=32)
    darkBrandColor: str | None = Field(default=None, max_length=32)
    bannerUrl: str | None = Field(default=None, max_length=2048)
    timeFormat: Literal[12, 24] | None = None
    timeZone: TimeZoneName | None = None
    weekStart: WeekDay | None = None
    bookingLimits: dict[str, Any] | None = None
    includeManagedEventsInLimits: bool | None = None

    def to_changes(self) -> TeamChanges:
        return TeamChanges.of(**sent_values(self))


class CreateTeamInput(UpdateTeamInput):
    name: str = Field(min_length=1, max_length=255)
    autoAcceptCreator: bool = True

    def to_command(self) -> NewTeam:
        settings = sent_values(self)
        settings.pop("auto_accept_creator", None)
        return NewTeam(self.name, TeamChanges.of(**settings), self.autoAcceptCreator)


class CreateMembershipInput(WireModel):
    userId: int = Field(ge=1)
    accepted: bool = False
    role: Role = "MEMBER"
    disableImpersonation: bool = False

    def to_command(self) -> NewMembership:
        return NewMembership(self.userId, self.role, self.accepted, self.disableImpersonation)


class UpdateMembershipInput(WireModel):
    accepted: bool | None = None
    role: Role | None = None
    disableImpersonation: bool | None = None

    def to_changes(self) -> MembershipChanges:
        return MembershipChanges.of(**sent_values(self))


def present_team(team: Team) -> declared.Team:
    return declared.Team.model_construct(
        id=team.id,
        parentId=team.parent_id,
        name=team.name,
        slug=team.slug,
        logoUrl=team.logo_url,
        calVideoLogo=team.cal_video_logo,
        appLogo=team.app_logo,
        appIconLogo=team.app_icon_logo,
        bio=team.bio,
        hideBranding=team.hide_branding,
        isOrganization=team.is_organization,
        isPrivate=team.is_private,
        hideBookATeamMember=team.hide_book_a_team_member,
        metadata=team.team_metadata,
        theme=team.theme,
        brandColor=team.brand_color,
        darkBrandColor=team.dark_brand_color,
        bannerUrl=team.banner_url,
        timeFormat=team.time_format,
        timeZone=team.time_zone,
        weekStart=team.week_start,
    )


def present_membership(view: MembershipView) -> declared.Membership:
    membership, user = view.membership, view.user
    return declared.Membership.model_construct(
        id=membership.id,
        userId=membership.user_id,
        teamId=membership.team_id,
        accepted=membership.accepted,
        role=membership.role,
        disableImpersonation=membership.disable_impersonation,
        user=declared.MemberUser.model_construct(
            avatarUrl=user.avatar_url,
            username=user.username,
            name=user.name,
            email=user.email,
            bio=user.bio,
            metadata=user.user_metadata or {},
        ),
    )


Take = Annotated[str | None, Query()]


def _emails(values: list[str]) -> list[str]:
    emails = list(dict.fromkeys(e.strip().lower() for v in values for e in v.split(",") if e.strip()))
    if not 1 <= len(emails) <= 20:
        raise BadRequest(f"emails must list between 1 and 20 e-mail addresses, got {len(emails)}")
    for email in emails:
        if not _EMAIL.match(email):
            raise BadRequest(f"emails must be valid e-mail addresses, got {email[:100]!r}")
    return emails


# ---------------------------------------------------------------- teams


@router.post("", status_code=201, operation_id="teams_create", **declare(Envelope[declared.Team], 201))
async def create_team(body: CreateTeamInput, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    await begin_write(session)
    created = await teams_service.create_team(session, principal.user_id, body.to_command())
    return success(wire(present_team(created.team)))


@router.get("", operation_id="teams_list", **declare(Envelope[list[declared.Team]]))
async def list_teams(principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    teams = await teams_service.list_teams_of(session, principal.user_id)
    return success(wire_all(present_team(t) for t in teams))


@router.get("/{teamId}", operation_id="teams_get", **declare(Envelope[declared.Team]))
async def get_team(caller: Annotated[TeamCaller, TeamMember], session: SessionDep) -> dict[str, Any]:
    return success(wire(present_team(await teams_service.get_team(session, caller.team_id))))


@router.patch("/{teamId}", operation_id="teams_update", **declare(Envelope[declared.Team]))
async def update_team(
    body: UpdateTeamInput, caller: Annotated[TeamCaller, TeamOwner], session: SessionDep
) -> dict[str, Any]:
    return success(wire(present_team(await teams_service.update_team(session, caller.team_id, body.to_changes()))))


@router.delete("/{teamId}", operation_id="teams_delete", **declare(Envelope[declared.Team]))
async def delete_team(caller: Annotated[TeamCaller, TeamOwner], session: SessionDep) -> dict[str, Any]:
    return success(wire(present_team(await teams_service.delete_team(session, caller.team_id))))


# ---------------------------------------------------------------- memberships


@router.post(
    "/{teamId}/memberships",
    status_code=201,
    operation_id="team_memberships_create",
    **declare(Envelope[declared.Membership], 201),
)
async def create_membership(
    body: CreateMembershipInput, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    view = await teams_service.create_membership(session, caller.team_id, body.to_command(), actor=caller.actor)
    return success(wire(present_membership(view)))


@router.get(
    "/{teamId}/memberships", operation_id="team_memberships_list", **declare(Envelope[list[declared.Membership]])
)
async def list_memberships(
    caller: Annotated[TeamCaller, TeamAdmin],
    session: SessionDep,
    take: Take = None,
    skip: Take = None,
    emails: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    views = await teams_service.list_memberships(
        session,
        caller.team_id,
        emails=_emails(emails) if emails else (),
        page=take_skip(take, skip),
    )
    return success(wire_all(present_membership(v) for v in views))


@router.get(
    "/{teamId}/memberships/{membershipId}",
    operation_id="team_memberships_get",
    **declare(Envelope[declared.Membership]),
)
async def get_membership(
    membershipId: int, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    view = await teams_service.get_membership(session, caller.team_id, membershipId)
    return success(wire(present_membership(view)))


@router.patch(
    "/{teamId}/memberships/{membershipId}",
    operation_id="team_memberships_update",
    **declare(Envelope[declared.Membership]),
)
async def update_membership(
    membershipId: int, body: UpdateMembershipInput, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    view = await teams_service.update_membership(
        session, caller.team_id, membershipId, body.to_changes(), actor=caller.actor
    )
    return success(wire(present_membership(view)))


@router.delete(
    "/{teamId}/memberships/{membershipId}",
    operation_id="team_memberships_delete",
    **declare(Envelope[declared.Membership]),
)
async def delete_membership(
    membershipId: int, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    view = await teams_service.delete_membership(session, caller.team_id, membershipId, actor=caller.actor)
    return success(wire(present_membership(view)))
