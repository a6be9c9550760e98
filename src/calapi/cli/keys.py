"""``calapi keys …``: mint, list and revoke API keys."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any

import typer

from calapi.cli.common import emit, fail, run_db, settings_or_exit

keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


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
    emit(as_json, data, f"{minted.key}\n(id {minted.row.id}; shown once — store it now)")


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
        emit(True, items, "")
        return
    for item in items:
        typer.echo(
            f"{item['id']}  note={item['note'] or '-'}  expires={item['expiresAt'] or 'never'}  lastUsed={item['lastUsedAt'] or 'never'}"
        )
    if not items:
        typer.echo("no keys")
