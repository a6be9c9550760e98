"""``GET /v2/slots`` for a 25-host round-robin team event type, over HTTP, on SQLite and PostgreSQL.

One team, 25 accepted members in five zones (London, New York, Tokyo, Kolkata, Sydney), each
Mon–Fri 09:00–17:00 in their zone, 500 bookings each at random quarter hours inside their working
hours (12,500 in all); one round-robin team event type with the 25 hosts (one mandatory host
would empty most days, so none), 30-minute events, 15-minute interval, 2 hours of notice; a
60-day window from tomorrow, listed by ``teamSlug`` + ``eventTypeSlug``. uvicorn in a child
process (one worker); closed-loop keep-alive connections (1, then --connections); the median
round by p95. Also prints the number of SQL statements one such request runs (counted in process
through the ASGI app). Target: p95 < 150 ms.

PostgreSQL: a fresh database ``calapi_bench_<random>`` is created, migrated and dropped afterwards.

Run: .venv/bin/python bench/bench_slots_team_http.py [--duration 5] [--rounds 3] [--connections 4] [--skip-postgres]
     .venv/bin/python bench/bench_slots_team_http.py --profile   # cProfile of the request, in process, on SQLite
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.common import latency_by_connections, machine, on_each_database, today, uvicorn_server

HOSTS = 25
BOOKINGS_PER_HOST = 500
WINDOW_DAYS = 60
ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney")
TEAM_SLUG, EVENT_SLUG = "bench-team", "round-robin"


async def seed(url: str) -> tuple[str, str]:
    """The team, its members with schedules, the round-robin event type and the bookings (Core bulk inserts)."""
    from sqlalchemy import insert

    from calapi.bookings.models import Booking
    from calapi.db import make_engine, make_sessionmaker
    from calapi.event_types.models import EventType, Host
    from calapi.schedules.models import Availability, Schedule
    from calapi.teams.models import Membership, Team
    from calapi.users.models import User

    rng = random.Random(20261124)
    window_start = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), time(), UTC)
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        team = Team(name="Bench team", slug=TEAM_SLUG, time_zone="Europe/London", week_start="Sunday")
        session.add(team)
        users = [
            User(email=f"host{i}@example.com", username=f"host{i}", name=f"Host {i}", time_zone=ZONES[i % len(ZONES)])
            for i in range(HOSTS)
        ]
        session.add_all(users)
        await session.flush()
        schedules = [Schedule(user_id=u.id, name="Working hours", time_zone=u.time_zone) for u in users]
        session.add_all(schedules)
        await session.flush()
        for user, schedule in zip(users, schedules, strict=False):
            user.default_schedule_id = schedule.id
            session.add(
                Availability(schedule_id=schedule.id, days=[1, 2, 3, 4, 5], start_time=time(9), end_time=time(17))
            )
            session.add(Membership(team_id=team.id, user_id=user.id, role="MEMBER", accepted=True))
        event = EventType(
            team_id=team.id,
            title="Round robin",
            slug=EVENT_SLUG,
            length_in_minutes=30,
            slot_interval=15,
            minimum_booking_notice=120,
            scheduling_type="ROUND_ROBIN",
        )
        session.add(event)
        await session.flush()
        session.add_all(Host(event_type_id=event.id, user_id=u.id, is_fixed=False, priority=2) for u in users)
        rows = []
        for user in users:
            zone = ZoneInfo(user.time_zone)
            for _ in range(BOOKINGS_PER_HOST):
                day = window_start.date() + timedelta(days=rng.randrange(WINDOW_DAYS))
                start = (datetime.combine(day, time(9), zone) + timedelta(minutes=15 * rng.randrange(32))).astimezone(
                    UTC
                )
                rows.append(
                    {
                        "uid": uuid.uuid4().hex,
                        "user_id": user.id,
                        "event_type_id": event.id,
                        "title": "Meeting",
                        "start_time": start,
                        "end_time": start + timedelta(minutes=rng.choice((15, 30, 45, 60))),
                        "status": "accepted",
                    }
                )
        await session.execute(insert(Booking), rows)
        await session.commit()
    await engine.dispose()
    end = window_start + timedelta(days=WINDOW_DAYS - 1)
    return window_start.date().isoformat(), end.date().isoformat()


def prepare(url: str) -> tuple[str, str]:
    from calapi.cli import migrate_database
    from calapi.config import load_settings

    migrate_database(load_settings(database_url=url))
    window = asyncio.run(seed(url))
    asyncio.run(_analyze(url))
    return window


async def _analyze(url: str) -> None:
    """Refresh the planner's statistics after the bulk seed, as autovacuum would soon after in a
    running system; without it PostgreSQL plans the fresh tables as if they were empty."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import text

    from calapi.db import make_engine

    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


def _path(start: str, end: str) -> str:
    return f"/v2/slots?teamSlug={TEAM_SLUG}&eventTypeSlug={EVENT_SLUG}&start={start}&end={end}&timeZone=America/Los_Angeles"


async def _in_process(url: str, path: str, *, profile: bool) -> int:
    """Statements one request runs (and, with ``profile``, cProfile of 20 requests through the ASGI app)."""
    import cProfile
    import pstats

    import httpx
    from asgi_lifespan import LifespanManager
    from sqlalchemy import event

    from calapi.app import create_app
    from calapi.config import load_settings

    app = create_app(load_settings(database_url=url, run_worker=False, rate_limit="100000000/minute"))
    headers = {"cal-api-version": "2024-09-04"}
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        assert (await client.get(path, headers=headers)).status_code == 200
        statements: list[str] = []
        listener = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(app.state.engine.sync_engine, "before_cursor_execute", listener)
        assert (await client.get(path, headers=headers)).status_code == 200
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", listener)
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(20):
                await client.get(path, headers=headers)
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
    return len(statements)


def measure(url: str, label: str, args: argparse.Namespace) -> dict:
    start, end = prepare(url)
    path = _path(start, end)
    statements = asyncio.run(_in_process(url, path, profile=False))
    env = {"CALAPI_DATABASE_URL": url, "CALAPI_RATE_LIMIT": "100000000/minute", "CALAPI_RUN_WORKER": "false"}
    headers = {"cal-api-version": "2024-09-04"}
    with uvicorn_server("calapi.asgi:app", env, health="/health") as base:
        import httpx

        check = httpx.get(base + path, headers=headers, timeout=30)
        assert check.status_code == 200, check.text
        slots = sum(len(day) for day in check.json()["data"].values())
        by_connections = latency_by_connections(base, path, headers, args)
    return {
        "database": label,
        "slots": slots,
        "statements_per_request": statements,
        "window": f"{start}..{end}",
        "by_connections": by_connections,
    }


def main() -> None:
    global WINDOW_DAYS  # --days changes the module's window (seed and request read it)
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--days", type=int, default=WINDOW_DAYS, help="the window listed, and the span the bookings are spread over"
    )
    args = parser.parse_args()
    WINDOW_DAYS = args.days

    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            start, end = prepare(url)
            print("statements per request:", asyncio.run(_in_process(url, _path(start, end), profile=True)))
        return
    results = on_each_database(lambda url, label: measure(url, label, args), skip_postgres=args.skip_postgres)
    report = {
        "benchmark": f"GET /v2/slots over HTTP, round-robin team event, 25 hosts in 5 zones, 500 bookings each, {WINDOW_DAYS} days, 15-minute interval, 30-minute events",
        "date": today(),
        "machine": machine(),
        "connections": args.connections,
        "duration_s": args.duration,
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
