"""Whose bookings a caller's insights cover (for a team: its membership, then its event types).

- ``user`` scope: the bookings the caller hosts (organizer or co-host). A system admin may name
  another user (``userId``), as everywhere (``core.authorization.acting_user``); anyone else who
  names another user is refused.
- ``team`` scope: the bookings of the team's event types. The team's ADMINs and OWNERs (and
  system admins) see them all and may narrow them to one host; a MEMBER sees only the bookings
  they host, and is refused another member's. A caller who is not an accepted member is refused
  with Cal.com's RolesGuard texts, whether or not the team exists, so team ids cannot be probed.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from calapi.core import authorization
from calapi.core.auth import Principal
from calapi.core.errors import BadRequest, Forbidden
from calapi.event_types.team_service import team_event_type_ids
from calapi.insights.query import Audience, InsightsQuery, Scope
from calapi.teams import roles
from calapi.teams import service as teams_service
from calapi.teams.roles import Actor

TEAM_REQUIRED = "selectedTeamId is required when scope is team"
ONE_HOST = "userId filters one user at a time"


def _not_member(team_id: int) -> Forbidden:
    return Forbidden(f"RolesGuard - User is not a member of the team with id={team_id}.")


def _pending(team_id: int) -> Forbidden:
    return Forbidden(f"RolesGuard - User has pending invite for team with id={team_id}.")


def _below_admin(user_id: int, team_id: int) -> Forbidden:
    return Forbidden(
        f"RolesGuard - user with id={user_id} does not have the minimum required role=TEAM_ADMIN "
        f"within team with id={team_id}."
    )


def _only_own(user_id: int) -> Forbidden:
    return Forbidden(f"Insights in the user scope cover your own bookings only; userId={user_id} is another user.")


async def team_actor(session: AsyncSession, principal: Principal, team_id: int) -> Actor:
    """The caller as the team sees them; refused unless an accepted member (or a system admin)."""
    if principal.is_admin:
        await teams_service.get_team(session, team_id)  # a system admin learns that a team does not exist
        return Actor(principal.user_id, None, system_admin=True)
    membership = await teams_service.membership_of(session, team_id, principal.user_id)
    if membership is None:
        raise _not_member(team_id)
    if not membership.accepted:
        raise _pending(team_id)
    return Actor(principal.user_id, roles.accepted_role(membership))


async def audience_for(session: AsyncSession, principal: Principal, query: InsightsQuery) -> Audience:
    hosts = query.filters.host_ids
    if len(set(hosts)) > 1:
        raise BadRequest(ONE_HOST)
    named = hosts[0] if hosts else None
    if query.scope is Scope.user:
        host = authorization.acting_user(principal, named, refusal=_only_own(named or 0))
        return Audience(team_id=None, host_id=host)
    if query.team_id is None:
        raise BadRequest(TEAM_REQUIRED)
    actor = await team_actor(session, principal, query.team_id)
    if not actor.manages and named is not None and named != principal.user_id:
        raise _below_admin(principal.user_id, query.team_id)
    types = tuple(await session.scalars(team_event_type_ids([query.team_id])))
    return Audience(team_id=query.team_id, host_id=named if actor.manages else principal.user_id, event_type_ids=types)
