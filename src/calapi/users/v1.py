"""API v1 user routes (``?apiKey=``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from calapi.core.auth import V1Principal
from calapi.core.envelopes import iso_ms
from calapi.db import SessionDep
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


@router.get("/me", operation_id="v1_me_get")
async def get_me(principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    user = await users_service.get(session, principal.user_id)
    return {"user": v1_user_output(user)}
