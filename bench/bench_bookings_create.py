"""``POST /v2/bookings`` throughput on PostgreSQL with two server processes, against bare commits.

Scenario: 8 hosts, each with an all-week 00:00–24:00 UTC schedule and a 15-minute event type
without notice; every request books a distinct slot (hosts round-robin, then 15-minute steps from
2050-01-03), so no two requests collide and the figure is the cost of a successful create: the
whole booking transaction (write begin, advisory lock, event type, schedule, busy, holds, engine,
booking + attendee + three outbox events and their jobs) and the HTTP around it.

Baseline, measured in the same run on the same database server: bare single-row
``INSERT … ; COMMIT`` transactions through asyncpg with the same number of concurrent clients.
The ratio creates/s ÷ bare commits/s is the figure (target ≥ 0.25).

Run: .venv/bin/python bench/bench_bookings_create.py [--duration 8] [--clients 8]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time as clock
from contextlib import ExitStack
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.common import machine, today, uvicorn_server  # noqa: E402

POSTGRES_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
HOSTS = 8
FIRST_DAY = datetime(2050, 1, 3, tzinfo=UTC)


async def seed(url: str) -> list[int]:
    from calapi.db import make_engine, make_sessionmaker
    from calapi.event_types.models import EventType
    from calapi.schedules.models import Availability, Schedule
    from calapi.users import service as users_service

    engine = make_engine(url)
    ids = []
    async with make_sessionmaker(engine)() as session:
        for n in range(HOSTS):
            user = await users_service.create(session, email=f"host{n}@example.com", username=f"host{n}", time_zone="UTC")
            schedule = Schedule(user_id=user.id, name="Always", time_zone="UTC")
            session.add(schedule)
            await session.flush()
            session.add(Availability(schedule_id=schedule.id, days=[0, 1, 2, 3, 4, 5, 6], start_time=time(0), end_time=time(23, 59)))
            user.default_schedule_id = schedule.id
            event = EventType(
                owner_id=user.id, title="Quick", slug="quick", length_in_minutes=15, minimum_booking_notice=0,
                locations=[{"type": "integration", "integration": "cal-video"}], booking_fields=[],
            )
            session.add(event)
            await session.flush()
            ids.append(event.id)
        await session.commit()
    await engine.dispose()
    return ids


_SLOT_NUMBERS = iter(range(10**9))  # shared by warm-up and measured runs: every request a new slot


async def create_load(bases: list[str], event_type_ids: list[int], clients: int, duration: float) -> tuple[int, int, float]:
    counter = _SLOT_NUMBERS
    ok = failed = 0

    async def worker(base: str) -> None:
        nonlocal ok, failed
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            while clock.perf_counter() < deadline:
                n = next(counter)
                event_type_id = event_type_ids[n % len(event_type_ids)]
                start = FIRST_DAY + timedelta(minutes=15 * (n // len(event_type_ids)))
                body = {
                    "start": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "eventTypeId": event_type_id,
                    "attendee": {"name": f"Booker {n}", "email": f"b{n}@example.com", "timeZone": "UTC"},
                }
                response = await http.post("/v2/bookings", json=body, headers={"cal-api-version": "2024-08-13"})
                if response.status_code == 201:
                    ok += 1
                else:
                    failed += 1
                    if failed < 3:
                        print("unexpected:", response.status_code, response.text[:300], file=sys.stderr)

    began = clock.perf_counter()
    deadline = began + duration
    await asyncio.gather(*(worker(bases[i % len(bases)]) for i in range(clients)))
    return ok, failed, clock.perf_counter() - began


async def bare_commits(url: str, clients: int, duration: float) -> tuple[int, float]:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(dsn)
    await admin.execute("CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, payload text NOT NULL)")
    await admin.close()
    pool = await asyncpg.create_pool(dsn, min_size=clients, max_size=clients)
    done = 0

    async def worker() -> None:
        nonlocal done
        async with pool.acquire() as conn:
            while clock.perf_counter() < deadline:
                async with conn.transaction():
                    await conn.execute("INSERT INTO bench_rows (payload) VALUES ($1)", "x" * 64)
                done += 1

    began = clock.perf_counter()
    deadline = began + duration
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = clock.perf_counter() - began
    await pool.close()
    return done, elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    from calapi.cli import migrate_database
    from calapi.config import load_settings
    from tests.support.databases import create_postgres_database, drop_postgres_database

    url = await create_postgres_database(POSTGRES_BASE)
    try:
        await asyncio.to_thread(migrate_database, load_settings(database_url=url))
        event_type_ids = await seed(url)
        env = {"CALAPI_DATABASE_URL": url, "CALAPI_RUN_WORKER": "false", "CALAPI_RATE_LIMIT": "10000000/minute", "CALAPI_LOG_LEVEL": "warning"}
        with ExitStack() as stack:
            bases = [stack.enter_context(uvicorn_server("calapi.asgi:app", env, health="/health")) for _ in range(2)]
            await create_load(bases, event_type_ids, args.clients, 1.5)  # warm-up (imports, pools, caches)
            ok, failed, seconds = await create_load(bases, event_type_ids, args.clients, args.duration)
        commits, commit_seconds = await bare_commits(url, args.clients, args.duration)
    finally:
        await drop_postgres_database(POSTGRES_BASE, url)

    creates_rate = ok / seconds
    commits_rate = commits / commit_seconds
    print(f"machine: {machine()}; date {today()}")
    print(f"clients {args.clients}, 2 server processes, {HOSTS} hosts, {args.duration:.0f} s each")
    print(f"booking creates: {ok} in {seconds:.1f} s = {creates_rate:.1f}/s ({failed} not 201)")
    print(f"bare asyncpg insert+commit: {commits} in {commit_seconds:.1f} s = {commits_rate:.1f}/s")
    print(f"ratio: {creates_rate / commits_rate:.3f} (target >= 0.25)")


if __name__ == "__main__":
    asyncio.run(main())
