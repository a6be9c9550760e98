"""``calapi users …``: manage users."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from calapi.cli.common import emit, fail, run_db, settings_or_exit

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


@users_app.command("set-password")
def users_set_password(
    email: Annotated[str, typer.Option(help="The user's email address, username or id.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
    ] = False,
) -> None:
    """Set a user's password for the settings pages (every browser where they are signed in is signed out)."""
    from calapi.accounts import service as accounts_service
    from calapi.users import service as users_service

    if password_stdin:
        password = typer.get_text_stream("stdin").readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)

    async def work(session: Any) -> Any:
        user = await users_service.find(session, email)
        await accounts_service.set_password(session, user.id, password)
        return user

    user = run_db(work)
    typer.echo(f"password set for user {user.id} <{user.email}>; sign in at /sign-in")


@users_app.command("sign-in-link")
def users_sign_in_link(
    email: Annotated[str, typer.Option(help="The user's email address, username or id.")],
    base_url: Annotated[str, typer.Option(help="The address browsers reach this server at.")] = "",
) -> None:
    """Print a one-time link (valid one hour) where the user chooses a password and is signed in."""
    from calapi.accounts import service as accounts_service
    from calapi.users import service as users_service

    settings = settings_or_exit()
    base = (base_url or settings.public_url or "http://127.0.0.1:8000").rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise fail("--base-url must start with http:// or https://")

    async def work(session: Any) -> Any:
        user = await users_service.find(session, email)
        return await accounts_service.create_link(session, user.id, accounts_service.FIRST_RUN_LINK_LIFETIME)

    token = run_db(work)
    typer.echo(f"{base}/sign-in/link/{token}")
