"""``create_app(settings)``: middleware, exception handlers, routers — wiring only."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from fastapi import FastAPI
from fastapi.routing import APIRoute

from calapi import __version__
from calapi.api_keys import service as api_keys_service
from calapi.api_keys.v1 import router as api_keys_v1
from calapi.api_keys.v2 import router as api_keys_v2
from calapi.availability.cache import for_app as availability_cache_for
from calapi.bookings.api_v1.attendees import router as attendees_v1
from calapi.bookings.api_v1.routes import router as bookings_v1
from calapi.bookings.api_v2.create import router as bookings_create_v2
from calapi.bookings.api_v2.legacy import router as bookings_legacy_v2
from calapi.bookings.api_v2.manage import router as bookings_manage_v2
from calapi.calendars.v1 import router as calendars_v1
from calapi.calendars.v2 import booking_router as booking_calendars_v2
from calapi.calendars.v2 import destination_router as destination_calendars_v2
from calapi.calendars.v2 import ics_router as booking_ics_v2
from calapi.calendars.v2 import router as calendars_v2
from calapi.calendars.v2 import selected_router as selected_calendars_v2
from calapi.config import Settings, get_settings
from calapi.core import docs_pages, handlers
from calapi.core.api_schemas import error_responses_for
from calapi.core.auth import LimitSpec
from calapi.core.idempotency import IdempotencyMiddleware
from calapi.core.jsonbody import StrictJsonMiddleware
from calapi.core.middleware import (
    AuthRateLimitMiddleware,
    BodySizeLimitMiddleware,
    EdgeMiddleware,
    TrustedProxyMiddleware,
)
from calapi.core.openapi import split_documents
from calapi.core.ratelimit import RateLimiter
from calapi.core.v1_paths import V1PathAliases
from calapi.db import make_engine, make_inline_reader, make_sessionmaker
from calapi.event_types.legacy_v2 import router as event_types_legacy_v2
from calapi.event_types.team_v2 import router as team_event_types_v2
from calapi.event_types.v1 import router as event_types_v1
from calapi.event_types.v2 import router as event_types_v2
from calapi.insights.v2 import router as insights_v2
from calapi.jobs.worker import Worker, wake_on_commit
from calapi.schedules.legacy_v2 import router as schedules_legacy_v2
from calapi.schedules.v1 import router as schedules_v1
from calapi.schedules.v2 import router as schedules_v2
from calapi.schedules.v2 import team_router as team_schedules_v2
from calapi.slots.legacy_v2 import router as slots_legacy_v2
from calapi.slots.v1 import router as slots_v1
from calapi.slots.v2 import router as slots_v2
from calapi.system.v1_unbacked import router as unbacked_v1
from calapi.system.v2 import router as system_v2
from calapi.system.versions import router as versions_v2
from calapi.teams.v1 import router as teams_v1
from calapi.teams.v2 import router as teams_v2
from calapi.users.v1 import router as users_v1
from calapi.users.v2 import router as users_v2
from calapi.web import site as web_pages
from calapi.webhooks.v1 import router as webhooks_v1
from calapi.webhooks.v2 import event_type_router as event_type_webhooks_v2
from calapi.webhooks.v2 import router as webhooks_v2
from calapi.webhooks.v2 import team_router as team_webhooks_v2
from calapi.wiring import register_domain_hooks, register_job_handlers
from calapi.workflows.v2 import booking_router as booking_messages_v2
from calapi.workflows.v2 import router as workflows_v2
from calapi.workflows.v2 import team_router as team_workflows_v2


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    inline_reader = make_inline_reader(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    limit, window = settings.rate_limit_parsed
    default_limit = LimitSpec(name="default", limit=limit, window_seconds=window)
    limiter = RateLimiter(default_limit, settings.redis_url)
    register_job_handlers(settings)
    register_domain_hooks()
    worker = (
        Worker(sessionmaker, lease=timedelta(seconds=settings.job_lease_seconds))
        if settings.worker_in_process
        else None
    )
    if worker is not None:
        wake_on_commit(sessionmaker, worker)  # a booking's webhooks go out right after its commit
    # Hosts' busy time between slot listings; the sessions publish what they change on commit.
    availability_cache = availability_cache_for(settings, sessionmaker)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker_task = asyncio.create_task(worker.run()) if worker else None
        try:
            yield
        finally:
            if worker and worker_task:
                await worker.stop()
                worker_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker_task
            await limiter.close()
            if availability_cache is not None:
                await availability_cache.close()
            await engine.dispose()
            if inline_reader is not None:
                inline_reader.close()

    app = FastAPI(
        title="calapi",
        version=__version__,
        description="A self-hostable scheduling server that speaks Cal.com's API v2 (and v1).",
        docs_url=None,  # Swagger UI and ReDoc with local assets: core/docs_pages.py
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.limiter = limiter
    app.state.worker = worker
    app.state.availability_cache = availability_cache

    handlers.install(app)
    for router in (
        system_v2,
        users_v2,
        api_keys_v2,
        users_v1,
        schedules_v2,
        event_types_v2,
        slots_v2,
        bookings_create_v2,
        bookings_manage_v2,
        teams_v2,
        team_event_types_v2,
        team_schedules_v2,
        webhooks_v2,
        event_type_webhooks_v2,
        team_webhooks_v2,
        calendars_v2,
        selected_calendars_v2,
        destination_calendars_v2,
        booking_calendars_v2,
        booking_ics_v2,
        workflows_v2,
        team_workflows_v2,
        booking_messages_v2,
        insights_v2,
        schedules_v1,
        event_types_v1,
        bookings_v1,
        webhooks_v1,
        api_keys_v1,
        teams_v1,
        slots_v1,
        attendees_v1,
        calendars_v1,
        unbacked_v1,
        bookings_legacy_v2,
        event_types_legacy_v2,
        schedules_legacy_v2,
        slots_legacy_v2,
        versions_v2,
    ):
        app.include_router(router, responses=error_responses_for(router))
    split_documents(app)  # v1 routes in /v1/openapi.json, the rest in /openapi.json
    docs_pages.install(app)
    web_pages.install(app)  # the settings pages (signed in with a cookie the API never reads)

    # add_middleware wraps: the last added runs first.
    # Idempotency sits inside auth and rate limiting: a replay is still an authenticated, counted request.
    app.add_middleware(IdempotencyMiddleware, sessionmaker=sessionmaker)
    app.add_middleware(
        AuthRateLimitMiddleware,
        limiter=limiter,
        resolve_key=api_keys_service.make_resolver(sessionmaker, default_limit, inline_reader),
        key_prefix=settings.api_key_prefix,
    )
    # Strict JSON inside the body cap (which bounds what it reads), before anything parses a body.
    app.add_middleware(StrictJsonMiddleware, max_depth=settings.max_json_depth)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.trusted_proxy_networks:
        app.add_middleware(TrustedProxyMiddleware, networks=settings.trusted_proxy_networks)
    app.add_middleware(EdgeMiddleware)
    # Outermost: v1 at the root and /v1/hooks become plain /v1 paths before any layer reads the path.
    app.add_middleware(V1PathAliases, routes=app.router.routes)
    return app
