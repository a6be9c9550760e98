"""Typed input of the users service, built by each API version's router from its request body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from calapi.core.commands import Changes


@dataclass(frozen=True, kw_only=True)
class ProfileChanges(Changes):
    """A partial update of a user's profile."""

    email: str | None = None
    name: str | None = None
    time_format: int | None = None
    default_schedule_id: int | None = None
    week_start: str | None = None
    time_zone: str | None = None
    locale: str | None = None
    avatar_url: str | None = None
    bio: str | None = None
    metadata: dict[str, Any] | None = None
    role: str | None = None  # a system admin's change only (the routers drop it for anyone else)
