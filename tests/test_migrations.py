"""Migrations upgrade, downgrade and upgrade again, and leave exactly the schema the models describe."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from calapi.cli import migrate_database
from calapi.config import load_settings
from calapi.db import make_engine
from calapi.migrations import alembic_config, on_dialect, script_location
from calapi.models import Base
from tests.support import databases
from tests.support.services import require


def _downgrade(url: str) -> None:
    command.downgrade(alembic_config(url), "base")


async def _schema_diff_and_tables(url: str) -> tuple[list, set[str]]:
    engine = make_engine(url)
    async with engine.connect() as conn:

        def inspect_sync(sync_conn):
            opts = {"compare_type": True, "include_object": on_dialect(sync_conn.dialect.name)}
            context = MigrationContext.configure(sync_conn, opts=opts)
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


def _files_in_chain_order(location: str) -> tuple[list[str], list[str]]:
    """(the revision files as ``ls`` sorts them, the same files from the first revision to the head)."""
    config = alembic_config("sqlite+aiosqlite://")
    config.set_main_option("script_location", location)
    scripts = ScriptDirectory.from_config(config)
    heads = scripts.get_heads()
    assert len(heads) == 1, f"the revision chain must be linear, found heads {heads}"
    chain: list[str] = []
    revision = scripts.get_revision(heads[0])
    while revision is not None:
        chain.append(Path(revision.path).name)
        down = revision.down_revision
        assert not isinstance(down, tuple), f"{revision.revision} merges {down}: the chain must be linear"
        revision = scripts.get_revision(down) if down is not None else None
    chain.reverse()
    listed = sorted(p.name for p in (Path(location) / "versions").glob("*.py"))
    return listed, chain


def test_migration_files_sort_in_chain_order():
    listed, chain = _files_in_chain_order(script_location())
    assert len(chain) >= 7
    assert listed == chain


def test_a_new_revision_is_numbered_after_the_last(tmp_path):
    """``alembic revision --autogenerate`` (shipped configuration) names the new file so it sorts last."""
    location = tmp_path / "migrations"
    shutil.copytree(script_location(), location, ignore=shutil.ignore_patterns("__pycache__"))
    config = alembic_config(databases.sqlite_url(tmp_path / "r.db"))
    config.set_main_option("script_location", str(location))
    command.upgrade(config, "head")
    before = len(list((location / "versions").glob("*.py")))
    command.revision(config, message="add a thing", autogenerate=True)
    listed, chain = _files_in_chain_order(str(location))
    assert listed == chain
    assert chain[-1] == f"{before + 1:04d}_add_a_thing.py"
