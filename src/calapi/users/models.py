from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from calapi.db import Base, UTCDateTime, utcnow


class UserRole(StrEnum):
    USER = "USER"
    ADMIN = "ADMIN"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str | None] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    # The proven address: the one the user was created with (by an admin or the CLI), or one a
    # system admin set. Booking lists match attendees on this address only.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # An address the user asked for but has not proven yet; it grants nothing until it is confirmed.
    pending_email: Mapped[str | None] = mapped_column(String(320))
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    week_start: Mapped[str] = mapped_column(String(16), default="Sunday")
    time_format: Mapped[int] = mapped_column(Integer, default=12)
    locale: Mapped[str | None] = mapped_column(String(16), default="en")
    role: Mapped[str] = mapped_column(String(16), default=UserRole.USER.value)
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    bio: Mapped[str | None] = mapped_column(String(2048))
    default_schedule_id: Mapped[int | None] = mapped_column(Integer)
    user_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # argon2 hash (pwdlib) of the password for the settings pages; None: no password set yet.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN.value
