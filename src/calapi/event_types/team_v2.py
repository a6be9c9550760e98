"""``/v2/teams/{teamId}/event-types`` (no version header needed)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from calapi.core.api_schemas import Envelope, declare
from calapi.core.envelopes import success
from calapi.db import SessionDep
from calapi.event_types import team_service
from calapi.event_types.api_schemas import DeletedTeamEventType, TeamEventType
from calapi.event_types.output import event_type_output
from calapi.event_types.schemas import PRIORITIES, CreateTeamEventTypeInput, UpdateTeamEventTypeInput
from calapi.event_types.team_service import HostView, TeamEventTypeView
from calapi.teams.access import TeamAdmin, TeamCaller

router = APIRouter(prefix="/v2/teams/{teamId}/event-types", tags=["Teams / Event Types"])

WIRE_SCHEDULING = {"COLLECTIVE": "collective", "ROUND_ROBIN": "roundRobin", "MANAGED": "managed"}
PRIORITY_LABELS = {number: label for label, number in PRIORITIES.items()}


def _host_output(view: HostView, scheduling_type: str | None) -> dict[str, Any]:
    user = view.user
    item: dict[str, Any] = {"userId": user.id, "name": user.name, "username": user.username}
    if scheduling_type == "ROUND_ROBIN":
        item["mandatory"] = view.host.is_fixed
        item["priority"] = PRIORITY_LABELS.get(view.host.priority, "medium")
        item["weight"] = view.host.effective_weight  # beyond Cal.com: 100 unless a client set one
    item["avatarUrl"] = user.avatar_url
    return item


def team_event_type_output(
    view: TeamEventTypeView, *, strip_hidden_fields: bool = False, hosts_limit: int | None = None
) -> dict[str, Any]:
    event_type, team = view.event_type, view.team
    data = event_type_output(event_type, None, strip_hidden_fields=strip_hidden_fields)
    data.pop("ownerId", None)
    data.pop("users", None)
    hosts = view.hosts if hosts_limit is None else view.hosts[:hosts_limit]
    if view.owner is not None:  # a managed child: its member is its one host
        host_items = [
            {
                "userId": view.owner.id,
                "name": view.owner.name,
                "username": view.owner.username,
                "avatarUrl": view.owner.avatar_url,
            }
        ]
    else:
        host_items = [_host_output(h, event_type.scheduling_type) for h in hosts]
    data |= {
        "teamId": team.id,
        "ownerId": event_type.owner_id,
        "parentEventTypeId": event_type.parent_id,
        "hosts": host_items,
        "assignAllTeamMembers": event_type.assign_all_team_members,
        "schedulingType": WIRE_SCHEDULING.get(event_type.scheduling_type or ""),
        "team": {
            "id": team.id,
            "name": team.name,
            "slug": team.slug,
            "bannerUrl": team.banner_url,
            "logoUrl": team.logo_url,
            "weekStart": team.week_start,
            "brandColor": team.brand_color,
            "darkBrandColor": team.dark_brand_color,
            "theme": team.theme,
        },
    }
    return data


def _one_or_all(views: list[TeamEventTypeView]) -> Any:
    """Managed event types answer [parent, …children]; the others one object."""
    if views[0].event_type.scheduling_type == "MANAGED":
        return [team_event_type_output(v) for v in views]
    return team_event_type_output(views[0])


@router.post(
    "",
    status_code=201,
    operation_id="team_event_types_create",
    **declare(Envelope[TeamEventType | list[TeamEventType]], 201),
)
async def create_team_event_type(
    body: CreateTeamEventTypeInput, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    views = await team_service.create(session, caller.team_id, body.given())
    return success(_one_or_all(views))


@router.get("", operation_id="team_event_types_list", **declare(Envelope[list[TeamEventType]]))
async def list_team_event_types(
    teamId: int,
    session: SessionDep,
    eventSlug: str | None = Query(default=None, max_length=255),
    hostsLimit: int | None = Query(default=None, ge=0, le=1000),
    sortCreatedAt: Literal["asc", "desc"] | None = None,
) -> dict[str, Any]:
    views = await team_service.list_for_team(
        session, teamId, event_slug=eventSlug, newest_first=sortCreatedAt == "desc"
    )
    return success([team_event_type_output(v, strip_hidden_fields=True, hosts_limit=hostsLimit) for v in views])


@router.get("/{eventTypeId}", operation_id="team_event_types_get", **declare(Envelope[TeamEventType]))
async def get_team_event_type(
    eventTypeId: int, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    return success(team_event_type_output(await team_service.get(session, caller.team_id, eventTypeId)))


@router.patch(
    "/{eventTypeId}", operation_id="team_event_types_update", **declare(Envelope[TeamEventType | list[TeamEventType]])
)
async def update_team_event_type(
    eventTypeId: int, body: UpdateTeamEventTypeInput, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    views = await team_service.update(session, caller.team_id, eventTypeId, body.given())
    return success(_one_or_all(views))


@router.delete("/{eventTypeId}", operation_id="team_event_types_delete", **declare(Envelope[DeletedTeamEventType]))
async def delete_team_event_type(
    eventTypeId: int, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    deleted = await team_service.delete_event_type(session, caller.team_id, eventTypeId)
    return success({"id": deleted.id, "title": deleted.title})
