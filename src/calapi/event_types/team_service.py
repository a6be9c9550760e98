"""Team event types (``/v2/teams/{teamId}/event-types``): collective, round-robin and managed.

A team event type is an ``EventType`` row with ``team_id`` set and no owner; its hosts are
``Host`` rows (accepted team members only). The event-type fields are validated and stored by
``event_types.service`` exactly as for personal event types.

Managed event types: the parent has no slots of its own; each assigned member gets a child — an
ordinary personal event type of that member (``owner_id`` = member, ``parent_id`` = parent) that
copies the parent's fields. Children follow the parent: created and removed as hosts change,
updated with it, deleted with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import and_, delete, func, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from calapi.core.errors import BadRequest, NotFound
from calapi.event_types import service as event_types_service
from calapi.event_types.commands import Document, HostChoice, NewTeamEventType, TeamEventTypeChanges
from calapi.event_types.models import EventType, EventTypeCustomInput, Host
from calapi.event_types.service import SlotEventType
from calapi.teams import roles
from calapi.teams import service as teams_service
from calapi.teams.models import Membership, MembershipRole, Team
from calapi.users.models import User

MANAGED = "MANAGED"
# What a managed child does not copy from its parent: identity, ownership and the schedule
# (a child uses its member's own default schedule).
_NOT_COPIED = frozenset(
    {
        "id",
        "owner_id",
        "team_id",
        "parent_id",
        "scheduling_type",
        "assign_all_team_members",
        "schedule_id",
        "created_at",
        "updated_at",
    }
)


@dataclass(frozen=True)
class HostView:
    host: Host
    user: User


@dataclass(frozen=True)
class TeamEventTypeView:
    event_type: EventType
    team: Team
    hosts: tuple[HostView, ...]
    owner: User | None = None  # a managed child's member
    destination: Document | None = None  # where its bookings are written (``destinations_of``)


def _not_found(event_type_id: int) -> NotFound:
    return NotFound(f"Event type with ID={event_type_id} does not exist.")


async def _load(session: AsyncSession, team_id: int, event_type_id: int) -> EventType:
    """The team's event type; another team's (or a personal one) answers 404."""
    event_type = await session.get(EventType, event_type_id)
    if event_type is None or event_type.team_id != team_id:
        raise _not_found(event_type_id)
    return event_type


async def _wanted_hosts(
    session: AsyncSession, team_id: int, hosts: Sequence[HostChoice] | None, assign_all: bool
) -> list[HostChoice]:
    """The hosts to store: every accepted member, or the given hosts (each an accepted member)."""
    if assign_all:
        return [HostChoice(uid) for uid in await teams_service.accepted_member_ids(session, team_id)]
    hosts = list(hosts or ())
    members = set(await teams_service.accepted_member_ids(session, team_id, [h.user_id for h in hosts]))
    for index, host in enumerate(hosts):
        if host.user_id not in members:
            raise BadRequest(
                f"hosts[{index}]: user with id={host.user_id} is not an accepted member of team with id={team_id}"
            )
    return hosts


async def _write_hosts(session: AsyncSession, event_type: EventType, wanted: Sequence[HostChoice]) -> None:
    """Replace the event type's hosts (two statements)."""
    await session.execute(delete(Host).where(Host.event_type_id == event_type.id))
    session.add_all(
        Host(event_type_id=event_type.id, user_id=h.user_id, is_fixed=h.mandatory, priority=h.priority, weight=h.weight)
        for h in wanted
    )
    await session.flush()


def _copy_parent(parent: EventType, child: EventType) -> None:
    for attr in inspect(EventType).column_attrs:
        if attr.key not in _NOT_COPIED:
            value = getattr(parent, attr.key)
            setattr(child, attr.key, value.copy() if isinstance(value, (dict, list)) else value)


async def _sync_children(session: AsyncSession, parent: EventType, user_ids: Sequence[int]) -> None:
    """Make the managed parent's children exactly one per user in ``user_ids``, each a copy of the parent."""
    children = {c.owner_id: c for c in await session.scalars(select(EventType).where(EventType.parent_id == parent.id))}
    wanted = list(dict.fromkeys(user_ids))
    gone = [c.id for owner, c in children.items() if owner not in wanted]
    if gone:
        await session.execute(delete(EventType).where(EventType.id.in_(gone)))
        for owner in [o for o in children if o not in wanted]:
            session.expunge(children.pop(owner))
    # One statement for every member: does someone already own another event type with this slug?
    own_children = [c.id for c in children.values()]
    clash = await session.scalar(
        select(User.username)
        .join(EventType, EventType.owner_id == User.id)
        .where(EventType.owner_id.in_(wanted), EventType.slug == parent.slug, EventType.id.not_in(own_children))
        .limit(1)
    )
    if clash is not None:
        raise BadRequest(
            f"User {clash} already has an event type with slug {parent.slug}: pick another slug for the managed event type."
        )
    for user_id in wanted:
        child = children.get(user_id)
        if child is None:
            child = EventType(
                owner_id=user_id, parent_id=parent.id, scheduling_type=MANAGED, assign_all_team_members=False
            )
            session.add(child)
        _copy_parent(parent, child)
    await event_types_service.flush_event_types(session)


