"""``calapi bootstrap`` (hidden): the first run's admin user, API key and sign-in link."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from calapi.cli.common import run_db, settings_or_exit

ADMIN_EMAIL = "admin@localhost.localdomain"


def bootstrap(base_url: Annotated[str, typer.Option()] = "http://127.0.0.1:8000") -> None:
    """First run: when there is no user yet, create an admin, print one API key and a one-time
    link where the admin chooses a password. Later runs print how to sign in."""
    from calapi.accounts import service as accounts_service
    from calapi.api_keys import service as api_keys_service
    from calapi.users import service as users_service

    settings = settings_or_exit()
    base_url = base_url.rstrip("/")

    async def work(session: Any) -> Any:
        if await users_service.count(session) > 0:
            return None
        admin = await users_service.create(session, email=ADMIN_EMAIL, username="admin", name="Admin", admin=True)
        minted = await api_keys_service.mint(
            session, user_id=admin.id, prefix=settings.api_key_prefix, note="first-run admin key"
        )
        link = await accounts_service.create_link(session, admin.id, accounts_service.FIRST_RUN_LINK_LIFETIME)
        return minted, link

    made = run_db(work)
    if made is None:
        typer.echo(
            f"\nSettings pages: {base_url}/sign-in\n"
            f"No password yet, or forgot it? A new one-time link:  calapi users sign-in-link --email {ADMIN_EMAIL}"
            f" --base-url {base_url}\n"
            f"Or set one here:  calapi users set-password --email {ADMIN_EMAIL}\n"
        )
        return
    minted, link = made
    minutes = int(accounts_service.FIRST_RUN_LINK_LIFETIME.total_seconds() // 60)
    typer.echo(
        f"\nFirst run: created the admin user ({ADMIN_EMAIL}) and this API key — it is shown once:\n\n"
        f"    {minted.key}\n\n"
        f'Try it:  curl -H "Authorization: Bearer {minted.key}" {base_url}/v2/me\n\n'
        f"Choose the admin's password for the settings pages (API keys, webhooks) at this one-time link,\n"
        f"valid for {minutes} minutes:\n\n"
        f"    {base_url}/sign-in/link/{link}\n"
    )
