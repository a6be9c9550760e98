"""Alembic environment: async engine, URL from calapi's settings (or the caller's config)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from alembic import context
from alembic.operations.ops import MigrationScript
from sqlalchemy.engine import Connection

from calapi.config import get_settings
from calapi.db import make_engine
from calapi.migrations import on_dialect
from calapi.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def _number_new_revision(_context: Any, _revision: Any, directives: list[MigrationScript]) -> None:
    """Give a new revision the next four-digit number as its id (hence its file name's prefix), so
    that the files in ``versions/`` sort in chain order. An id given with ``--rev-id`` is kept."""
    count = sum(1 for _ in context.script.walk_revisions())
    for script in directives:
        if re.fullmatch(r"[0-9a-f]{12}", script.rev_id or ""):  # Alembic's random default
            script.rev_id = f"{count + 1:04d}"


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        process_revision_directives=_number_new_revision,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        include_object=on_dialect(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(_url(), poolclass=__import__("sqlalchemy.pool").pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        process_revision_directives=_number_new_revision,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())
