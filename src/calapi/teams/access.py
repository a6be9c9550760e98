"""Who may call a ``/v2/teams/{teamId}/…`` route: Cal.com's RolesGuard, implemented once.

Use ``TeamAccess = require_team_role(TeamRole.TEAM_ADMIN)`` as a route dependency; it answers
401 without credentials (auth runs first), 403 with Cal.com's messages for non-members and
members below the minimum role, and lets system admins (``users.role = ADMIN``) through.
On writing requests it also starts the transaction as a writer (SQLite ``BEGIN IMMEDIATE``)
since its read is the request's first statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from fastapi import Depends
from starlette.requests import Request

from calapi.core.auth import CurrentPrincipal, Principal
from calapi.core.errors import Forbidden
from calapi.db import SessionDep, begin_write
from calapi.teams import service as teams_service
from calapi.teams.roles import Actor


class TeamRole(IntEnum):
    TEAM_MEMBER = 0
    TEAM_ADMIN = 1
    TEAM_OWNER = 2


_RANK = {"MEMBER": TeamRole.TEAM_MEMBER, "ADMIN": TeamRole.TEAM_ADMIN, "OWNER": TeamRole.TEAM_OWNER}
_READ_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class TeamCaller:
    """The caller of a team route and the team it addressed."""

    principal: Principal
    team_id: int
    role: TeamRole | None  # None: a system admin who is not a member

    @property
    def actor(self) -> Actor:
        """The caller as the membership rules (``calapi.teams.roles``) see them."""
        role = None if self.role is None else self.role.name.removeprefix("TEAM_")
        return Actor(self.principal.user_id, role, self.principal.is_admin)


def require_team_role(minimum: TeamRole) -> Any:
    """A dependency: the caller's membership of path ``teamId`` must reach ``minimum``."""

    async def check(teamId: int, request: Request, principal: CurrentPrincipal, session: SessionDep) -> TeamCaller:
        if request.method not in _READ_METHODS:
            await begin_write(session)
        membership = await teams_service.membership_of(session, teamId, principal.user_id)
        role = _RANK.get(membership.role) if membership is not None and membership.accepted else None
        if principal.is_admin:
            return TeamCaller(principal, teamId, role)
        if membership is None:
            raise Forbidden(f"RolesGuard - User is not a member of the team with id={teamId}.")
        if not membership.accepted:
            raise Forbidden(f"RolesGuard - User has pending invite for team with id={teamId}.")
        if role is None or role < minimum:
            raise Forbidden(
                f"RolesGuard - user with id={principal.user_id} does not have the minimum required "
                f"role={minimum.name} within team with id={teamId}."
            )
        return TeamCaller(principal, teamId, role)

    return Depends(check)


TeamMember = require_team_role(TeamRole.TEAM_MEMBER)
TeamAdmin = require_team_role(TeamRole.TEAM_ADMIN)
TeamOwner = require_team_role(TeamRole.TEAM_OWNER)
