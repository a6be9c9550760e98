"""``GET /v1/bookings`` against ``GET /v2/bookings``: same data, same server, same run, alternating.

One organizer with 2,000 bookings (one attendee each, every 7th cancelled), seeded with bulk
inserts through SQLAlchemy Core. v1 is asked for ``take=100&page=1`` (``?apiKey=``), v2 for
``take=100`` (Bearer key, ``cal-api-version: 2024-08-13``). One uvicorn worker in a child process
serves both; each round runs v1 then v2 (then the next round v2 then v1, so neither always goes
first). Target: v1 not slower than v2 by more than 10 % in requests/s and in p95.

Run: .venv/bin/python bench/bench_v1_v2_bookings.py [--duration 5] [--connections 4] [--rounds 3] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.common import machine, on_each_database, today, uvicorn_server
from bench.loadgen import run_load

BOOKINGS = 2_000
TAKE = 100


async def seed(url: str) -> str:
    """The organizer, an API key, an event type and the bookings with one attendee each. Returns the key."""
    from sqlalchemy import insert, select

    from calapi.api_keys import service as api_keys_service
    from calapi.bookings.models import Attendee, Booking
    from calapi.config import load_settings
    from calapi.db import make_engine, make_sessionmaker
    from calapi.event_types.models import EventType
    from calapi.users import service as users_service

    settings = load_settings(database_url=url)
    engine = make_engine(url)
    now = datetime.now(UTC).replace(microsecond=0)
    async with make_sessionmaker(engine)() as session:
        host = await users_service.create(
            session, email="host@example.com", username="host", name="Host", time_zone="UTC"
        )
        key = (await api_keys_service.mint(session, user_id=host.id, prefix=settings.api_key_prefix)).key
        event = EventType(owner_id=host.id, title="Thirty", slug="thirty", length_in_minutes=30)
        session.add(event)
        await session.flush()
        rows = []
        for i in range(BOOKINGS):
            start = now - timedelta(days=60) + timedelta(minutes=105 * i)
            rows.append(
                {
                    "uid": uuid.uuid4().hex,
                    "user_id": host.id,
                    "event_type_id": event.id,
                    "title": f"Meeting {i}",
                    "start_time": start,
                    "end_time": start + timedelta(minutes=30),
                    "status": "cancelled" if i % 7 == 0 else "accepted",
                    "responses": {"name": f"Booker {i}", "email": f"booker{i}@example.com"},
                    "booking_metadata": {},
                    "rescheduled": False,
                    "absent_host": False,
                    "created_at": start - timedelta(days=3),
                    "updated_at": start - timedelta(days=3),
                }
            )
        await session.execute(insert(Booking), rows)
        ids = (await session.execute(select(Booking.id).order_by(Booking.id))).scalars().all()
        await session.execute(
            insert(Attendee),
            [
                {
                    "booking_id": booking_id,
                    "name": f"Booker {n}",
                    "email": f"booker{n}@example.com",
                    "time_zone": "Europe/Rome",
                    "locale": "it",
                    "absent": False,
                    "created_at": now,
                }
                for n, booking_id in enumerate(ids)
            ],
        )
        await session.commit()
    await engine.dispose()
    return key


def measure(url: str, label: str, args: argparse.Namespace) -> dict:
    from calapi.cli import migrate_database
    from calapi.config import load_settings

    migrate_database(load_settings(database_url=url))
    key = asyncio.run(seed(url))
    env = {"CALAPI_DATABASE_URL": url, "CALAPI_RATE_LIMIT": "100000000/minute", "CALAPI_RUN_WORKER": "false"}
    requests = {
        "v1": (f"/v1/bookings?apiKey={key}&take={TAKE}&page=1", {}),
        "v2": (f"/v2/bookings?take={TAKE}", {"cal-api-version": "2024-08-13", "Authorization": f"Bearer {key}"}),
    }
    rounds: dict[str, list[dict]] = {"v1": [], "v2": []}
    with uvicorn_server("calapi.asgi:app", env, health="/health") as base:
        import httpx

        v1 = httpx.get(base + requests["v1"][0], timeout=30)
        assert v1.status_code == 200 and len(v1.json()["bookings"]) == TAKE, v1.text[:300]
        v2 = httpx.get(base + requests["v2"][0], headers=requests["v2"][1], timeout=30)
        assert v2.status_code == 200 and len(v2.json()["data"]) == TAKE, v2.text[:300]
        for n in range(args.rounds):
            for version in ("v1", "v2") if n % 2 == 0 else ("v2", "v1"):
                path, headers = requests[version]
                result = asyncio.run(
                    run_load(base + path, headers=headers, connections=args.connections, duration=args.duration)
                )
                assert set(result.statuses) == {200}, result.statuses
                rounds[version].append(result.summary())
    medians = {
        version: {
            "rps": statistics.median(r["rps"] for r in runs),
            "p95_ms": statistics.median(r["p95_ms"] for r in runs),
        }
        for version, runs in rounds.items()
    }
    return {
        "database": label,
        "median": medians,
        "v1_rps_vs_v2": round(medians["v1"]["rps"] / medians["v2"]["rps"], 3),
        "v1_p95_vs_v2": round(medians["v1"]["p95_ms"] / medians["v2"]["p95_ms"], 3),
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="also measure on PostgreSQL")
    args = parser.parse_args()

    results = on_each_database(lambda url, label: measure(url, label, args), skip_postgres=not args.postgres)
    print(
        json.dumps(
            {
                "benchmark": f"GET /v1/bookings?take={TAKE}&page=1 vs GET /v2/bookings?take={TAKE}, {BOOKINGS} bookings of one user",
                "date": today(),
                "machine": machine(),
                "connections": args.connections,
                "duration_s": args.duration,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
