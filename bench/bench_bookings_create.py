"""``POST /v2/bookings`` throughput on PostgreSQL with two server processes, against bare commits.

Scenario: 8 hosts, each with an all-week 00:00–24:00 UTC schedule and a 15-minute event type
without notice; every request books a distinct slot (hosts round-robin, then 15-minute steps from
2050-01-03), so no two requests collide and the figure is the cost of a successful create: the
whole booking transaction (write begin, advisory lock, event type, schedule, busy, holds, engine,
booking + attendee + three outbox events and their jobs) and the HTTP around it.

Baseline, measured in the same run on the same database server: bare single-row
``INSERT … ; COMMIT`` transactions through asyncpg with the same number of concurrent clients.
The ratio creates/s ÷ bare commits/s is the figure (target ≥ 0.25).

Load: ``bench/loadgen.py`` (raw keep-alive sockets, light on the shared cores), the clients split
over the two processes. Yardstick, same run: ``bench/bare_app.py``'s ``POST /bare/commit`` — a
bare FastAPI endpoint that parses a JSON body and does one insert+commit — served the same way;
it is what the cheapest possible HTTP create costs on this machine.

With ``--reminders``, every host also has a "1 hour before" email reminder workflow active on all
its event types, so each create plans its reminder in its own transaction (the workflows room's
in-transaction consumer of the outbox); without it, that consumer costs one query per create.

Run: .venv/bin/python bench/bench_bookings_create.py [--duration 8] [--clients 8] [--reminders]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time as clock
from contextlib import ExitStack
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.common import SERVER_PIDS, cpu_seconds, machine, today, uvicorn_server
from bench.loadgen import run_load

POSTGRES_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
HOSTS = 8
FIRST_DAY = datetime(2050, 1, 3, tzinfo=UTC)


async def seed(url: str, *, reminders: bool = False) -> list[int]:
    from calapi.db import make_engine, make_sessionmaker
    from calapi.event_types.models import EventType
    from calapi.schedules.models import Availability, Schedule
    from calapi.users import service as users_service
    from calapi.workflows.models import Workflow, WorkflowStep

    engine = make_engine(url)
    ids = []
    async with make_sessionmaker(engine)() as session:
        for n in range(HOSTS):
            user = await users_service.create(
                session, email=f"host{n}@example.com", username=f"host{n}", time_zone="UTC"
            )
            schedule = Schedule(user_id=user.id, name="Always", time_zone="UTC")
            session.add(schedule)
            await session.flush()
            session.add(
                Availability(
                    schedule_id=schedule.id, days=[0, 1, 2, 3, 4, 5, 6], start_time=time(0), end_time=time(23, 59)
                )
            )
            user.default_schedule_id = schedule.id
            event = EventType(
                owner_id=user.id,
                title="Quick",
                slug="quick",
                length_in_minutes=15,
                minimum_booking_notice=0,
                locations=[{"type": "integration", "integration": "cal-video"}],
                booking_fields=[],
            )
            session.add(event)
            if reminders:
                workflow = Workflow(
                    user_id=user.id,
                    name="Reminder",
                    trigger="BEFORE_EVENT",
                    offset_value=1,
                    offset_unit="HOUR",
                    active_on_all=True,
                )
                session.add(workflow)
                await session.flush()
                session.add(
                    WorkflowStep(workflow_id=workflow.id, step_number=1, action="EMAIL_ATTENDEE", template="REMINDER")
                )
            await session.flush()
            ids.append(event.id)
        await session.commit()
    await engine.dispose()
    return ids


def prepare(url: str) -> list[int]:
    """Migrate the database at ``url`` and seed the hosts; returns their event type ids."""
    from calapi.cli import migrate_database
    from calapi.config import load_settings

    migrate_database(load_settings(database_url=url))
    return asyncio.run(seed(url))


_SLOT_NUMBERS = iter(range(10**9))  # shared by warm-up and measured runs: every request a new slot
_JSON = {"content-type": "application/json"}


def booking_body(event_type_ids: list[int]) -> bytes:
    n = next(_SLOT_NUMBERS)
    start = FIRST_DAY + timedelta(minutes=15 * (n // len(event_type_ids)))
    body = {
        "start": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "eventTypeId": event_type_ids[n % len(event_type_ids)],
        "attendee": {"name": f"Booker {n}", "email": f"b{n}@example.com", "timeZone": "UTC"},
    }
    return json.dumps(body).encode()


WARMUP = 1.5


async def http_load(
    bases: list[str], path: str, body: Any, headers: dict[str, str], clients: int, duration: float
) -> tuple[int, int, float, float]:
    """(201s, other answers, requests/s of 201s, server CPU ms per 201) with ``clients`` connections
    spread over the servers at ``bases``. The CPU (every server process, from ``/proc``) is taken over
    the measured seconds only: per request it moves little with other work on the machine, unlike
    the rates."""
    pids = [SERVER_PIDS[base] for base in bases]
    cpu_at_start: list[float] = []

    async def after_warmup() -> None:
        await asyncio.sleep(WARMUP)
        cpu_at_start.append(sum(cpu_seconds(pid) for pid in pids))

    results = await asyncio.gather(
        *(
            run_load(
                base + path,
                method="POST",
                headers=headers,
                body=body,
                connections=clients // len(bases),
                duration=duration,
                warmup=WARMUP,
            )
            for base in bases
        ),
        after_warmup(),
    )
    cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_at_start[0]
    loads = [r for r in results if r is not None]
    created = sum(r.statuses.get(201, 0) for r in loads)
    other = sum(r.requests for r in loads) - created
    for r in loads:
        if set(r.statuses) - {201}:
            print("unexpected statuses:", r.statuses, file=sys.stderr)
    return created, other, sum(r.statuses.get(201, 0) / r.seconds for r in loads), cpu / max(created, 1) * 1000


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
    parser.add_argument("--reminders", action="store_true", help="a reminder workflow per host")
    args = parser.parse_args()

    from tests.support.databases import create_postgres_database, drop_postgres_database

    from calapi.cli import migrate_database
    from calapi.config import load_settings

    url = await create_postgres_database(POSTGRES_BASE)
    try:
        await asyncio.to_thread(migrate_database, load_settings(database_url=url))
        event_type_ids = await seed(url, reminders=args.reminders)
        env = {
            "CALAPI_DATABASE_URL": url,
            "CALAPI_RUN_WORKER": "false",
            "CALAPI_RATE_LIMIT": "10000000/minute",
            "CALAPI_LOG_LEVEL": "warning",
        }
        headers = {**_JSON, "cal-api-version": "2024-08-13"}
        with ExitStack() as stack:
            bases = [stack.enter_context(uvicorn_server("calapi.asgi:app", env, health="/health")) for _ in range(2)]
            ok, failed, creates_rate, create_cpu = await http_load(
                bases, "/v2/bookings", lambda: booking_body(event_type_ids), headers, args.clients, args.duration
            )
        commits, commit_seconds = await bare_commits(url, args.clients, args.duration)
        bare_env = {"BENCH_POSTGRES_DSN": url.replace("postgresql+asyncpg://", "postgresql://")}
        with ExitStack() as stack:
            bases = [stack.enter_context(uvicorn_server("bench.bare_app:app", bare_env)) for _ in range(2)]
            row = json.dumps({"payload": "x" * 64}).encode()
            _, _, http_commit_rate, http_commit_cpu = await http_load(
                bases, "/bare/commit", row, _JSON, args.clients, args.duration
            )
    finally:
        await drop_postgres_database(POSTGRES_BASE, url)

    commits_rate = commits / commit_seconds
    print(f"machine: {machine()}; date {today()}")
    print(
        f"clients {args.clients}, 2 server processes, {HOSTS} hosts, {args.duration:.0f} s each"
        f"{', a reminder workflow per host' if args.reminders else ''}"
    )
    print(f"booking creates: {ok} = {creates_rate:.1f}/s ({failed} not 201)")
    print(f"bare asyncpg insert+commit: {commits} in {commit_seconds:.1f} s = {commits_rate:.1f}/s")
    print(f"ratio: {creates_rate / commits_rate:.3f} (target >= 0.25)")
    print(
        f"yardstick, a bare FastAPI endpoint doing one insert+commit: {http_commit_rate:.1f}/s "
        f"(ratio {http_commit_rate / commits_rate:.3f}); booking creates are {creates_rate / http_commit_rate:.3f} of it"
    )
    print(
        f"server CPU per request: booking create {create_cpu:.2f} ms, yardstick {http_commit_cpu:.2f} ms "
        f"(yardstick ÷ create {http_commit_cpu / create_cpu:.3f})"
    )


if __name__ == "__main__":
    asyncio.run(main())
