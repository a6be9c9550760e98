"""Migrations upgrade, downgrade and upgrade again, and leave exactly the schema the models describe."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from calapi.cli import migrate_database
from calapi.config import load_settings
from calapi.db import make_engine
from calapi.models import Base
from tests.support import databases
from tests.support.services import require


def _downgrade(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from calapi.cli import REPO_ROOT

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    command.downgrade(config, "base")


async def _schema_diff_and_tables(url: str) -> tuple[list, set[str]]:
    engine = make_engine(url)
    async with engine.connect() as conn:

        def inspect_sync(sync_conn):
            context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata), set(inspect(sync_conn).get_table_names())

        result = await conn.run_sync(inspect_sync)
    await engine.dispose()
    return result


def _round_trip(url: str) -> None:
    settings = load_settings(database_url=url)
    migrate_database(settings)
    diff, tables = asyncio.run(_schema_diff_and_tables(url))
    assert diff == [], f"models and migrations differ: {diff}"
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    _downgrade(url)
    _, tables_after = asyncio.run(_schema_diff_and_tables(url))
    assert tables_after <= {"alembic_version"}
    migrate_database(settings)
    diff, _ = asyncio.run(_schema_diff_and_tables(url))
    assert diff == []


def test_sqlite_round_trip(tmp_path):
    _round_trip(databases.sqlite_url(tmp_path / "m.db"))


@pytest.mark.postgres
def test_postgres_round_trip():
    base = require("postgres")
    url = asyncio.run(databases.create_postgres_database(base))
    try:
        _round_trip(url)
    finally:
        asyncio.run(databases.drop_postgres_database(base, url))
