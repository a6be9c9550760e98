"""Teams and memberships (``/v2/teams``, ``/v2/teams/{teamId}/memberships``, and v1's).

Roles are ``MEMBER < ADMIN < OWNER``; who may call which route is decided once, by
``calapi.teams.access.require_team_role`` (v1: its own guards), and what a caller may do to a
membership by ``calapi.teams.roles``, applied here so that every router gets it. Everything here is scoped by ``team_id``: a row of
another team answers 404 as if it did not exist.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.core.errors import BadRequest, Conflict, NotFound
from calapi.teams import roles
from calapi.teams.commands import MembershipChanges, NewMembership, NewTeam, TeamChanges
from calapi.teams.models import Membership, MembershipRole, Team
from calapi.users.models import User

RECORD_EXISTS = "Invalid Input: Trying to create a record that already exists."

# Command fields stored under another column name.
_COLUMN_OF = {"metadata": "team_metadata"}


def slugify(name: str, empty: str = "team") -> str:
    """Cal.com's slugify, near enough: ASCII, lower case, words joined by '-' (``empty`` when no
    letter or digit is left)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text or empty


def _team_not_found(team_id: int) -> NotFound:
    return NotFound(f"Team with id={team_id} not found")


def _membership_not_found(membership_id: int, team_id: int) -> NotFound:
    return NotFound(f"Membership with id {membership_id} not found in team {team_id}")


# ---------------------------------------------------------------- what follows memberships

# (session, team_id, user_id) -> None
MemberChange = Callable[[AsyncSession, int, int], Awaitable[None]]


@dataclass
class _MembershipFollower:
    joined: MemberChange | None = None
    left: MemberChange | None = None


_follower = _MembershipFollower()


def follow_memberships(*, joined: MemberChange, left: MemberChange) -> None:
    """Register what happens to team event types when a member is accepted or leaves.

    Team event types read teams and memberships, so they sit above teams; their host sync is
    registered here at start-up (``calapi.wiring``) rather than imported, so teams never import
    event types. Registering again replaces the previous registration.
    """
    _follower.joined, _follower.left = joined, left


async def _member_joined(session: AsyncSession, team_id: int, user_id: int) -> None:
    if _follower.joined is None:
        raise RuntimeError("team memberships have no follower: call calapi.wiring.register_domain_hooks() at start-up")
    await _follower.joined(session, team_id, user_id)


async def _member_left(session: AsyncSession, team_id: int, user_id: int) -> None:
    if _follower.left is None:
        raise RuntimeError("team memberships have no follower: call calapi.wiring.register_domain_hooks() at start-up")
    await _follower.left(session, team_id, user_id)


# ---------------------------------------------------------------- roles


async def membership_of(session: AsyncSession, team_id: int, user_id: int) -> Membership | None:
    return await session.scalar(select(Membership).where(Membership.team_id == team_id, Membership.user_id == user_id))


async def accepted_member_ids(session: AsyncSession, team_id: int, user_ids: Iterable[int] | None = None) -> list[int]:
    """Accepted members of the team (all, or those of ``user_ids``), in joining order; one statement."""
    query = select(Membership.user_id).where(Membership.team_id == team_id, Membership.accepted.is_(True))
    if user_ids is not None:
        query = query.where(Membership.user_id.in_(sorted(set(user_ids))))
    return list(await session.scalars(query.order_by(Membership.id)))


# ---------------------------------------------------------------- teams


async def get_team(session: AsyncSession, team_id: int) -> Team:
    team = await session.get(Team, team_id)
    if team is None:
        raise _team_not_found(team_id)
    return team


async def _check_slug_free(session: AsyncSession, slug: str, *, except_id: int | None = None) -> None:
    query = select(Team.id).where(Team.slug == slug)
    if except_id is not None:
        query = query.where(Team.id != except_id)
    if await session.scalar(query.limit(1)) is not None:
        raise BadRequest(f"Team with slug {slug} already exists")


