"""The caller's standing in a team, read once: the team-role checks of every API version.

``actor_in`` and ``manages_team`` give v1 routes and the services (slot availability, booking
reassignment) the caller as ``calapi.teams.roles.Actor`` sees them. For ``/v2/teams/{teamId}/…``
routes, ``require_team_role`` is Cal.com's RolesGuard: use ``TeamAdmin`` (etc.) as a route
dependency; it answers 401 without credentials (auth runs first), 403 with Cal.com's messages for
non-members and members below the minimum role, and lets system admins (``users.role = ADMIN``)
through. On writing requests it also starts the transaction as a writer (SQLite ``BEGIN
IMMEDIATE``) since its read is the request's first statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from calapi.core.auth import CurrentPrincipal, Principal
from calapi.core.errors import Forbidden
from calapi.db import SessionDep, begin_write
from calapi.teams import roles
from calapi.teams import service as teams_service
from calapi.teams.roles import Actor


class TeamRole(IntEnum):
    TEAM_MEMBER = 0
    TEAM_ADMIN = 1
    TEAM_OWNER = 2


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


async def actor_in(session: AsyncSession, principal: Principal, team_id: int) -> Actor:
    """The caller as team ``team_id`` sees them: one statement, none for a system admin (the team
    rules let them do anything whatever their own membership)."""
    if principal.is_admin:
        return Actor(principal.user_id, None, system_admin=True)
    membership = await teams_service.membership_of(session, team_id, principal.user_id)
    return Actor(principal.user_id, roles.accepted_role(membership))


def require_team_role(minimum: TeamRole) -> Any:
    """A dependency: the caller's membership of path ``teamId`` must reach ``minimum``."""

    async def check(teamId: int, request: Request, principal: CurrentPrincipal, session: SessionDep) -> TeamCaller:
        if request.method not in _READ_METHODS:
            await begin_write(session)
        membership = await teams_service.membership_of(session, teamId, principal.user_id)
        accepted = roles.accepted_role(membership)
        role = None if accepted is None else TeamRole(roles.rank_of(accepted))
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
