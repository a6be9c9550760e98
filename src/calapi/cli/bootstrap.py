"""``calapi bootstrap`` (hidden): the first run's admin user and API key."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from calapi.cli.common import run_db, settings_or_exit


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
