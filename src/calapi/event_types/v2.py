"""``/v2/event-types`` (``cal-api-version: 2024-06-14``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Query

from calapi.core.api_schemas import Envelope, declare
from calapi.core.auth import CurrentPrincipal, MaybePrincipal
from calapi.core.envelopes import success
from calapi.core.presenters import wire, wire_all
from calapi.core.versioning import V2024_06_14, versioned_router
from calapi.db import SessionDep
from calapi.event_types import api_schemas as declared
from calapi.event_types import service as event_types_service
from calapi.event_types.output import present_event_type
from calapi.event_types.schemas import CreateEventTypeInput, UpdateEventTypeInput

router = versioned_router([V2024_06_14], prefix="/v2/event-types", tags=["Event Types"])


@router.post("", status_code=201, operation_id="event_types_create", **declare(Envelope[declared.EventType], 201))
async def create_event_type(
    body: CreateEventTypeInput, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    view = await event_types_service.create(session, principal.user_id, body.to_command())
    return success(wire(present_event_type(view)))


@router.get("", operation_id="event_types_list", **declare(Envelope[list[declared.EventType]]))
async def list_event_types(
    principal: MaybePrincipal,
    session: SessionDep,
    username: str | None = Query(default=None, max_length=255),
    eventSlug: str | None = Query(default=None, max_length=255),
    sortCreatedAt: Literal["asc", "desc"] | None = None,
) -> dict[str, Any]:
    listing = await event_types_service.list_visible(
        session,
        principal.user_id if principal else None,
        username=username,
        event_slug=eventSlug,
        sort_created_at=sortCreatedAt,
    )
    return success(wire_all(present_event_type(v, strip_hidden_fields=True) for v in listing.views()))


@router.get("/{eventTypeId}", operation_id="event_types_get", **declare(Envelope[declared.EventType]))
async def get_event_type(eventTypeId: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    view = await event_types_service.get_for_owner(session, principal.user_id, eventTypeId)
    return success(wire(present_event_type(view)))


@router.patch("/{eventTypeId}", operation_id="event_types_update", **declare(Envelope[declared.EventType]))
async def update_event_type(
    eventTypeId: int, body: UpdateEventTypeInput, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    view = await event_types_service.update(session, principal.user_id, eventTypeId, body.to_fields())
    return success(wire(present_event_type(view)))


@router.delete("/{eventTypeId}", operation_id="event_types_delete", **declare(Envelope[declared.DeletedEventType]))
async def delete_event_type(eventTypeId: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    deleted = await event_types_service.delete(session, principal.user_id, eventTypeId)
    return success(
        wire(
            declared.DeletedEventType.model_construct(
                id=deleted.id, lengthInMinutes=deleted.length_in_minutes, slug=deleted.slug, title=deleted.title
            )
        )
    )
