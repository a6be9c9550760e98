"""Fixtures shared by every suite: migrated databases, an app per test, API clients, users."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from calapi.app import create_app
from calapi.cli import migrate_database
from calapi.config import load_settings
from tests.support import databases
from tests.support.conformance import conformance_hook
from tests.support.factories import TestUser, make_user
from tests.support.services import require

BOTH_DATABASES = pytest.mark.parametrize(
    "database_url", [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database of our own for the whole run, migrated to head, dropped at the end."""
    base = require("postgres")
    url = asyncio.run(databases.create_postgres_database(base))
    try:
        migrate_database(load_settings(database_url=url))
        yield url
    finally:
        asyncio.run(databases.drop_postgres_database(base, url))


@pytest.fixture(scope="session")
def redis_url() -> str:
    return require("redis")


@pytest.fixture
def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """A clean, migrated database for one test: SQLite by default, PostgreSQL when parametrized."""
    backend = getattr(request, "param", "sqlite")
    if backend == "postgres":
        url = request.getfixturevalue("postgres_database")
        asyncio.run(databases.truncate_all(url))
        return url
    return databases.fresh_sqlite(sqlite_template, tmp_path)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a module (or parametrize) to change the app's settings for its tests."""
    return {}


@pytest.fixture
async def app(database_url: str, settings_overrides: dict[str, Any]) -> AsyncIterator[FastAPI]:
    settings = load_settings(**{"database_url": database_url, "run_worker": False, **settings_overrides})
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    # every answer is checked against the body its route declares (tests/support/conformance.py)
    hooks = {"response": [conformance_hook(app)]}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", event_hooks=hooks) as http:
        yield http


@pytest.fixture
async def alice(app: FastAPI) -> TestUser:
    return await make_user(app, "alice", time_zone="Europe/London")


@pytest.fixture
async def bob(app: FastAPI) -> TestUser:
    return await make_user(app, "bob", time_zone="America/New_York")


@pytest.fixture
async def admin(app: FastAPI) -> TestUser:
    return await make_user(app, "root", admin=True)
