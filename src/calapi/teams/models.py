from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from calapi.db import Base, UTCDateTime, utcnow


class MembershipRole(StrEnum):
    MEMBER = "MEMBER"
    ADMIN = "ADMIN"
    OWNER = "OWNER"


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    # Unique: GET /v2/slots finds a team event type by teamSlug.
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    logo_url: Mapped[str | None] = mapped_column(String(2048))
    cal_video_logo: Mapped[str | None] = mapped_column(String(2048))
    app_logo: Mapped[str | None] = mapped_column(String(2048))
    app_icon_logo: Mapped[str | None] = mapped_column(String(2048))
    bio: Mapped[str | None] = mapped_column(Text)
    hide_branding: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_organization: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hide_book_a_team_member: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    team_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    theme: Mapped[str | None] = mapped_column(String(255))
    brand_color: Mapped[str | None] = mapped_column(String(32))
    dark_brand_color: Mapped[str | None] = mapped_column(String(32))
    banner_url: Mapped[str | None] = mapped_column(String(2048))
    time_format: Mapped[int | None] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    week_start: Mapped[str] = mapped_column(String(16), default="Sunday")
    booking_limits: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    include_managed_events_in_limits: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Who created it: "You already have created a team with name=…" is per creator.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    role: Mapped[str] = mapped_column(String(16), default=MembershipRole.MEMBER.value)
    disable_impersonation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