def _apply(team: Team, changes: TeamChanges) -> None:
    for name, value in changes.values().items():
        setattr(team, _COLUMN_OF.get(name, name), value)


@dataclass(frozen=True)
class CreatedTeam:
    team: Team
    owner: Membership  # the creator's OWNER membership


async def create_team(session: AsyncSession, creator_id: int, command: NewTeam) -> CreatedTeam:
    """A new team; the creator becomes its OWNER (accepted unless ``auto_accept_creator`` is false)."""
    name = command.name
    clash = await session.scalar(select(Team.id).where(Team.created_by_id == creator_id, Team.name == name).limit(1))
    if clash is not None:
        raise BadRequest(f"You already have created a team with name={name}")
    slug = command.settings.slug or slugify(name)
    await _check_slug_free(session, slug)
    team = Team(
        name=name,
        slug=slug,
        created_by_id=creator_id,
        hide_branding=False,
        is_organization=False,
        is_private=False,
        hide_book_a_team_member=False,
        include_managed_events_in_limits=False,
        time_zone="Europe/London",
        week_start="Sunday",
    )
    _apply(team, command.settings)
    session.add(team)
    await _flush_unique(session, f"Team with slug {team.slug} already exists")
    owner = Membership(
        team_id=team.id,
        user_id=creator_id,
        role=MembershipRole.OWNER.value,
        accepted=command.auto_accept_creator,
        disable_impersonation=False,
    )
    session.add(owner)
    await session.flush()
    return CreatedTeam(team, owner)


async def list_teams_of(session: AsyncSession, user_id: int) -> list[Team]:
    """Teams the user is a member of (accepted or invited), oldest first."""
    query = (
        select(Team)
        .join(Membership, Membership.team_id == Team.id)
        .where(Membership.user_id == user_id)
        .order_by(Team.id)
    )
    return list(await session.scalars(query))


async def list_teams_managed_by(session: AsyncSession, user_id: int) -> list[Team]:
    """Teams the user runs (an accepted ADMIN or OWNER), oldest first; one statement."""
    query = select(Team).where(Team.id.in_(roles.teams_managed_by(user_id))).order_by(Team.id)
    return list(await session.scalars(query))


async def update_team(session: AsyncSession, team_id: int, changes: TeamChanges) -> Team:
    team = await get_team(session, team_id)
    if changes.slug is not None and changes.slug != team.slug:
        await _check_slug_free(session, changes.slug, except_id=team.id)
    _apply(team, changes)
    await _flush_unique(session, f"Team with slug {team.slug} already exists")
    return team


async def delete_team(session: AsyncSession, team_id: int) -> Team:
    """Delete the team with its memberships and team event types (the database cascades)."""
    team = await get_team(session, team_id)
    await session.delete(team)
    await session.flush()
    return team


async def _flush_unique(session: AsyncSession, message: str) -> None:
    try:
        await session.flush()
    except IntegrityError as error:  # a concurrent writer took the unique value between check and insert
        raise BadRequest(message) from error


# ---------------------------------------------------------------- memberships


@dataclass(frozen=True)
class MembershipView:
    membership: Membership
    user: User


async def _membership_view(session: AsyncSession, team_id: int, membership_id: int) -> MembershipView:
    row = (
        await session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.id == membership_id, Membership.team_id == team_id)
        )
    ).first()
    if row is None:
        raise _membership_not_found(membership_id, team_id)
    return MembershipView(row[0], row[1])


async def _accepted_owner_count(session: AsyncSession, team_id: int) -> int:
    """The team's accepted OWNERs, their rows locked (PostgreSQL) so that two owners demoting each
    other at once cannot both see the other as the remaining owner."""
    rows = await session.scalars(
        select(Membership.id)
        .where(
            Membership.team_id == team_id, Membership.role == MembershipRole.OWNER.value, Membership.accepted.is_(True)
        )
        .with_for_update()
    )
    return len(rows.all())


