"""``GET /v2/slots`` over HTTP through a running server, on SQLite and on PostgreSQL.

One host (Mon–Fri 09:00–17:00 Europe/London), a 60-day window from tomorrow, 15-minute slot
interval, 30-minute events with 5-minute buffers and 2 hours of notice, 500 bookings at random
quarter hours inside working hours (1 in 5 of another event type with its own buffer), a few live
holds. The server is uvicorn in a child process (one worker); latency is measured with a few
keep-alive connections (1, then --connections), since p95 is the figure. Target: p95 < 50 ms.

PostgreSQL: a fresh database ``calapi_bench_<random>`` is created on --postgres, migrated, and
dropped afterwards. The 25-host round-robin team variant is bench/bench_slots_team_http.py.

Run: .venv/bin/python bench/bench_slots_http.py [--duration 10] [--connections 4] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.common import latency_by_connections, machine, on_each_database, today, uvicorn_server

BOOKINGS = 500
WINDOW_DAYS = 60
ZONE = "Europe/London"


async def seed(url: str) -> tuple[int, str, str]:
    """One host with a schedule, the listed event type, another event type, bookings and holds."""
    from calapi.bookings.models import Booking
    from calapi.db import make_engine, make_sessionmaker
    from calapi.event_types.models import EventType
    from calapi.schedules.models import Availability, Schedule

    try:
        from calapi.availability.models import SlotReservation
    except ImportError:  # a revision from before the availability room (compare_revisions seeds it too)
        from calapi.slots.models import SlotReservation  # type: ignore[no-redef]
    from calapi.users import service as users_service

    rng = random.Random(20261124)
    window_start = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), time(), UTC)
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        user = await users_service.create(session, email="host@example.com", username="host", time_zone=ZONE)
        schedule = Schedule(user_id=user.id, name="Working hours", time_zone=ZONE)
        session.add(schedule)
        await session.flush()
        session.add(Availability(schedule_id=schedule.id, days=[1, 2, 3, 4, 5], start_time=time(9), end_time=time(17)))
        user.default_schedule_id = schedule.id
        listed = EventType(
            owner_id=user.id,
            title="Thirty",
            slug="thirty",
            length_in_minutes=30,
            slot_interval=15,
            minimum_booking_notice=120,
            before_event_buffer=5,
            after_event_buffer=5,
        )
        other = EventType(owner_id=user.id, title="Other", slug="other", length_in_minutes=60, after_event_buffer=10)
        session.add_all([listed, other])
        await session.flush()
        zone = ZoneInfo(ZONE)
        for i in range(BOOKINGS):
            day = window_start.date() + timedelta(days=rng.randrange(WINDOW_DAYS))
            start = (datetime.combine(day, time(9), zone) + timedelta(minutes=15 * rng.randrange(32))).astimezone(UTC)
            length = rng.choice((15, 30, 45, 60))
            session.add(
                Booking(
                    uid=uuid.uuid4().hex,
                    user_id=user.id,
                    event_type_id=other.id if i % 5 == 0 else listed.id,
                    title="Meeting",
                    start_time=start,
                    end_time=start + timedelta(minutes=length),
                    status="accepted",
                )
            )
        for i in range(5):
            start = window_start + timedelta(days=2 + i, hours=10)
            session.add(
                SlotReservation(
                    uid=str(uuid.uuid4()),
                    event_type_id=listed.id,
                    user_id=user.id,
                    slot_start=start,
                    slot_end=start + timedelta(minutes=30),
                    release_at=datetime.now(UTC) + timedelta(days=1),
                )
            )
        await session.commit()
        event_id = listed.id
    await engine.dispose()
    end = window_start + timedelta(days=WINDOW_DAYS - 1)
    return event_id, window_start.date().isoformat(), end.date().isoformat()


def prepare(url: str) -> tuple[int, str, str]:
    from calapi.cli import migrate_database
    from calapi.config import load_settings

    migrate_database(load_settings(database_url=url))
    return asyncio.run(seed(url))


def measure(url: str, label: str, args: argparse.Namespace) -> dict:
    event_id, start, end = prepare(url)
    env = {"CALAPI_DATABASE_URL": url, "CALAPI_RATE_LIMIT": "100000000/minute", "CALAPI_RUN_WORKER": "false"}
    path = f"/v2/slots?eventTypeId={event_id}&start={start}&end={end}&timeZone=America/Los_Angeles"
    headers = {"cal-api-version": "2024-09-04"}
    with uvicorn_server("calapi.asgi:app", env, health="/health") as base:
        import httpx

        check = httpx.get(base + path, headers=headers, timeout=10)
        assert check.status_code == 200, check.text
        slots = sum(len(day) for day in check.json()["data"].values())
        by_connections = latency_by_connections(base, path, headers, args)
    return {"database": label, "slots": slots, "window": f"{start}..{end}", "by_connections": by_connections}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    results = on_each_database(lambda url, label: measure(url, label, args), skip_postgres=args.skip_postgres)
    report = {
        "benchmark": "GET /v2/slots over HTTP, one host, 60 days, 15-minute interval, 30-minute events, 500 bookings",
        "date": today(),
        "machine": machine(),
        "connections": args.connections,
        "duration_s": args.duration,
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
