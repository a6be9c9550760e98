"""``/v2/me`` — the caller's own profile."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from calapi.core.api_schemas import Envelope, declare
from calapi.core.auth import CurrentPrincipal
from calapi.core.envelopes import success
from calapi.core.presenters import wire
from calapi.core.wire import Locale, Metadata, TimeZoneName, WeekDay, WireModel, sent_values
from calapi.db import SessionDep
from calapi.users import service as users_service
from calapi.users.api_schemas import Me
from calapi.users.commands import ProfileChanges
from calapi.users.models import User

router = APIRouter(prefix="/v2/me", tags=["Me"])


class UpdateMeInput(WireModel):
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    name: str | None = Field(default=None, max_length=255)
    timeFormat: Literal[12, 24] | None = None
    defaultScheduleId: int | None = None
    weekStart: WeekDay | None = None
    timeZone: TimeZoneName | None = None
    locale: Locale | None = None
    avatarUrl: str | None = Field(default=None, max_length=2048)
    bio: str | None = Field(default=None, max_length=2048)
    metadata: Metadata | None = None

    def to_changes(self) -> ProfileChanges:
        return ProfileChanges.of(**sent_values(self))


def present_me(user: User) -> Me:
    """``user`` is a User, or the profile row read with the key (the same attribute names)."""
    return Me.model_construct(
        id=user.id,
        username=user.username,
        email=user.email,
        name=user.name,
        avatarUrl=user.avatar_url,
        bio=user.bio,
        timeFormat=user.time_format or 12,
        defaultScheduleId=user.default_schedule_id,
        weekStart=user.week_start,
        timeZone=user.time_zone or "Europe/London",
        organizationId=None,
    )


@router.get("", operation_id="me_get", **declare(Envelope[Me]))
async def get_me(principal: CurrentPrincipal) -> dict[str, Any]:
    # The profile was read with the key at the start of this request: no second query.
    return success(wire(present_me(principal.profile)))


@router.patch("", operation_id="me_update", **declare(Envelope[Me]))
async def update_me(body: UpdateMeInput, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    # A new email is kept as pending until proven: ``email`` in the answer stays the proven address
    # (Cal.com answers the same with email verification on), and booking lists keep matching it.
    user = await users_service.update_profile(session, principal.user_id, body.to_changes())
    return success(wire(present_me(user)))