async def _check_owner_remains(session: AsyncSession, target: Membership, changes: MembershipChanges | None) -> None:
    if roles.loses_an_owner(target, changes):
        roles.check_owner_remains(target, changes, await _accepted_owner_count(session, target.team_id))


async def create_membership(
    session: AsyncSession, team_id: int, command: NewMembership, *, actor: roles.Actor
) -> MembershipView:
    await get_team(session, team_id)
    roles.check_grant(actor, command.role)
    user = await session.get(User, command.user_id)
    if user is None:
        raise NotFound(f"User with id={command.user_id} not found")
    if await membership_of(session, team_id, user.id) is not None:
        raise Conflict(RECORD_EXISTS)
    membership = Membership(
        team_id=team_id,
        user_id=user.id,
        accepted=command.accepted,
        role=command.role,
        disable_impersonation=command.disable_impersonation,
    )
    session.add(membership)
    try:
        await session.flush()
    except IntegrityError as error:
        raise Conflict(RECORD_EXISTS) from error
    if membership.accepted:
        await _member_joined(session, team_id, user.id)
    return MembershipView(membership, user)


async def list_memberships(
    session: AsyncSession, team_id: int, *, emails: Sequence[str] = (), page: tuple[int, int] = (250, 0)
) -> list[MembershipView]:
    """One page of the team's memberships with their users, in one statement."""
    query = select(Membership, User).join(User, User.id == Membership.user_id).where(Membership.team_id == team_id)
    if emails:
        query = query.where(func.lower(User.email).in_(list(emails)))
    take, skip = page
    rows = await session.execute(query.order_by(Membership.id).offset(skip).limit(take))
    return [MembershipView(m, u) for m, u in rows.all()]


async def get_membership(session: AsyncSession, team_id: int, membership_id: int) -> MembershipView:
    return await _membership_view(session, team_id, membership_id)


async def update_membership(
    session: AsyncSession, team_id: int, membership_id: int, changes: MembershipChanges, *, actor: roles.Actor
) -> MembershipView:
    view = await _membership_view(session, team_id, membership_id)
    membership = view.membership
    roles.check_update(actor, membership, changes)
    await _check_owner_remains(session, membership, changes)
    was_accepted = membership.accepted
    for name, value in changes.values().items():
        setattr(membership, name, value)
    await session.flush()
    if membership.accepted and not was_accepted:
        await _member_joined(session, team_id, membership.user_id)
    elif was_accepted and not membership.accepted:
        await _member_left(session, team_id, membership.user_id)
    return view


async def delete_membership(
    session: AsyncSession, team_id: int, membership_id: int, *, actor: roles.Actor
) -> MembershipView:
    """Delete and return the membership; the user stops hosting the team's event types."""
    view = await _membership_view(session, team_id, membership_id)
    roles.check_delete(actor, view.membership)
    await _check_owner_remains(session, view.membership, None)
    await _member_left(session, team_id, view.membership.user_id)
    await session.delete(view.membership)
    await session.flush()
    return view


async def member_user_ids(session: AsyncSession, team_id: int) -> list[int]:
    """Every member's user id (accepted or invited), in joining order — one statement."""
    return list(
        await session.scalars(select(Membership.user_id).where(Membership.team_id == team_id).order_by(Membership.id))
    )


# ---------------------------------------------------------------- API v1 (/teams, /memberships)


async def list_all_teams(session: AsyncSession) -> list[Team]:
    """Every team, oldest first (a system admin's v1 list)."""
    return list(await session.scalars(select(Team).order_by(Team.id)))


async def list_memberships_where(
    session: AsyncSession, *, user_ids: Sequence[int] | None, team_ids: Sequence[int] = ()
) -> list[Membership]:
    """Memberships of these users (None: anyone's), optionally of these teams, oldest first; one statement."""
    query = select(Membership)
    if user_ids is not None:
        query = query.where(Membership.user_id.in_(list(user_ids)))
    if team_ids:
        query = query.where(Membership.team_id.in_(list(team_ids)))
    return list(await session.scalars(query.order_by(Membership.id)))
