"""What every command shares: the settings, one-line failures, a database transaction, output."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer

from calapi.config import Settings, SettingsError, get_settings

T = TypeVar("T")


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def settings_or_exit() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        raise fail(str(exc)) from None


def run_db(work: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``work(session)`` in one committed transaction; turn refusals into one readable line."""
    from calapi.core.errors import AppError
    from calapi.db import make_engine, make_sessionmaker

    settings = settings_or_exit()

    async def main() -> T:
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except AppError as exc:
        raise fail(exc.message) from None
    except OSError as exc:
        raise fail(f"cannot reach the database: {exc}") from None
    except Exception as exc:
        if exc.__class__.__module__.startswith("sqlalchemy"):
            raise fail(
                f"database error ({exc.__class__.__name__}); has `calapi migrate` been run? {str(exc).splitlines()[0]}"
            ) from None
        raise


def emit(as_json: bool, data: Any, text: str) -> None:
    """``data`` as one JSON document with ``--json``, else the human-readable ``text``."""
    typer.echo(json.dumps(data) if as_json else text)
