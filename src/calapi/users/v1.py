"""API v1 user routes (``?apiKey=``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from calapi.core import authorization, v1
from calapi.core.api_schemas import V1Message, declare, v1_one
from calapi.core.auth import V1Principal
from calapi.core.envelopes import iso_ms
from calapi.core.errors import Forbidden, NotFound, Unauthorized
from calapi.core.presenters import wire
from calapi.core.wire import Locale, TimeZoneName, WeekDay, sent_values
from calapi.db import SessionDep
from calapi.users import api_schemas as declared
from calapi.users import service as users_service
from calapi.users.commands import ProfileChanges
from calapi.users.models import User

router = APIRouter(prefix="/v1", tags=["v1 Users"])


def present_user(user: User) -> declared.V1User:
    """The public fields v1 returns for a user; columns calapi does not model carry v1's defaults."""
    return declared.V1User.model_construct(
        id=user.id,
        username=user.username,
        name=user.name,
        email=user.email,
        emailVerified=None,
        bio=user.bio,
        avatar=user.avatar_url,
        timeZone=user.time_zone,
        weekStart=user.week_start,
        endTime=1440,
        bufferTime=0,
        appTheme=None,
        theme=None,
        defaultScheduleId=user.default_schedule_id,
        locale=user.locale,
        timeFormat=user.time_format,
        hideBranding=False,
        brandColor="#292929",
        darkBrandColor="#fafafa",
        allowDynamicBooking=True,
        createdDate=iso_ms(user.created_at),
        verified=False,
        invitedTo=None,
        role=user.role,
    )


@router.get("/me", operation_id="v1_me_get", **declare(v1_one("user", declared.V1User)))
async def get_me(principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user = await users_service.get(session, principal.user_id)
    return v1.one("user", wire(present_user(user)))


# --- /users (system admins manage everyone; others only themselves) -----------------------------


class EditUserV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    bio: str | None = Field(default=None, max_length=2048)
    timeZone: TimeZoneName | None = None
    weekStart: WeekDay | None = None
    locale: Locale | None = None
    timeFormat: Literal[12, 24] | None = None
    defaultScheduleId: int | None = Field(default=None, ge=1)
    role: Literal["USER", "ADMIN"] | None = None

    def to_changes(self, *, admin: bool) -> ProfileChanges:
        values = sent_values(self)
        values.pop("username", None)  # a new user's identity (``CreateUserV1``), not a profile change
        if not admin:
            values.pop("role", None)  # a non-admin's role is silently ignored, as Cal.com does
        return ProfileChanges.of(**values)


class CreateUserV1(EditUserV1):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    username: str = Field(min_length=1, max_length=255, pattern=r"^[a-zA-Z0-9._-]+$")


def _user_for(principal: Any, user_id: int) -> int:
    # Another user's id answers 403 Forbidden whether or not it exists (no probing of ids).
    authorization.ensure_owner(principal, user_id, refusal=Forbidden("Forbidden"))
    return user_id


@router.get("/users", operation_id="v1_users_list", **declare(declared.V1UserPage))
async def list_users(
    principal: V1Principal,
    session: SessionDep,
    email: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies Query defaults
    take: str | None = None,
    page: str | None = None,
) -> dict[str, Any]:
    paging = v1.page_of(take, page)  # always paginated, 10 by default (quirk 13)
    only = None if principal.is_admin else principal.user_id  # anyone else sees only themselves
    users, total = await users_service.list_page(session, emails=email, take=paging.take, skip=paging.skip, only=only)
    return wire(declared.V1UserPage.model_construct(users=[present_user(u) for u in users], total=total))


@router.post("/users", operation_id="v1_users_create", **declare(v1_one("user", declared.V1User)))
async def create_user(body: CreateUserV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    authorization.require_admin(principal, Unauthorized("You are not authorized"))  # 401, not 403 (quirk 13)
    user = await users_service.create(
        session,
        email=body.email,
        username=body.username.lower(),
        name=body.name,
        time_zone=body.timeZone or "Europe/London",
        admin=body.role == "ADMIN",
    )
    rest = body.to_changes(admin=True).without("email", "name", "time_zone", "role")
    if rest.sent:
        user = await users_service.update_profile(session, user.id, rest)
    return v1.one("user", wire(present_user(user)))


@router.get("/users/{userId}", operation_id="v1_users_get", **declare(v1_one("user", declared.V1User)))
async def get_user(userId: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user_id = _user_for(principal, userId)
    with v1.reworded(not_found=NotFound("User not found")):
        user = await users_service.get(session, user_id)
    return v1.one("user", wire(present_user(user)))


@router.patch("/users/{userId}", operation_id="v1_users_update", **declare(v1_one("user", declared.V1User)))
async def update_user(userId: int, body: EditUserV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user_id = _user_for(principal, userId)
    # A system admin's word proves an address (as when an admin creates a user); anyone else's
    # new email waits as pending and the answer keeps showing the proven one, as Cal.com does.
    with v1.reworded(not_found=NotFound("User not found")):
        user = await users_service.update_profile(
            session, user_id, body.to_changes(admin=principal.is_admin), email_vouched=principal.is_admin
        )
    return v1.one("user", wire(present_user(user)))


@router.delete("/users/{userId}", operation_id="v1_users_delete", **declare(V1Message))
async def delete_user(userId: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user_id = _user_for(principal, userId)
    with v1.reworded(not_found=NotFound("User not found")):
        await users_service.delete_user(session, user_id)
    return v1.deleted("User", user_id)
