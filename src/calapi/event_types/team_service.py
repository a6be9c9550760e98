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
from typing import Any

from sqlalchemy import and_, delete, func, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from calapi.core.errors import BadRequest, NotFound
from calapi.event_types import service as event_types_service
from calapi.event_types.models import EventType, Host
from calapi.event_types.schemas import PRIORITIES
from calapi.event_types.service import SlotEventType
from calapi.teams import roles
from calapi.teams import service as teams_service
from calapi.teams.models import Team
from calapi.users.models import User

MANAGED = "MANAGED"
_TEAM_FIELDS = ("schedulingType", "hosts", "assignAllTeamMembers")
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


@dataclass
class HostView:
    host: Host
    user: User


@dataclass
class TeamEventTypeView:
    event_type: EventType
    team: Team
    hosts: list[HostView]
    owner: User | None = None  # a managed child's member


def _not_found(event_type_id: int) -> NotFound:
    return NotFound(f"Event type with ID={event_type_id} does not exist.")


def _split(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(event-type fields, team fields) of a body."""
    return {k: v for k, v in fields.items() if k not in _TEAM_FIELDS}, {
        k: v for k, v in fields.items() if k in _TEAM_FIELDS
    }


async def _load(session: AsyncSession, team_id: int, event_type_id: int) -> EventType:
    """The team's event type; another team's (or a personal one) answers 404."""
    event_type = await session.get(EventType, event_type_id)
    if event_type is None or event_type.team_id != team_id:
        raise _not_found(event_type_id)
    return event_type


async def _wanted_hosts(
    session: AsyncSession, team_id: int, hosts: Sequence[dict[str, Any]] | None, assign_all: bool
) -> list[dict[str, Any]]:
    """The host rows to store: every accepted member, or the given hosts (each an accepted member)."""
    if assign_all:
        return [
            {"userId": uid, "mandatory": False, "priority": "medium"}
            for uid in await teams_service.accepted_member_ids(session, team_id)
        ]
    hosts = list(hosts or ())
    members = set(await teams_service.accepted_member_ids(session, team_id, [h["userId"] for h in hosts]))
    for index, host in enumerate(hosts):
        if host["userId"] not in members:
            raise BadRequest(
                f"hosts[{index}]: user with id={host['userId']} is not an accepted member of team with id={team_id}"
            )
    return hosts


async def _write_hosts(session: AsyncSession, event_type: EventType, wanted: Sequence[dict[str, Any]]) -> None:
    """Replace the event type's hosts (two statements)."""
    await session.execute(delete(Host).where(Host.event_type_id == event_type.id))
    session.add_all(
        Host(
            event_type_id=event_type.id,
            user_id=h["userId"],
            is_fixed=bool(h.get("mandatory", False)),
            priority=PRIORITIES[h.get("priority", "medium")],
            weight=h.get("weight"),
        )
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
    views = [TeamEventTypeView(parent, team, hosts[parent.id])]
    if parent.scheduling_type == MANAGED:
        rows = await session.execute(
            select(EventType, User)
            .join(User, User.id == EventType.owner_id)
            .where(EventType.parent_id == parent.id)
            .order_by(EventType.id)
        )
        views += [TeamEventTypeView(child, team, [], owner=user) for child, user in rows.all()]
    return views


async def create(session: AsyncSession, team_id: int, fields: dict[str, Any]) -> list[TeamEventTypeView]:
    """A new team event type; for managed ones also its children. Answer: [event type, …children]."""
    team = await teams_service.get_team(session, team_id)
    event_fields, team_fields = _split(fields)
    await event_types_service.check_slug_free(session, event_fields["slug"], team_id=team_id)
    if "scheduleId" in event_fields:
        await _check_team_schedule(session, team_id, event_fields["scheduleId"])
    assign_all = bool(team_fields.get("assignAllTeamMembers"))
    wanted = await _wanted_hosts(session, team_id, team_fields.get("hosts"), assign_all)
    event_type = event_types_service.new_event_type(event_fields, team_id=team_id)
    event_type.scheduling_type = team_fields["schedulingType"]
    event_type.assign_all_team_members = assign_all
    session.add(event_type)
    await event_types_service.flush_event_types(session)
    await _write_hosts(session, event_type, wanted)
    if event_type.scheduling_type == MANAGED:
        await _sync_children(session, event_type, [h["userId"] for h in wanted])
    return await _views_with_children(session, event_type, team)


async def get(session: AsyncSession, team_id: int, event_type_id: int) -> TeamEventTypeView:
    event_type = await _load(session, team_id, event_type_id)
    team = await teams_service.get_team(session, team_id)
    hosts = await _hosts_of(session, [event_type.id])
    return TeamEventTypeView(event_type, team, hosts[event_type.id])


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
    return [TeamEventTypeView(e, team, hosts[e.id]) for e in event_types]


async def update(
    session: AsyncSession, team_id: int, event_type_id: int, fields: dict[str, Any]
) -> list[TeamEventTypeView]:
    """Change the event type (``schedulingType`` is fixed at creation); managed children follow."""
    event_type = await _load(session, team_id, event_type_id)
    team = await teams_service.get_team(session, team_id)
    event_fields, team_fields = _split(fields)
    team_fields.pop("schedulingType", None)
    if "slug" in event_fields and event_fields["slug"] != event_type.slug:
        await event_types_service.check_slug_free(
            session, event_fields["slug"], team_id=team_id, except_id=event_type.id
        )
    if "scheduleId" in event_fields:
        await _check_team_schedule(session, team_id, event_fields["scheduleId"])
    event_types_service.apply_changes(event_type, event_fields)
    if "assignAllTeamMembers" in team_fields:
        event_type.assign_all_team_members = bool(team_fields["assignAllTeamMembers"])
    await event_types_service.flush_event_types(session)
    # Hosts change when new ones are given, or when assignAllTeamMembers is switched on (all members).
    if "hosts" in team_fields or team_fields.get("assignAllTeamMembers") is True:
        wanted = await _wanted_hosts(session, team_id, team_fields.get("hosts"), event_type.assign_all_team_members)
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
