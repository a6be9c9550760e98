"""API v1 ``/teams`` and ``/memberships`` (``?apiKey=``) over the teams service.

Memberships are addressed by ``{userId}_{teamId}``. Unlike Cal.com's v1 (where every non-admin got
403 ``ADMIN needed for `accepted``` because defaults were merged before the check), team OWNERs
and ADMINs can add members; only system admins add them already accepted.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict, Field

from calapi.core import authorization, v1
from calapi.core.api_schemas import V1Message, declare, v1_created, v1_one
from calapi.core.auth import Principal, V1Principal
from calapi.core.envelopes import iso_ms
from calapi.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from calapi.core.presenters import wire, wire_all
from calapi.core.wire import TimeZoneName, WeekDay, sent_values
from calapi.db import SessionDep, begin_write
from calapi.teams import access, roles
from calapi.teams import api_schemas as declared
from calapi.teams import service as teams_service
from calapi.teams.commands import MembershipChanges, NewMembership, NewTeam, TeamChanges
from calapi.teams.models import Membership, Team
from calapi.users import service as users_service
from calapi.users.models import User

router = v1.v1_router(tags=["v1 Teams"])


def present_team(team: Team) -> declared.V1Team:
    return declared.V1Team.model_construct(
        id=team.id,
        name=team.name,
        slug=team.slug,
        bio=team.bio,
        logoUrl=team.logo_url,
        hideBranding=team.hide_branding,
        hideBookATeamMember=team.hide_book_a_team_member,
        isPrivate=team.is_private,
        brandColor=team.brand_color,
        darkBrandColor=team.dark_brand_color,
        theme=team.theme,
        timeZone=team.time_zone,
        weekStart=team.week_start,
        timeFormat=team.time_format,
        metadata=team.team_metadata,
        parentId=team.parent_id,
        isOrganization=team.is_organization,
        pendingPayment=False,
        isPlatform=False,
        createdAt=iso_ms(team.created_at),
    )


def present_membership(membership: Membership) -> declared.V1Membership:
    return declared.V1Membership.model_construct(
        id=membership.id,
        teamId=membership.team_id,
        userId=membership.user_id,
        accepted=membership.accepted,
        role=membership.role,
        disableImpersonation=membership.disable_impersonation,
        createdAt=iso_ms(membership.created_at),
        updatedAt=iso_ms(membership.created_at),
    )


# --- teams ----------------------------------------------------------------------------------------


class EditTeamV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=255)
    slug: str | None = Field(default=None, min_length=1, max_length=255, pattern=r"^[a-z0-9-]+$")
    bio: str | None = None
    logoUrl: str | None = None
    hideBranding: bool | None = None
    hideBookATeamMember: bool | None = None
    isPrivate: bool | None = None
    brandColor: str | None = None
    darkBrandColor: str | None = None
    theme: str | None = None
    timeZone: TimeZoneName | None = None
    weekStart: WeekDay | None = None
    timeFormat: Literal[12, 24] | None = None
    metadata: dict[str, Any] | None = None

    def to_changes(self) -> TeamChanges:
        return TeamChanges.of(**sent_values(self))


class CreateTeamV1(EditTeamV1):
    name: str = Field(min_length=1, max_length=255)
    ownerId: int | None = None

    def to_command(self) -> NewTeam:
        settings = sent_values(self)
        settings.pop("owner_id", None)
        return NewTeam(self.name, TeamChanges.of(**settings))


@router.get("/teams", operation_id="v1_teams_list", **declare(v1_one("teams", list[declared.V1Team])))
async def list_teams(principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    teams = await (
        teams_service.list_all_teams(session)
        if principal.is_admin
        else teams_service.list_teams_of(session, principal.user_id)
    )
    return v1.many("teams", wire_all(present_team(t) for t in teams))


@router.post("/teams", operation_id="v1_teams_create", **declare(declared.V1TeamCreated))
async def create_team(body: CreateTeamV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    await begin_write(session)
    owner_id = authorization.acting_user(principal, body.ownerId, refusal=Unauthorized("ADMIN required for `ownerId`"))
    created = await teams_service.create_team(session, owner_id, body.to_command())
    return wire(
        declared.V1TeamCreated.model_construct(
            team=present_team(created.team),
            owner=present_membership(created.owner),
            # Cal.com wrote "ID=undefined" when ownerId was not sent; calapi names the owner it made.
            message=f"Team created successfully. We also made user with ID={owner_id} the owner of this team.",
        )
    )


async def _visible_team(session: SessionDep, principal: Principal, team_id: int) -> roles.Actor:
    """The caller in the team; a team they are not in answers 404 (as Cal.com's find-or-throw)."""
    actor = await access.actor_in(session, principal, team_id)
    if not actor.is_member:
        raise NotFound(f"Team with id: {team_id} not found")
    return actor


@router.get("/teams/{teamId}", operation_id="v1_teams_get", **declare(v1_one("team", declared.V1Team)))
async def get_team(teamId: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    await _visible_team(session, principal, teamId)
    with v1.reworded(not_found=NotFound(f"Team with id: {teamId} not found")):
        return v1.one("team", wire(present_team(await teams_service.get_team(session, teamId))))


@router.patch("/teams/{teamId}", operation_id="v1_teams_update", **declare(v1_one("team", declared.V1Team)))
async def update_team(teamId: int, body: EditTeamV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    await begin_write(session)
    if not (await _visible_team(session, principal, teamId)).manages:
        raise Unauthorized("Unauthorized: OWNER or ADMIN required")
    with v1.reworded(not_found=NotFound(f"Team with id: {teamId} not found")):
        team = await teams_service.update_team(session, teamId, body.to_changes())
    return v1.one("team", wire(present_team(team)))


@router.delete("/teams/{teamId}", operation_id="v1_teams_delete", **declare(V1Message))
async def delete_team(teamId: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    await begin_write(session)
    if not (await _visible_team(session, principal, teamId)).owns:
        raise Unauthorized("Unauthorized: OWNER or ADMIN role required")
    with v1.reworded(not_found=NotFound(f"Team with id: {teamId} not found")):
        await teams_service.delete_team(session, teamId)
    return v1.deleted("Team", teamId)


# --- memberships -------------------------------------------------------------------------------


Role = Literal["MEMBER", "ADMIN", "OWNER"]


class CreateMembershipV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    userId: int
    teamId: int
    role: Role = "MEMBER"
    accepted: bool = False
    disableImpersonation: bool = False

    def to_command(self) -> NewMembership:
        return NewMembership(self.userId, self.role, self.accepted, self.disableImpersonation)


class EditMembershipV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted: bool | None = None
    role: Role | None = None
    disableImpersonation: bool | None = None

    def to_changes(self) -> MembershipChanges:
        return MembershipChanges.of(**sent_values(self))


def _ids(raw: str) -> tuple[int, int]:
    return v1.split_compound_id(raw, ("userId", "teamId"))


async def _membership(
    session: SessionDep, principal: Principal, user_id: int, team_id: int
) -> tuple[Membership, roles.Actor]:
    """The membership and the caller in its team; visible to the member, the team's ADMIN/OWNER and system admins."""
    membership = await teams_service.membership_of(session, team_id, user_id)
    actor = await access.actor_in(session, principal, team_id)
    if membership is None or not (actor.manages or user_id == principal.user_id):
        raise NotFound(f"Membership with id: {user_id}_{team_id} not found")
    return membership, actor


@router.get(
    "/memberships", operation_id="v1_memberships_list", **declare(v1_one("memberships", list[declared.V1Membership]))
)
async def list_memberships(
    principal: V1Principal,
    session: SessionDep,
    userId: Annotated[list[int], Query()] = [],  # noqa: B006
    teamId: Annotated[list[int], Query()] = [],  # noqa: B006
) -> dict[str, Any]:
    if teamId:
        authorization.require_admin(principal, Forbidden("ADMIN required"))
    users = authorization.user_filter(principal, userId, refusal=Forbidden("ADMIN required"))
    rows = await teams_service.list_memberships_where(session, user_ids=users, team_ids=teamId)
    return v1.many("memberships", wire_all(present_membership(m) for m in rows))


@router.post(
    "/memberships", operation_id="v1_memberships_create", **declare(v1_created("membership", declared.V1Membership))
)
async def create_membership(body: CreateMembershipV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    await begin_write(session)
    actor = await access.actor_in(session, principal, body.teamId)
    if not actor.manages:
        raise Forbidden("You can't add members to this team")
    if body.accepted:  # an invite is accepted by the invited user
        authorization.require_admin(principal, Forbidden("ADMIN needed for `accepted`"))
    with v1.reworded(not_found=NotFound("Team or user not found")):
        view = await teams_service.create_membership(session, body.teamId, body.to_command(), actor=actor)
    return v1.created("membership", wire(present_membership(view.membership)), "Membership")


@router.get(
    "/memberships/{id}", operation_id="v1_memberships_get", **declare(v1_one("membership", declared.V1Membership))
)
async def get_membership(id: str, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user_id, team_id = _ids(id)
    membership, _ = await _membership(session, principal, user_id, team_id)
    return v1.one("membership", wire(present_membership(membership)))


@router.patch(
    "/memberships/{id}", operation_id="v1_memberships_update", **declare(v1_one("membership", declared.V1Membership))
)
async def update_membership(
    id: str, body: EditMembershipV1, principal: V1Principal, session: SessionDep
) -> dict[str, Any]:
    await begin_write(session)
    user_id, team_id = _ids(id)
    membership, actor = await _membership(session, principal, user_id, team_id)
    changes = body.to_changes()
    if changes.given("accepted"):
        authorization.ensure_owner(principal, user_id, refusal=Forbidden("Only the invited user can accept the invite"))
    if (changes.given("role") or changes.given("disable_impersonation")) and not actor.manages:
        raise Forbidden("Forbidden")
    view = await teams_service.update_membership(session, team_id, membership.id, changes, actor=actor)
    return v1.one("membership", wire(present_membership(view.membership)))


@router.delete("/memberships/{id}", operation_id="v1_memberships_delete", **declare(V1Message))
async def delete_membership(id: str, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    await begin_write(session)
    user_id, team_id = _ids(id)
    membership, actor = await _membership(session, principal, user_id, team_id)
    if not (actor.manages or user_id == principal.user_id):
        raise Forbidden("Forbidden")
    await teams_service.delete_membership(session, team_id, membership.id, actor=actor)
    return v1.deleted("Membership", id)


# --- publish ---------------------------------------------------------------------------------------


@router.patch("/teams/{teamId}/publish", operation_id="v1_teams_publish", **declare(declared.V1TeamPublished))
async def publish_team(teamId: int, request: Request, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    """Cal.com publishes a team once its billing allows; calapi has no billing and every team is
    live from creation, so this answers as Cal.com does when team billing is off."""
    if not (await _visible_team(session, principal, teamId)).manages:
        raise Unauthorized("Unauthorized: OWNER or ADMIN role required")
    with v1.reworded(not_found=NotFound(f"Team with id: {teamId} not found")):
        await teams_service.get_team(session, teamId)
    base = str(request.base_url).rstrip("/")
    published = declared.V1TeamPublished.model_construct(
        url=f"{base}/settings/teams/{teamId}/profile", message="Team published successfully"
    )
    return wire(published)


# --- invites ----------------------------------------------------------------------------------------


class InviteeV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    role: Role


class InviteV1(BaseModel):
    model_config = ConfigDict(extra="ignore")  # Cal.com's schema strips unknown keys (so ``accepted`` is dropped)

    teamId: int
    usernameOrEmail: str | list[str | InviteeV1] = Field(min_length=1)
    role: Role = "MEMBER"
    language: str | None = None  # Cal.com requires it for its invitation e-mail; calapi sends none


def _invitees(body: InviteV1) -> list[tuple[str, Role]]:
    if isinstance(body.usernameOrEmail, str):
        return [(body.usernameOrEmail.strip().lower(), body.role)]
    found: list[tuple[str, Role]] = []
    for item in body.usernameOrEmail:
        ident, role = (
            (item.strip().lower(), body.role) if isinstance(item, str) else (item.email.strip().lower(), item.role)
        )
        if "@" not in ident:
            raise BadRequest("Bulk invitations are restricted to email addresses only.")
        found.append((ident, role))
    return found


async def _invitee_user(session: SessionDep, ident: str) -> User:
    missing = NotFound(f"No user with username or email {ident}")
    if "@" not in ident:
        user = await users_service.by_username(session, ident)
        if user is None:
            raise missing
        return user
    with v1.reworded(not_found=missing):
        return await users_service.find(session, ident)


@router.post("/invites", operation_id="v1_invites_create", **declare(declared.V1Invited))
async def invite_members(body: InviteV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    """Invite existing calapi users to a team: each gets a pending membership (``accepted: false``)
    that they accept with ``PATCH /memberships/{userId}_{teamId}``. calapi sends no e-mail and
    creates no user: a username or e-mail nobody has is 404."""
    await begin_write(session)
    actor = await access.actor_in(session, principal, body.teamId)
    if not actor.manages:
        raise Forbidden("You can't add members to this team")
    invitees = _invitees(body)
    for _, member_role in invitees:  # refuse before looking anyone up
        roles.check_grant(actor, member_role)
    for ident, member_role in invitees:
        user = await _invitee_user(session, ident)
        with v1.reworded(not_found=NotFound(f"Team with id: {body.teamId} not found")):
            invite = NewMembership(user.id, member_role, accepted=False)
            await teams_service.create_membership(session, body.teamId, invite, actor=actor)
    named = ",".join(ident for ident, _ in invitees)  # trimmed and lower-cased, as Cal.com echoes them
    return wire(declared.V1Invited.model_construct(success=True, message=f"{named} has been invited."))
