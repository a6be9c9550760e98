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
from calapi.core.wire import Locale, TimeZoneName, WeekDay
from calapi.db import SessionDep
from calapi.users import api_schemas as declared
from calapi.users import service as users_service
from calapi.users.models import User

router = APIRouter(prefix="/v1", tags=["v1 Users"])


def v1_user_output(user: User) -> dict[str, Any]:
    """The public fields v1 returns for a user; columns calapi does not model carry v1's defaults."""
    return {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "emailVerified": None,
        "bio": user.bio,
        "avatar": user.avatar_url,
        "timeZone": user.time_zone,
        "weekStart": user.week_start,
        "endTime": 1440,
        "bufferTime": 0,
        "appTheme": None,
        "theme": None,
        "defaultScheduleId": user.default_schedule_id,
        "locale": user.locale,
        "timeFormat": user.time_format,
        "hideBranding": False,
        "brandColor": "#292929",
        "darkBrandColor": "#fafafa",
        "allowDynamicBooking": True,
        "createdDate": iso_ms(user.created_at),
        "verified": False,
        "invitedTo": None,
        "role": user.role,
    }


@router.get("/me", operation_id="v1_me_get", **declare(v1_one("user", declared.V1User)))
async def get_me(principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user = await users_service.get(session, principal.user_id)
    return {"user": v1_user_output(user)}


# --- /users (system admins manage everyone; others only themselves) -----------------------------


# v1 wire name → users column (only what calapi stores; other v1 profile fields are refused as unknown keys)
_COLUMNS = {
    "name": "name",
    "email": "email",
    "bio": "bio",
    "timeZone": "time_zone",
    "weekStart": "week_start",
    "locale": "locale",
    "timeFormat": "time_format",
    "defaultScheduleId": "default_schedule_id",
    "role": "role",
}


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

    def changes(self, *, admin: bool) -> dict[str, Any]:
        given = {
            _COLUMNS[k]: v for k, v in self.model_dump(exclude_unset=True).items() if v is not None and k in _COLUMNS
        }
        if not admin:
            given.pop("role", None)  # a non-admin's role is silently ignored, as Cal.com does
        return given


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
    if not principal.is_admin:
        me = await users_service.get(session, principal.user_id)
        mine = [me] if not email or me.email in {e.strip().lower() for e in email} else []
        return {"users": [v1_user_output(u) for u in mine[paging.skip : paging.skip + paging.take]], "total": len(mine)}
    users, total = await users_service.list_page(session, emails=email, take=paging.take, skip=paging.skip)
    return {"users": [v1_user_output(u) for u in users], "total": total}


@router.post("/users", operation_id="v1_users_create", **declare(v1_one("user", declared.V1User)))
async def create_user(body: CreateUserV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    authorization.require_admin(principal, Unauthorized("You are not authorized"))  # 401, not 403 (quirk 13)
    changes = body.changes(admin=True)
    user = await users_service.create(
        session,
        email=body.email,
        username=body.username.lower(),
        name=body.name,
        time_zone=body.timeZone or "Europe/London",
        admin=body.role == "ADMIN",
    )
    rest = {k: v for k, v in changes.items() if k not in ("email", "name", "time_zone", "role")}
    if rest:
        user = await users_service.update_profile(session, user, rest)
    return {"user": v1_user_output(user)}


@router.get("/users/{userId}", operation_id="v1_users_get", **declare(v1_one("user", declared.V1User)))
async def get_user(userId: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user_id = _user_for(principal, userId)
    with v1.reworded(not_found=NotFound("User not found")):
        return {"user": v1_user_output(await users_service.get(session, user_id))}


@router.patch("/users/{userId}", operation_id="v1_users_update", **declare(v1_one("user", declared.V1User)))
async def update_user(userId: int, body: EditUserV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user_id = _user_for(principal, userId)
    with v1.reworded(not_found=NotFound("User not found")):
        user = await users_service.get(session, user_id)
    # A system admin's word proves an address (as when an admin creates a user); anyone else's
    # new email waits as pending and the answer keeps showing the proven one, as Cal.com does.
    user = await users_service.update_profile(
        session, user, body.changes(admin=principal.is_admin), email_vouched=principal.is_admin
    )
    return {"user": v1_user_output(user)}


@router.delete("/users/{userId}", operation_id="v1_users_delete", **declare(V1Message))
async def delete_user(userId: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user_id = _user_for(principal, userId)
    with v1.reworded(not_found=NotFound("User not found")):
        await users_service.delete_user(session, user_id)
    return v1.deleted("User", user_id)
