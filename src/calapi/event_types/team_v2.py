"""``/v2/teams/{teamId}/event-types`` (no version header needed)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from calapi.core.api_schemas import Envelope, declare
from calapi.core.envelopes import success
from calapi.core.presenters import wire, wire_all
from calapi.db import SessionDep
from calapi.event_types import team_service
from calapi.event_types.api_schemas import DeletedTeamEventType, TeamEventType
from calapi.event_types.output import present_team_event_type
from calapi.event_types.schemas import CreateTeamEventTypeInput, UpdateTeamEventTypeInput
from calapi.event_types.team_service import TeamEventTypeView
from calapi.teams.access import TeamAdmin, TeamCaller

router = APIRouter(prefix="/v2/teams/{teamId}/event-types", tags=["Teams / Event Types"])


def _one_or_all(views: list[TeamEventTypeView]) -> Any:
    """Managed event types answer [parent, …children]; the others one object."""
    if views[0].event_type.scheduling_type == "MANAGED":
        return wire_all(present_team_event_type(v) for v in views)
    return wire(present_team_event_type(views[0]))


@router.post(
    "",
    status_code=201,
    operation_id="team_event_types_create",
    **declare(Envelope[TeamEventType | list[TeamEventType]], 201),
)
async def create_team_event_type(
    body: CreateTeamEventTypeInput, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    views = await team_service.create(
        session, caller.team_id, body.to_team_command(), caller_id=caller.principal.user_id
    )
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
    return success(
        wire_all(present_team_event_type(v, strip_hidden_fields=True, hosts_limit=hostsLimit) for v in views)
    )


@router.get("/{eventTypeId}", operation_id="team_event_types_get", **declare(Envelope[TeamEventType]))
async def get_team_event_type(
    eventTypeId: int, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    return success(wire(present_team_event_type(await team_service.get(session, caller.team_id, eventTypeId))))


@router.patch(
    "/{eventTypeId}", operation_id="team_event_types_update", **declare(Envelope[TeamEventType | list[TeamEventType]])
)
async def update_team_event_type(
    eventTypeId: int, body: UpdateTeamEventTypeInput, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    views = await team_service.update(
        session, caller.team_id, eventTypeId, body.to_changes(), caller_id=caller.principal.user_id
    )
    return success(_one_or_all(views))


@router.delete("/{eventTypeId}", operation_id="team_event_types_delete", **declare(Envelope[DeletedTeamEventType]))
async def delete_team_event_type(
    eventTypeId: int, caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep
) -> dict[str, Any]:
    deleted = await team_service.delete_event_type(session, caller.team_id, eventTypeId)
    return success(wire(DeletedTeamEventType.model_construct(id=deleted.id, title=deleted.title)))
