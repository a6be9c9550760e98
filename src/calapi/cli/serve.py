"""``calapi serve``: the API under uvicorn, once the schema is current."""

from __future__ import annotations

from typing import Annotated

import typer

from calapi.cli.common import settings_or_exit
from calapi.cli.migrate import require_migrated


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