async def _hosts_of(session: AsyncSession, event_type_ids: Sequence[int]) -> dict[int, list[HostView]]:
    """Hosts with their users for several event types, in one statement."""
    grouped: dict[int, list[HostView]] = {i: [] for i in event_type_ids}
    if not event_type_ids:
        return grouped
    rows = await session.execute(
        select(Host, User)
        .join(User, User.id == Host.user_id)
        .where(Host.event_type_id.in_(list(event_type_ids)))
        .order_by(Host.id)
    )
    for host, user in rows.all():
        grouped[host.event_type_id].append(HostView(host, user))
    return grouped


async def _views_with_children(session: AsyncSession, parent: EventType, team: Team) -> list[TeamEventTypeView]:
    hosts = await _hosts_of(session, [parent.id])
    destination = (await event_types_service.destinations_of(session, [parent.id])).get(parent.id)
    views = [TeamEventTypeView(parent, team, tuple(hosts[parent.id]), destination=destination)]
    if parent.scheduling_type == MANAGED:
        rows = await session.execute(
            select(EventType, User)
            .join(User, User.id == EventType.owner_id)
            .where(EventType.parent_id == parent.id)
            .order_by(EventType.id)
        )
        views += [TeamEventTypeView(child, team, (), owner=user) for child, user in rows.all()]
    return views


async def create(
    session: AsyncSession, team_id: int, command: NewTeamEventType, *, caller_id: int
) -> list[TeamEventTypeView]:
    """A new team event type; for managed ones also its children. Answer: [event type, …children].
    ``caller_id``: whose connected calendar a ``destinationCalendar`` must be."""
    team = await teams_service.get_team(session, team_id)
    fields = command.event_type.fields
    await event_types_service.check_slug_free(session, command.event_type.slug, team_id=team_id)
    if fields.schedule_id is not None:
        await _check_team_schedule(session, team_id, fields.schedule_id)
    wanted = await _wanted_hosts(session, team_id, command.hosts, command.assign_all_team_members)
    event_type = event_types_service.new_event_type(command.event_type, team_id=team_id)
    event_type.scheduling_type = command.scheduling_type
    event_type.assign_all_team_members = command.assign_all_team_members
    session.add(event_type)
    await event_types_service.flush_event_types(session)
    await event_types_service.follow_destination(session, caller_id, event_type, fields)
    await _write_hosts(session, event_type, wanted)
    if event_type.scheduling_type == MANAGED:
        await _sync_children(session, event_type, [h.user_id for h in wanted])
    return await _views_with_children(session, event_type, team)


async def get(session: AsyncSession, team_id: int, event_type_id: int) -> TeamEventTypeView:
    event_type = await _load(session, team_id, event_type_id)
    team = await teams_service.get_team(session, team_id)
    hosts = await _hosts_of(session, [event_type.id])
    destination = (await event_types_service.destinations_of(session, [event_type.id])).get(event_type.id)
    return TeamEventTypeView(event_type, team, tuple(hosts[event_type.id]), destination=destination)


async def list_for_team(
    session: AsyncSession, team_id: int, *, event_slug: str | None = None, newest_first: bool = False
) -> list[TeamEventTypeView]:
    """The team's event types with hosts: three statements whatever their number."""
    team = await teams_service.get_team(session, team_id)
    query = select(EventType).where(EventType.team_id == team_id)
    if event_slug is not None:
        query = query.where(EventType.slug == event_slug)
    event_types = list(await session.scalars(query.order_by(EventType.id.desc() if newest_first else EventType.id)))
    hosts = await _hosts_of(session, [e.id for e in event_types])
    destinations = await event_types_service.destinations_of(session, [e.id for e in event_types])
    return [TeamEventTypeView(e, team, tuple(hosts[e.id]), destination=destinations.get(e.id)) for e in event_types]


