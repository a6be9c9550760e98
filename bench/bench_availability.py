"""The availability read path (issue 13): ``GET /v2/slots`` warm and cold, against a baseline in the same run.

Scenarios:

* ``one-host``: one host, Mon–Fri 09:00–17:00 Europe/London, a 30-minute event (30-minute slot
  interval, no buffers, 2 hours of notice), 600 bookings of 30 minutes at random half hours inside
  working hours over the 30 days listed; ``GET /v2/slots?eventTypeId=…`` over those 30 days from
  tomorrow, answered in Europe/London. Targets: warm p50 < 4.5 ms, p95 < 6 ms.
* ``rr-25``: the round-robin team of ``bench_slots_team_http`` (25 hosts in five zones, 500
  bookings each, 15-minute interval) over 60 days. Target: warm p95 < 75 ms.

Servers (uvicorn, one worker each, child processes, the same flags, the same database):

* ``cached``: this checkout, the availability cache on (SQLite: in process; PostgreSQL: with
  ``--redis``, versions in Redis as when scaled out; without it, in process);
* ``uncached``: this checkout with ``CALAPI_AVAILABILITY_CACHE=off`` (every listing loads from
  the database) — the baseline;
* ``base`` (``--base <commit-ish>``, e.g. 20090a3, main before this work): that revision checked
  out with ``git worktree`` into a temporary folder and served beside the others (its commit is in
  the output).

Measures, one connection, closed loop: ``warm`` (the same listing again and again) on every server,
and ``cold`` on ``cached`` and ``uncached``: before each timed listing an event type is renamed and
a hold is made and released on every host of the listing through the API
(``PATCH /v2/event-types/{id}``, ``POST``/``DELETE /v2/slots/reservations``), so that the timed
listing finds nothing it may reuse (event type, hosts, schedules and busy time are read from the
database again) and follows the same writes on both servers. Rounds interleave the servers
(cached, uncached, base, then the other way round) so that other work on the machine weighs on all
of them alike; figures are p50/p95 of every round's requests pooled, and the server's CPU
milliseconds per request (``/proc``; for cold, the writes before each listing are counted too).

Run: .venv/bin/python bench/bench_availability.py [--scenario one-host,rr-25] [--rounds 5] [--duration 4]
                                                  [--skip-postgres] [--redis redis://127.0.0.1:6379/14] [--base 20090a3]
     .venv/bin/python bench/bench_availability.py --profile one-host   # cProfile in process, SQLite, warm and cold
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.common import (
    REPO,
    SERVER_PIDS,
    cpu_seconds,
    machine,
    on_each_database,
    today,
    uvicorn_server,
)
from bench.loadgen import run_load

ONE_HOST_ZONE = "Europe/London"
ONE_HOST_BOOKINGS = 600
ONE_HOST_DAYS = 30
TEAM_DAYS = 60
HEADERS = {"cal-api-version": "2024-09-04"}
SERVER_ENV = {"CALAPI_RATE_LIMIT": "100000000/minute", "CALAPI_RUN_WORKER": "false", "CALAPI_LOG_LEVEL": "warning"}


# ---------------------------------------------------------------- seeding


async def _seed_one_host(url: str) -> dict[str, Any]:
    """The host, its schedule, the 30-minute event type and 600 bookings (Core bulk insert)."""
    from sqlalchemy import insert

    from calapi.bookings.models import Booking
    from calapi.db import make_engine, make_sessionmaker
    from calapi.event_types.models import EventType
    from calapi.schedules.models import Availability, Schedule
    from calapi.users import service as users_service

    rng = random.Random(20261207)
    first_day = datetime.now(UTC).date() + timedelta(days=1)
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        user = await users_service.create(session, email="host@example.com", username="host", time_zone=ONE_HOST_ZONE)
        schedule = Schedule(user_id=user.id, name="Working hours", time_zone=ONE_HOST_ZONE)
        session.add(schedule)
        await session.flush()
        session.add(
            Availability(schedule_id=schedule.id, days=[1, 2, 3, 4, 5], start_time=clock(9), end_time=clock(17))
        )
        user.default_schedule_id = schedule.id
        event = EventType(
            owner_id=user.id, title="Thirty", slug="thirty", length_in_minutes=30, minimum_booking_notice=120
        )
        session.add(event)
        await session.flush()
        zone = ZoneInfo(ONE_HOST_ZONE)
        weekdays = [d for d in (first_day + timedelta(days=i) for i in range(ONE_HOST_DAYS)) if d.weekday() < 5]
        rows = []
        for _ in range(ONE_HOST_BOOKINGS):
            day = rng.choice(weekdays)
            start = (datetime.combine(day, clock(9), zone) + timedelta(minutes=30 * rng.randrange(16))).astimezone(UTC)
            rows.append(
                {
                    "uid": uuid.uuid4().hex,
                    "user_id": user.id,
                    "event_type_id": event.id,
                    "title": "Meeting",
                    "start_time": start,
                    "end_time": start + timedelta(minutes=30),
                    "status": "accepted",
                }
            )
        await session.execute(insert(Booking), rows)
        await session.commit()
        answer = {"event_type_id": event.id, "host_id": user.id}
    await engine.dispose()
    last_day = first_day + timedelta(days=ONE_HOST_DAYS - 1)
    path = (
        f"/v2/slots?eventTypeId={answer['event_type_id']}&start={first_day.isoformat()}&end={last_day.isoformat()}"
        f"&timeZone={ONE_HOST_ZONE}"
    )
    return {**answer, "path": path, "hold_day": weekdays[0].isoformat()}


def prepare(scenario: str, url: str) -> dict[str, Any]:
    """Migrate and seed ``url`` for a scenario; what the measuring needs (request path, event type)."""
    from calapi.cli import migrate_database
    from calapi.config import load_settings

    migrate_database(load_settings(database_url=url))
    if scenario == "one-host":
        return asyncio.run(_seed_one_host(url))
    from bench import bench_slots_team_http as team

    team.WINDOW_DAYS = TEAM_DAYS
    start, end = asyncio.run(team.seed(url))
    asyncio.run(team._analyze(url))
    event_type_id = asyncio.run(_team_event_type_id(url))
    return {"event_type_id": event_type_id, "path": team._path(start, end), "hold_day": start}


async def _team_event_type_id(url: str) -> int:
    from sqlalchemy import select

    from bench.bench_slots_team_http import EVENT_SLUG
    from calapi.db import make_engine, make_sessionmaker
    from calapi.event_types.models import EventType

    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        found = await session.scalar(select(EventType.id).where(EventType.slug == EVENT_SLUG))
    await engine.dispose()
    assert found is not None
    return found


async def _cold_helpers(url: str, scenario: str, event_type_id: int) -> dict[str, Any]:
    """What a cold listing is made with: event types to hold a slot on each host of the listing
    (one-host: the listed one; rr-25: a personal event type per member), and an API key of their
    first owner, to rename one (a setup change: every listing's event type and schedules are read
    again)."""
    from sqlalchemy import select

    from calapi.api_keys import service as api_keys_service
    from calapi.db import make_engine, make_sessionmaker
    from calapi.event_types.models import EventType
    from calapi.users.models import User

    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        users = (await session.scalars(select(User).order_by(User.id))).all()
        if scenario == "one-host":
            ids = [event_type_id]
        else:
            events = [EventType(owner_id=u.id, title="Hold", slug="hold", length_in_minutes=30) for u in users]
            session.add_all(events)
            await session.flush()
            ids = [e.id for e in events]
        minted = await api_keys_service.mint(session, user_id=users[0].id, prefix="cal_")
        await session.commit()
    await engine.dispose()
    return {"hold_event_type_ids": ids, "key": minted.key}


# ---------------------------------------------------------------- measuring


@contextmanager
def revision_checkout(revision: str) -> Iterator[Path]:
    """``revision`` checked out with ``git worktree add --detach`` into a temporary folder, removed after."""
    folder = Path(tempfile.mkdtemp(prefix="calapi-base-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), revision], cwd=REPO, check=True, capture_output=True
    )
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(folder)], cwd=REPO, check=False, capture_output=True
        )


def _hold_bodies(info: dict[str, Any]) -> list[bytes]:
    """One reservation body per host of the listing, far outside the listed window (the listing stays the same)."""
    day = datetime.fromisoformat(info["hold_day"]).date() + timedelta(days=200)
    start = datetime.combine(day, clock(10), UTC).isoformat().replace("+00:00", "Z")
    return [json.dumps({"eventTypeId": e, "slotStart": start}).encode() for e in info["hold_event_type_ids"]]


async def _cold_round(base: str, info: dict[str, Any], samples: int) -> tuple[list[float], int]:
    """Timed listings, each after a hold was made and released on every host of the listing and an
    event type renamed: nothing the listing reads is kept any more."""
    import httpx

    latencies = []
    bodies = _hold_bodies(info)
    rename = {**HEADERS, "cal-api-version": "2024-06-14", "Authorization": f"Bearer {info['key']}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for sample in range(samples):
            renamed = await http.patch(
                f"/v2/event-types/{info['hold_event_type_ids'][0]}", json={"title": f"Hold {sample}"}, headers=rename
            )
            assert renamed.status_code == 200, renamed.text
            for body in bodies:
                made = await http.post(
                    "/v2/slots/reservations", content=body, headers={**HEADERS, "content-type": "application/json"}
                )
                assert made.status_code == 201, made.text
                uid = made.json()["data"]["reservationUid"]
                assert (await http.delete(f"/v2/slots/reservations/{uid}", headers=HEADERS)).status_code == 200
            began = time.perf_counter()
            listed = await http.get(info["path"], headers=HEADERS)
            latencies.append((time.perf_counter() - began) * 1000)
            assert listed.status_code == 200, listed.text
    return latencies, samples


def _percentile(data: list[float], p: float) -> float:
    ordered = sorted(data)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _summary(latencies: list[float], cpu_ms: float, requests: int) -> dict[str, float]:
    return {
        "requests": len(latencies),
        "p50_ms": round(_percentile(latencies, 50), 2),
        "p95_ms": round(_percentile(latencies, 95), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
        "server_cpu_ms_per_request": round(cpu_ms / max(requests, 1), 2),
    }


def measure(scenario: str, url: str, label: str, args: argparse.Namespace) -> dict[str, Any]:
    info = prepare(scenario, url)
    info.update(asyncio.run(_cold_helpers(url, scenario, info["event_type_id"])))
    cached_env = {**SERVER_ENV, "CALAPI_DATABASE_URL": url}
    if args.redis and not url.startswith("sqlite"):
        cached_env["CALAPI_REDIS_URL"] = args.redis
    servers: dict[str, tuple[dict[str, str], Path]] = {
        "cached": (cached_env, REPO),
        "uncached": ({**cached_env, "CALAPI_AVAILABILITY_CACHE": "off"}, REPO),
    }
    base_commit = None
    with ExitStack() as stack:
        if args.base:
            checkout = stack.enter_context(revision_checkout(args.base))
            servers["base"] = (cached_env, checkout)
            base_commit = subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=checkout, check=True, capture_output=True, text=True
            ).stdout.strip()
        bases = {
            name: stack.enter_context(uvicorn_server("calapi.asgi:app", env, health="/health", checkout=checkout))
            for name, (env, checkout) in servers.items()
        }
        import httpx

        answers = {name: httpx.get(base + info["path"], headers=HEADERS, timeout=60) for name, base in bases.items()}
        for name, answer in answers.items():
            assert answer.status_code == 200, (name, answer.text)
            assert answer.json() == answers["cached"].json(), f"{name} lists other slots than the cached server"
        slots = sum(len(day) for day in answers["cached"].json()["data"].values())
        warm: dict[str, list[float]] = {name: [] for name in bases}
        warm_cpu: dict[str, list[float]] = {name: [0.0, 0.0] for name in bases}
        cold: dict[str, list[float]] = {"cached": [], "uncached": []}
        cold_cpu: dict[str, list[float]] = {"cached": [0.0, 0.0], "uncached": [0.0, 0.0]}
        for round_no in range(args.rounds):
            order = list(bases) if round_no % 2 == 0 else list(reversed(bases))
            for name in order:
                pid = SERVER_PIDS[bases[name]]
                before = cpu_seconds(pid)
                result = asyncio.run(
                    run_load(
                        bases[name] + info["path"], headers=HEADERS, connections=1, duration=args.duration, warmup=0.5
                    )
                )
                assert set(result.statuses) == {200}, result.statuses
                warm[name] += result.latencies_ms
                warm_cpu[name][0] += (cpu_seconds(pid) - before) * 1000
                warm_cpu[name][1] += result.requests
            for name in cold if round_no % 2 == 0 else reversed(cold):
                pid = SERVER_PIDS[bases[name]]
                before = cpu_seconds(pid)
                latencies, _ = asyncio.run(_cold_round(bases[name], info, args.cold_samples))
                cold[name] += latencies
                cold_cpu[name][0] += (cpu_seconds(pid) - before) * 1000  # the writes too: an upper bound
                cold_cpu[name][1] += len(latencies)
    result_rows = {f"warm {name}": _summary(warm[name], *warm_cpu[name]) for name in bases}
    result_rows.update({f"cold {name}": _summary(cold[name], *cold_cpu[name]) for name in cold})
    return {
        "scenario": scenario,
        "database": label + (" + Redis" if "CALAPI_REDIS_URL" in cached_env else ""),
        "slots": slots,
        "base_commit": base_commit,
        "results": result_rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="one-host,rr-25")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--cold-samples", type=int, default=20, help="timed cold listings per round")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL"), help="PostgreSQL servers share versions here"
    )
    parser.add_argument("--base", help="also serve this revision (a git worktree), e.g. main")
    parser.add_argument("--profile", choices=("one-host", "rr-25"))
    args = parser.parse_args()
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            asyncio.run(_profile(args.profile, url, prepare(args.profile, url)))
        return
    load_before = os.getloadavg()
    results = []
    for scenario in args.scenario.split(","):
        results += on_each_database(
            lambda url, label, s=scenario: measure(s, url, label, args), skip_postgres=args.skip_postgres
        )
    report = {
        "benchmark": "GET /v2/slots warm and cold, availability cache on and off (and a base revision), one connection",
        "date": today(),
        "machine": machine(),
        "load_average_before_after": [load_before, os.getloadavg()],
        "rounds": args.rounds,
        "duration_s": args.duration,
        "results": results,
    }
    print(json.dumps(report, indent=2))


async def _profile(scenario: str, url: str, info: dict[str, Any]) -> None:
    """Where a listing's time goes, in process on SQLite: CPU milliseconds of each part (warm, and
    cold with the cache emptied before each run), then cProfile of warm requests by own time."""
    import cProfile
    import pstats

    import httpx
    from asgi_lifespan import LifespanManager
    from starlette.requests import Request

    from calapi.app import create_app
    from calapi.availability.hosts import complete_hosts, data_window
    from calapi.config import load_settings
    from calapi.scheduling import SlotQuery, list_slots
    from calapi.slots import listing, v2

    app = create_app(load_settings(database_url=url, run_worker=False, rate_limit="100000000/minute"))
    count = 200 if scenario == "one-host" else 20
    cache = app.state.availability_cache
    parsed, output = v2.parse_slots_query(
        Request({"type": "http", "query_string": info["path"].split("?", 1)[1].encode()})
    )
    now = datetime.now(UTC)

    async def inputs(session: Any) -> tuple[Any, Any]:
        setup, reading = await cache.setup(
            session, listing._setup_key(parsed), lambda s: listing._resolve(s, parsed), listing.ListingSetup.host_ids
        )
        availability, rules, fixed = listing._inputs(setup, parsed)
        lo, hi = data_window(rules, parsed.start, parsed.end, now)
        hosts = await complete_hosts(session, availability, lo, hi, now, fixed_ids=fixed, cache=cache, reading=reading)
        return hosts, rules

    async def cpu_ms(work: Any, *, cold: bool = False) -> float:
        total = 0.0
        for _ in range(count):
            if cold:
                cache.clear()
            began = time.process_time()
            await work()
            total += time.process_time() - began
        return total / count * 1000

    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):

        async def request() -> None:
            assert (await client.get(info["path"], headers=HEADERS)).status_code == 200

        async def health() -> None:
            await client.get("/health")

        async def read_inputs() -> None:
            async with app.state.sessionmaker() as session:
                await inputs(session)

        await request()
        async with app.state.sessionmaker() as session:
            hosts, rules = await inputs(session)
        query = SlotQuery(
            hosts=hosts,
            rules=rules,
            now=now,
            start=parsed.start,
            end=parsed.end,
            time_zone=parsed.time_zone or "UTC",
            max_slots=10_000,
        )
        found = listing.AvailableSlots(list_slots(query), rules.seats_per_slot is not None)

        async def engine() -> None:
            list_slots(query)

        async def answer() -> None:
            v2.slots_output(found, parsed.time_zone, output)

        parts = {
            "whole request, warm (ASGI in process, client included)": await cpu_ms(request),
            "whole request, cold": await cpu_ms(request, cold=True),
            "GET /health (framework floor, client included)": await cpu_ms(health),
            "setup + busy time, warm (cache lookups)": await cpu_ms(read_inputs),
            "setup + busy time, cold (database, columns)": await cpu_ms(read_inputs, cold=True),
            "engine (list_slots)": await cpu_ms(engine),
            "answer (JSON text)": await cpu_ms(answer),
        }
        print(f"{scenario}: {found.size} slots; CPU ms per run, mean of {count}")
        for name, ms in parts.items():
            print(f"  {name:58s} {ms:7.2f}")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            await request()
        profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
