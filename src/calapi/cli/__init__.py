"""``calapi``: serve, worker, migrate, users, keys — one module per use case, assembled here.

The console script is ``calapi.cli:app``; ``python -m calapi`` runs ``main``.
"""

from __future__ import annotations

import sys

import typer

from calapi.cli.bootstrap import bootstrap
from calapi.cli.keys import keys_app
from calapi.cli.migrate import migrate, migrate_database, require_migrated
from calapi.cli.serve import serve
from calapi.cli.users import users_app
from calapi.cli.worker import worker
from calapi.config import SettingsError

__all__ = ["app", "main", "migrate_database", "require_migrated"]

app = typer.Typer(
    help="calapi — a self-hostable server that speaks Cal.com's API.", no_args_is_help=True, add_completion=False
)
app.command()(migrate)
app.command()(serve)
app.command()(worker)
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.command("bootstrap", hidden=True)(bootstrap)


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