@dataclass(frozen=True)
class TeamGroup:
    """A team's event types as one of its accepted members sees them."""

    team: Team
    role: str  # the member's role
    member_count: int  # memberships, accepted or invited
    event_types: tuple[TeamEventTypeView, ...]  # managed ones are left out for a MEMBER


@dataclass(frozen=True)
class ViewerEventTypes:
    """Every event type a user works with: their own, then those of each team they have accepted."""

    owner: User
    own: tuple[EventType, ...]  # managed children (their copies of a team's managed event types) left out
    teams: tuple[TeamGroup, ...]  # oldest team first; organizations left out
    custom_inputs: dict[int, list[EventTypeCustomInput]]  # of the own event types, by event type id


async def list_by_viewer(session: AsyncSession, user_id: int) -> ViewerEventTypes:
    """The user's event types and their teams' — six statements whatever the number of teams."""
    listing = await event_types_service.list_visible(session, user_id)
    assert listing.owner is not None  # the caller exists
    own = tuple(e for e in listing.event_types if e.scheduling_type != MANAGED)
    teams = (
        await session.execute(
            select(Team, Membership.role)
            .join(Membership, Membership.team_id == Team.id)
            .where(Membership.user_id == user_id, Membership.accepted.is_(True), Team.is_organization.is_(False))
            .order_by(Team.id)
        )
    ).all()
    team_ids = [team.id for team, _ in teams]
    counts: dict[int, int] = {}
    by_team: dict[int, list[EventType]] = {team_id: [] for team_id in team_ids}
    if team_ids:
        count_rows = await session.execute(
            select(Membership.team_id, func.count())
            .where(Membership.team_id.in_(team_ids))
            .group_by(Membership.team_id)
        )
        counts = dict(count_rows.all())
        for event_type in await session.scalars(
            select(EventType).where(EventType.team_id.in_(team_ids)).order_by(EventType.id)
        ):
            by_team[cast(int, event_type.team_id)].append(event_type)  # one of team_ids
    hosts = await _hosts_of(session, [e.id for event_types in by_team.values() for e in event_types])
    groups = tuple(
        TeamGroup(
            team,
            role,
            counts.get(team.id, 0),
            tuple(
                TeamEventTypeView(e, team, tuple(hosts[e.id]))
                for e in by_team[team.id]
                if not (role == MembershipRole.MEMBER.value and e.scheduling_type == MANAGED)
            ),
        )
        for team, role in teams
    )
    return ViewerEventTypes(listing.owner, own, groups, listing.custom_inputs)


async def update(
    session: AsyncSession, team_id: int, event_type_id: int, changes: TeamEventTypeChanges, *, caller_id: int
) -> list[TeamEventTypeView]:
    """Change the event type (the scheduling type is fixed at creation); managed children follow.
    ``caller_id``: whose connected calendar a ``destinationCalendar`` must be."""
    event_type = await _load(session, team_id, event_type_id)
    team = await teams_service.get_team(session, team_id)
    fields = changes.fields
    if fields.slug is not None and fields.slug != event_type.slug:
        await event_types_service.check_slug_free(session, fields.slug, team_id=team_id, except_id=event_type.id)
    if fields.schedule_id is not None:
        await _check_team_schedule(session, team_id, fields.schedule_id)
    event_types_service.apply_changes(event_type, fields)
    if changes.assign_all_team_members is not None:
        event_type.assign_all_team_members = changes.assign_all_team_members
    await event_types_service.flush_event_types(session)
    await event_types_service.follow_destination(session, caller_id, event_type, fields)
    # Hosts change when new ones are given, or when assignAllTeamMembers is switched on (all members).
    if changes.hosts is not None or changes.assign_all_team_members is True:
        wanted = await _wanted_hosts(session, team_id, changes.hosts, event_type.assign_all_team_members)
        await _write_hosts(session, event_type, wanted)
    if event_type.scheduling_type == MANAGED:
        user_ids = list(
            await session.scalars(select(Host.user_id).where(Host.event_type_id == event_type.id).order_by(Host.id))
        )
        await _sync_children(session, event_type, user_ids)
    return await _views_with_children(session, event_type, team)


async def delete_event_type(session: AsyncSession, team_id: int, event_type_id: int) -> EventType:
    """Delete the event type, its hosts and (managed) its children; return the deleted row."""
    event_type = await _load(session, team_id, event_type_id)
    await session.execute(delete(EventType).where(EventType.parent_id == event_type.id))
    await session.delete(event_type)
    await session.flush()
    return event_type


