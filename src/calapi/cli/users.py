"""``calapi users …``: manage users."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from calapi.cli.common import emit, run_db

users_app = typer.Typer(help="Manage users.", no_args_is_help=True)


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
    emit(as_json, data, f"created user {user.id} <{user.email}> ({user.role})")
