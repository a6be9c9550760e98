"""``calapi worker``: the background job loop as a process of its own."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from typing import Annotated

import typer

from calapi.cli.common import settings_or_exit
from calapi.cli.migrate import require_migrated


def worker(
    poll_interval: Annotated[
        float, typer.Option(help="Seconds between polls when idle (PostgreSQL also wakes on NOTIFY)")
    ] = 1.0,
) -> None:
    """Run the background job loop (webhook deliveries, reminders) until stopped."""
    from calapi.availability.cache import for_worker as availability_changes_for
    from calapi.db import make_engine, make_sessionmaker
    from calapi.jobs.worker import Worker, listen_for_jobs
    from calapi.wiring import register_job_handlers

    settings = settings_or_exit()
    require_migrated(settings)
    register_job_handlers(settings)

    async def main() -> None:
        engine = make_engine(settings.database_url)
        sessionmaker = make_sessionmaker(engine)
        # What the jobs write (calendars' busy times above all) reaches the servers' listings.
        change_log = availability_changes_for(settings, sessionmaker)
        loop_worker = Worker(
            sessionmaker, poll_interval=poll_interval, lease=timedelta(seconds=settings.job_lease_seconds)
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
            if change_log is not None:
                await change_log.close()
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
