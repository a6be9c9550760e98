"""``GET /v2/bookings`` over HTTP for a user with 10,000 bookings, on SQLite and on PostgreSQL.

One organizer with 10,000 bookings (one attendee each; every 10th in a recurring series, every
7th cancelled, spread over two years around today) plus 2,000 bookings of another user the
organizer attends — seeded with bulk inserts through SQLAlchemy Core, not the API. The request is
the default page (``take`` 100, no filters: COUNT + page + the page's attendees, event types and
organizers). The server is uvicorn in a child process (one worker). Target: p95 < 50 ms.

PostgreSQL: a fresh database ``calapi_bench_<random>`` is created, migrated, and dropped afterwards.

Run: .venv/bin/python bench/bench_bookings_list.py [--duration 10] [--connections 4] [--rounds 3] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.common import latency_by_connections, machine, on_each_database, today, uvicorn_server

BOOKINGS = 10_000
ATTENDED = 2_000
CHUNK = 1_000


async def seed(url: str) -> str:
    """The organizer, an API key, an event type, and the bookings (Core bulk inserts). Returns the key."""
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
        other = await users_service.create(
            session, email="other@example.com", username="other", name="Other", time_zone="UTC"
        )
        key = (await api_keys_service.mint(session, user_id=host.id, prefix=settings.api_key_prefix)).key
        event = EventType(owner_id=host.id, title="Thirty", slug="thirty", length_in_minutes=30)
        session.add(event)
        await session.flush()
        rows = []
        for i in range(BOOKINGS + ATTENDED):
            start = now - timedelta(days=365) + timedelta(minutes=105 * i)
            rows.append(
                {
                    "uid": uuid.uuid4().hex,
                    "user_id": host.id if i < BOOKINGS else other.id,
                    "event_type_id": event.id if i < BOOKINGS else None,
                    "title": f"Meeting {i}",
                    "start_time": start,
                    "end_time": start + timedelta(minutes=30),
                    "status": "cancelled" if i % 7 == 0 else "accepted",
                    "recurring_event_id": f"series-{i // 40}" if i % 10 == 0 else None,
                    "responses": {"name": f"Booker {i}", "email": f"booker{i}@example.com"},
                    "booking_metadata": {},
                    "rescheduled": False,
                    "absent_host": False,
                    "created_at": start - timedelta(days=3),
                    "updated_at": start - timedelta(days=3),
                }
            )
        for first in range(0, len(rows), CHUNK):
            await session.execute(insert(Booking), rows[first : first + CHUNK])
        ids = (await session.execute(select(Booking.id, Booking.user_id).order_by(Booking.id))).all()
        attendees = [
            {
                "booking_id": booking_id,
                "name": f"Booker {n}",
                "email": f"booker{n}@example.com" if user_id == host.id else "host@example.com",
                "time_zone": "Europe/Rome",
                "locale": "it",
                "absent": False,
                "created_at": now,
            }
            for n, (booking_id, user_id) in enumerate(ids)
        ]
        for first in range(0, len(attendees), CHUNK):
            await session.execute(insert(Attendee), attendees[first : first + CHUNK])
        await session.commit()
    await engine.dispose()
    return key


def prepare(url: str) -> str:
    from calapi.cli import migrate_database
    from calapi.config import load_settings

    migrate_database(load_settings(database_url=url))
    return asyncio.run(seed(url))


def measure(url: str, label: str, args: argparse.Namespace) -> dict:
    key = prepare(url)
    env = {"CALAPI_DATABASE_URL": url, "CALAPI_RATE_LIMIT": "100000000/minute", "CALAPI_RUN_WORKER": "false"}
    headers = {"cal-api-version": "2024-08-13", "Authorization": f"Bearer {key}"}
    path = "/v2/bookings"
    with uvicorn_server("calapi.asgi:app", env, health="/health") as base:
        import httpx

        check = httpx.get(base + path, headers=headers, timeout=30)
        assert check.status_code == 200, check.text
        body = check.json()
        assert len(body["data"]) == 100 and body["pagination"]["totalItems"] == BOOKINGS + ATTENDED, body["pagination"]
        by_connections = latency_by_connections(base, path, headers, args)
    return {"database": label, "totalItems": body["pagination"]["totalItems"], "by_connections": by_connections}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    results = on_each_database(lambda url, label: measure(url, label, args), skip_postgres=args.skip_postgres)
    report = {
        "benchmark": f"GET /v2/bookings (default page, take 100) for a user with {BOOKINGS} bookings + {ATTENDED} attended",
        "date": today(),
        "machine": machine(),
        "connections": args.connections,
        "duration_s": args.duration,
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
