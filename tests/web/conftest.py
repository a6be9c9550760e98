"""Fixtures for the settings pages: a running server with its database, users who can sign in,
a browser signed in through the sign-in form, and a folder for each test's screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from calapi.accounts import service as accounts_service
from calapi.api_keys import service as api_keys_service
from calapi.db import make_engine, make_sessionmaker
from calapi.users import service as users_service
from tests.support.browser import artifact_folder
from tests.support.databases import fresh_sqlite
from tests.support.factories import TestUser
from tests.support.servers import running_server
from tests.web.support import PASSWORD


@dataclass(frozen=True)
class Served:
    """A ``calapi serve`` process (job loop inside, as on SQLite) and the database it uses."""

    base: str
    database_url: str


@pytest.fixture
def served(sqlite_template: Path, tmp_path: Path) -> Iterator[Served]:
    database_url = fresh_sqlite(sqlite_template, tmp_path)
    with running_server(database_url=database_url) as base:
        yield Served(base=base, database_url=database_url)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    """Where this test keeps its screenshots and axe reports (``tests/support/browser.check_page``)."""
    return artifact_folder(request.node.name)


async def make_web_user(database_url: str, username: str, *, password: str = PASSWORD, admin: bool = False) -> TestUser:
    """A user of a running server (written to its database), with an API key and a password."""
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            user = await users_service.create(
                session, email=f"{username}@example.com", username=username, name=username.title(), admin=admin
            )
            minted = await api_keys_service.mint(session, user_id=user.id, prefix="cal_")
            await accounts_service.set_password(session, user.id, password)
            await session.commit()
    finally:
        await engine.dispose()
    return TestUser(id=user.id, email=user.email, username=username, key=minted.key, key_id=minted.row.id)


async def browser_sign_in(page: Any, email: str, password: str = PASSWORD, *, then: str = "/settings/security") -> None:
    """Sign the page's browser context in through the sign-in form, landing on ``then``."""
    await page.goto("/sign-in?next=" + then)
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").last.click()
    await page.wait_for_url("**" + then)
