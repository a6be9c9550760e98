"""Test databases: migrated once per session with Alembic, then cheaply reset for each test."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from calapi.cli import migrate_database
from calapi.config import load_settings
from calapi.models import Base


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def migrated_sqlite_template(directory: Path) -> Path:
    template = directory / "template.db"
    migrate_database(load_settings(database_url=sqlite_url(template)))
    return template


def fresh_sqlite(template: Path, directory: Path) -> str:
    target = directory / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(template, target)
    return sqlite_url(target)


async def create_postgres_database(base_url: str) -> str:
    """A new, empty database next to ``base_url``'s; returns its URL."""
    name = f"calapi_test_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    url = base_url.rsplit("/", 1)[0] + "/" + name
    return url


async def drop_postgres_database(base_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


async def truncate_all(url: str) -> None:
    engine = create_async_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()
