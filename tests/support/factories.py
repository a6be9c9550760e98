"""Test data made through the same services the API uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI

from calapi.api_keys import service as api_keys_service
from calapi.users import service as users_service


@dataclass(frozen=True)
class TestUser:
    id: int
    email: str
    username: str
    key: str
    key_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


async def make_user(
    app: FastAPI,
    username: str,
    *,
    admin: bool = False,
    time_zone: str = "Europe/London",
    expires_at: datetime | None = None,
) -> TestUser:
    settings = app.state.settings
    async with app.state.sessionmaker() as session:
        user = await users_service.create(
            session,
            email=f"{username}@example.com",
            username=username,
            name=username.title(),
            time_zone=time_zone,
            admin=admin,
        )
        minted = await api_keys_service.mint(
            session, user_id=user.id, prefix=settings.api_key_prefix, expires_at=expires_at
        )
        await session.commit()
    return TestUser(id=user.id, email=user.email, username=username, key=minted.key, key_id=minted.row.id)
