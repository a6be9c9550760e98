"""Yardsticks: bare FastAPI endpoints, served exactly like calapi.

- ``GET /v2/me`` returns a constant (what the cheapest authenticated read could cost).
- ``POST /bare/commit`` inserts one row and commits through an asyncpg pool (what the cheapest
  HTTP create could cost); it is served only when ``BENCH_POSTGRES_DSN`` is set.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

_pools: dict[str, object] = {}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    dsn = os.environ.get("BENCH_POSTGRES_DSN")
    if dsn:
        import asyncpg

        _pools["pg"] = await asyncpg.create_pool(dsn, min_size=2, max_size=8)
    yield
    if "pg" in _pools:
        await _pools.pop("pg").close()  # type: ignore[attr-defined]


app = FastAPI(lifespan=_lifespan)


@app.get("/v2/me")
async def constant() -> dict[str, object]:
    return {"status": "success", "data": {"id": 1}}


@app.post("/bare/commit", status_code=201)
async def commit_one_row(request: Request) -> dict[str, object]:
    body = await request.json()
    async with _pools["pg"].acquire() as conn, conn.transaction():  # type: ignore[attr-defined]
        await conn.execute("INSERT INTO bench_rows (payload) VALUES ($1)", body["payload"])
    return {"status": "success"}
