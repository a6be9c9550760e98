"""``calapi migrate``, and the schema check ``serve`` and ``worker`` run before they start."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from calapi.cli.common import fail, settings_or_exit
from calapi.config import Settings


def migrate_database(settings: Settings, revision: str = "head") -> None:
    from alembic import command

    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(_alembic_config(settings), revision)


def _alembic_config(settings: Settings) -> Any:
    from calapi.migrations import alembic_config

    return alembic_config(settings.database_url)


def require_migrated(settings: Settings) -> None:
    """Stop with one line when the database is missing, unreachable or behind the code's schema.

    Why: a server started on an empty database would answer every request with a 500.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from calapi.db import make_engine

    path = settings.sqlite_path()
    if path is not None and not path.exists():
        raise fail(f"no database at {path}: run `calapi migrate` first (`make run` does)")

    async def current_revision() -> str | None:
        engine = make_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
        finally:
            await engine.dispose()

    try:
        current = asyncio.run(current_revision())
    except (OSError, ConnectionError) as exc:
        raise fail(f"cannot reach the database: {exc}") from None
    head = ScriptDirectory.from_config(_alembic_config(settings)).get_current_head()
    if current != head:
        raise fail(f"the database schema is at {current or 'nothing'}, the code needs {head}: run `calapi migrate`")


def migrate(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Bring the database schema up to date."""
    settings = settings_or_exit()
    try:
        migrate_database(settings, revision)
    except OSError as exc:
        raise fail(f"cannot reach the database: {exc}") from None
    typer.echo(f"database at {revision}")