async def _check_team_schedule(session: AsyncSession, team_id: int, schedule_id: int) -> None:
    """A team event type's own schedule (used for every host, as Cal.com) must be a member's."""
    from calapi.schedules.models import Schedule

    owner_id = await session.scalar(select(Schedule.user_id).where(Schedule.id == schedule_id))
    members = await teams_service.accepted_member_ids(session, team_id, [owner_id] if owner_id is not None else [])
    if owner_id is None or not members:
        raise NotFound(f"Schedule with ID={schedule_id} does not belong to a member of team with id={team_id}")


# ---------------------------------------------------------------- memberships change hosts


async def add_member_to_assign_all(session: AsyncSession, team_id: int, user_id: int) -> None:
    """A newly accepted member hosts every team event type that assigns all members."""
    event_types = list(
        await session.scalars(
            select(EventType).where(EventType.team_id == team_id, EventType.assign_all_team_members.is_(True))
        )
    )
    if not event_types:
        return
    hosting = set(
        await session.scalars(
            select(Host.event_type_id).where(
                Host.user_id == user_id, Host.event_type_id.in_([e.id for e in event_types])
            )
        )
    )
    for event_type in event_types:
        if event_type.id not in hosting:
            session.add(Host(event_type_id=event_type.id, user_id=user_id, is_fixed=False, priority=2))
    await session.flush()
    for event_type in event_types:
        if event_type.scheduling_type == MANAGED:
            user_ids = list(
                await session.scalars(select(Host.user_id).where(Host.event_type_id == event_type.id).order_by(Host.id))
            )
            await _sync_children(session, event_type, user_ids)


async def remove_member(session: AsyncSession, team_id: int, user_id: int) -> None:
    """A member who leaves (or is no longer accepted) stops hosting; their managed children go."""
    team_event_ids = select(EventType.id).where(EventType.team_id == team_id).scalar_subquery()
    await session.execute(delete(Host).where(Host.user_id == user_id, Host.event_type_id.in_(team_event_ids)))
    await session.execute(
        delete(EventType).where(EventType.owner_id == user_id, EventType.parent_id.in_(team_event_ids))
    )
    await session.flush()


# ---------------------------------------------------------------- inputs for the slot engine


@dataclass(frozen=True)
class SlotHost:
    user_id: int
    is_fixed: bool
    priority: int
    weight: int  # 100 unless set


async def load_slot_hosts(session: AsyncSession, event_type_id: int) -> list[SlotHost]:
    """A team event type's hosts, in the order they were added (one statement)."""
    statement = (
        select(Host.user_id, Host.is_fixed, Host.priority, Host.weight)
        .where(Host.event_type_id == event_type_id)
        .order_by(Host.id)
    )
    connection = await session.connection()
    return [
        SlotHost(user_id, bool(fixed), priority if priority is not None else 2, 100 if weight is None else weight)
        for user_id, fixed, priority, weight in (await connection.execute(statement)).all()
    ]


async def load_team_slot_event_type(
    session: AsyncSession, team_slug: str, slug: str
) -> tuple[int | None, SlotEventType | None]:
    """(team id or None when no such team, its event type ``slug`` or None) in one statement."""
    columns = event_types_service._SLOT_COLUMNS
    statement = (
        select(Team.id, *columns)
        .select_from(Team)
        .outerjoin(EventType, and_(EventType.team_id == Team.id, EventType.slug == slug))
        .where(Team.slug == team_slug)
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None, None
    return row[0], (event_types_service._slot_event_type(row[1:]) if row[1] is not None else None)


def team_of_event_type(event_type_id: int) -> Any:
    """A subquery: the team of an event type — its own, or (a managed child) its parent's."""
    parent = aliased(EventType)
    return (
        select(func.coalesce(EventType.team_id, parent.team_id))
        .select_from(EventType)
        .outerjoin(parent, parent.id == EventType.parent_id)
        .where(EventType.id == event_type_id)
        .scalar_subquery()
    )


def team_event_type_ids(team_ids: Sequence[int], *, administered_by: int | None = None) -> Any:
    """A subquery: ids of the event types of these teams (managed children included).

    ``administered_by``: keep only teams where that user is an accepted ADMIN or OWNER.
    """
    teams = select(Team.id).where(Team.id.in_(list(team_ids)))
    if administered_by is not None:
        teams = roles.teams_managed_by(administered_by, team_ids)
    parents = select(EventType.id).where(EventType.team_id.in_(teams))
    return select(EventType.id).where(or_(EventType.team_id.in_(teams), EventType.parent_id.in_(parents)))
