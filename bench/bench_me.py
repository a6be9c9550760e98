"""``GET /v2/me`` (authenticated, rate limiter on, SQLite) against a bare FastAPI constant endpoint.

Same uvicorn flags, one process each, same run, measured alternately. Target: ratio ≥ 0.5.
Run: .venv/bin/python bench/bench_me.py [--duration 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, today, uvicorn_server
from bench.loadgen import run_load


def prepare(url: str) -> str:
    """Migrate the database at ``url`` and seed one user with an API key; returns the key."""
    from calapi.api_keys import service as api_keys_service
    from calapi.cli import migrate_database
    from calapi.config import load_settings
    from calapi.db import make_engine, make_sessionmaker
    from calapi.users import service as users_service

    migrate_database(load_settings(database_url=url))

    async def seed() -> str:
        engine = make_engine(url)
        async with make_sessionmaker(engine)() as session:
            user = await users_service.create(session, email="bench@example.com", username="bench")
            minted = await api_keys_service.mint(session, user_id=user.id, prefix="cal_")
            await session.commit()
        await engine.dispose()
        return minted.key

    return asyncio.run(seed())


def prepare_database(directory: Path) -> tuple[str, str]:
    url = f"sqlite+aiosqlite:///{directory}/bench.db"
    return url, prepare(url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url, key = prepare_database(Path(tmp))
        # A limit far above what one process can serve: the limiter does all its work, never refuses.
        calapi_env = {"CALAPI_DATABASE_URL": url, "CALAPI_RATE_LIMIT": "100000000/minute", "CALAPI_RUN_WORKER": "false"}
        headers = {"Authorization": f"Bearer {key}"}
        results: dict[str, list[dict]] = {"bare": [], "calapi": []}
        with (
            uvicorn_server("bench.bare_app:app", {}) as bare,
            uvicorn_server("calapi.asgi:app", calapi_env, health="/health") as calapi,
        ):
            for _ in range(args.rounds):
                for name, base, hdrs in (("bare", bare, {}), ("calapi", calapi, headers)):
                    result = asyncio.run(
                        run_load(base + "/v2/me", headers=hdrs, connections=args.connections, duration=args.duration)
                    )
                    assert set(result.statuses) == {200}, result.statuses
                    results[name].append(result.summary())
    bare_rps = sum(r["rps"] for r in results["bare"]) / len(results["bare"])
    calapi_rps = sum(r["rps"] for r in results["calapi"]) / len(results["calapi"])
    report = {
        "benchmark": "GET /v2/me vs bare FastAPI",
        "date": today(),
        "machine": machine(),
        "connections": args.connections,
        "duration_s": args.duration,
        "bare_rps": round(bare_rps, 1),
        "calapi_rps": round(calapi_rps, 1),
        "ratio": round(calapi_rps / bare_rps, 3),
        "runs": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
