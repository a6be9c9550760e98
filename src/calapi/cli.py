"""``calapi``: serve, worker, migrate, users, keys."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Annotated, Any, TypeVar

import typer

from calapi.config import Settings, SettingsError, get_settings

app = typer.Typer(
    help="calapi — a self-hostable server that speaks Cal.com's API.", no_args_is_help=True, add_completion=False
)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")

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


@app.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Bring the database schema up to date."""
    settings = settings_or_exit()
    try:
        migrate_database(settings, revision)
    except OSError as exc:
        raise fail(f"cannot reach the database: {exc}") from None
    typer.echo(f"database at {revision}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    workers: Annotated[int, typer.Option(help="Number of server processes")] = 1,
) -> None:
    """Serve the API."""
    import uvicorn

    settings = settings_or_exit()
    require_migrated(settings)
    from calapi.core.logs import log_config

    log_level = settings.log_level
    # log_config: uvicorn's format, with ?apiKey= values and validation inputs kept out of every line.
    # Proxy headers are the application's to read, from CALAPI_TRUSTED_PROXIES only: uvicorn's own
    # reading trusts 127.0.0.1 (or $FORWARDED_ALLOW_IPS) by default.
    uvicorn.run(
        "calapi.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=log_config(log_level),
        proxy_headers=False,
    )


@app.command()
def worker(
    poll_interval: Annotated[
        float, typer.Option(help="Seconds between polls when idle (PostgreSQL also wakes on NOTIFY)")
    ] = 1.0,
) -> None:
    """Run the background job loop (webhook deliveries, reminders) until stopped."""
    from calapi.db import make_engine, make_sessionmaker
    from calapi.jobs.worker import Worker, listen_for_jobs
    from calapi.wiring import register_job_handlers

    settings = settings_or_exit()
    require_migrated(settings)
    register_job_handlers(settings)

    async def main() -> None:
        # no pre-ping per checkout (a round trip per claim and per recording): a dead connection
        # fails one claim or recording, which the loop retries and the pool replaces
        engine = make_engine(settings.database_url, pool_pre_ping=False)
        loop_worker = Worker(
            make_sessionmaker(engine), poll_interval=poll_interval, lease=timedelta(seconds=settings.job_lease_seconds)
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(loop_worker.stop()))
        typer.echo("worker running; Ctrl+C to stop", err=True)
        # PostgreSQL: woken by NOTIFY when jobs are committed; the poll is only the fallback
        listener = (
            asyncio.create_task(listen_for_jobs(engine, loop_worker)) if engine.dialect.name == "postgresql" else None
        )
        try:
            await loop_worker.run()
        finally:
            if listener is not None:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)
            await engine.dispose()

    # uvloop (installed with uvicorn[standard], which `calapi serve` runs on) when present: a
    # worker's CPU goes mostly to socket writes and event-loop turns, which uvloop does in C.
    try:
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main())


def _emit(as_json: bool, data: dict[str, Any], text: str) -> None:
    typer.echo(json.dumps(data) if as_json else text)


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option()],
    username: Annotated[str, typer.Option()],
    name: Annotated[str | None, typer.Option()] = None,
    time_zone: Annotated[str, typer.Option("--time-zone")] = "Europe/London",
    admin: Annotated[bool, typer.Option("--admin")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a user."""
    from calapi.users import service as users_service

    async def work(session: Any) -> Any:
        return await users_service.create(
            session, email=email, username=username, name=name, time_zone=time_zone, admin=admin
        )

    user = run_db(work)
    data = {
        "id": user.id,
        "email": user.email,
        "username": user.username,
        "role": user.role,
        "timeZone": user.time_zone,
    }
    _emit(as_json, data, f"created user {user.id} <{user.email}> ({user.role})")


def _expiry(days: int | None) -> datetime | None:
    from calapi.db import utcnow

    if days is None:
        return None
    if days < 1:
        raise fail("--expires-in-days must be 1 or more")
    # Keys are good through the whole UTC day they expire on.
    return datetime.combine((utcnow() + timedelta(days=days)).date(), time(23, 59, 59), tzinfo=utcnow().tzinfo)


@keys_app.command("create")
def keys_create(
    user: Annotated[str, typer.Option(help="e-mail, username or id")],
    note: Annotated[str | None, typer.Option()] = None,
    expires_in_days: Annotated[int | None, typer.Option("--expires-in-days")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Mint an API key; it is printed once and never stored."""
    from calapi.api_keys import service as api_keys_service
    from calapi.users import service as users_service

    settings = settings_or_exit()
    expires_at = _expiry(expires_in_days)

    async def work(session: Any) -> Any:
        owner = await users_service.find(session, user)
        return await api_keys_service.mint(
            session, user_id=owner.id, prefix=settings.api_key_prefix, note=note, expires_at=expires_at
        )

    minted = run_db(work)
    data = {
        "id": minted.row.id,
        "key": minted.key,
        "userId": minted.row.user_id,
        "expiresAt": minted.row.expires_at.isoformat() if minted.row.expires_at else None,
    }
    _emit(as_json, data, f"{minted.key}\n(id {minted.row.id}; shown once — store it now)")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (not the key)")]) -> None:
    """Revoke an API key at once."""
    from calapi.api_keys import service as api_keys_service

    async def work(session: Any) -> None:
        await api_keys_service.revoke(session, key_id)

    run_db(work)
    typer.echo(f"revoked {key_id}")


@keys_app.command("list")
def keys_list(
    user: Annotated[str, typer.Option(help="e-mail, username or id")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List a user's API keys (never the keys themselves)."""
    from calapi.api_keys import service as api_keys_service
    from calapi.users import service as users_service

    async def work(session: Any) -> Any:
        owner = await users_service.find(session, user)
        return await api_keys_service.list_for_user(session, owner.id)

    rows = run_db(work)
    items = [
        {
            "id": r.id,
            "note": r.note,
            "createdAt": r.created_at.isoformat(),
            "expiresAt": r.expires_at.isoformat() if r.expires_at else None,
            "lastUsedAt": r.last_used_at.isoformat() if r.last_used_at else None,
        }
        for r in rows
    ]
    if as_json:
        typer.echo(json.dumps(items))
        return
    for item in items:
        typer.echo(
            f"{item['id']}  note={item['note'] or '-'}  expires={item['expiresAt'] or 'never'}  lastUsed={item['lastUsedAt'] or 'never'}"
        )
    if not items:
        typer.echo("no keys")


@app.command("bootstrap", hidden=True)
def bootstrap(base_url: Annotated[str, typer.Option()] = "http://127.0.0.1:8000") -> None:
    """First run: when there is no user yet, create an admin and print one API key."""
    from calapi.api_keys import service as api_keys_service
    from calapi.users import service as users_service

    settings = settings_or_exit()

    async def work(session: Any) -> Any:
        if await users_service.count(session) > 0:
            return None
        admin = await users_service.create(
            session, email="admin@localhost.localdomain", username="admin", name="Admin", admin=True
        )
        return await api_keys_service.mint(
            session, user_id=admin.id, prefix=settings.api_key_prefix, note="first-run admin key"
        )

    minted = run_db(work)
    if minted is None:
        return
    typer.echo(
        "\nFirst run: created the admin user (admin@localhost.localdomain) and this API key — it is shown once:\n\n"
        f"    {minted.key}\n\n"
        f'Try it:  curl -H "Authorization: Bearer {minted.key}" {base_url}/v2/me\n'
    )


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
