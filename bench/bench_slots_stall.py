"""Does one large slots request stall the server? ``/health`` latency while the largest allowed
``GET /v2/slots`` runs again and again, against ``/health`` alone, in the same run.

One host free around the clock (every day 00:00–24:00 UTC) with 1,000 bookings spread over the
year. Two listings over the longest allowed range (``CALAPI_SLOTS_MAX_RANGE_DAYS``, 366 days:
``start`` tomorrow, ``end`` a year later, whose midnight means the whole day):

* ``largest allowed``: an interval chosen so that the year lists just under
  ``CALAPI_SLOTS_MAX_PER_ANSWER`` slots (default 10,000): the biggest answer the server gives;
* ``over the cap``: a 1-minute interval, ~525,000 slots, answered 400 (the engine lays out the
  year's starts before it counts them; before the cap this request built every slot, for seconds).

For each: ``--loaders`` threads send the slots request back to back, first alone for half of
``--duration`` (the request's own time), then while the main thread asks ``/health`` every
``--interval`` seconds for ``--duration`` seconds. The server is uvicorn in a
child process (one worker), this checkout's code. Target: ``/health`` p95 < 100 ms under load.

Run: .venv/bin/python bench/bench_slots_stall.py [--duration 15] [--loaders 1] [--postgres] [--src DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import sys
import threading
import time as clock
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.common import machine, on_each_database, today, uvicorn_server

BOOKINGS = 1_000
RANGE_DAYS = 366
MAX_PER_ANSWER = 10_000  # the default of CALAPI_SLOTS_MAX_PER_ANSWER
V2 = {"cal-api-version": "2024-09-04"}


def percentile(values: list[float], p: float) -> float:
    data = sorted(values)
    if not data:
        return float("nan")
    return data[min(len(data) - 1, max(0, math.ceil(p / 100 * len(data)) - 1))]


def summary(latencies_ms: list[float]) -> dict[str, float]:
    return {
        "requests": len(latencies_ms),
        "p50_ms": round(percentile(latencies_ms, 50), 2),
        "p95_ms": round(percentile(latencies_ms, 95), 2),
        "max_ms": round(max(latencies_ms), 2) if latencies_ms else float("nan"),
        "mean_ms": round(statistics.fmean(latencies_ms), 2) if latencies_ms else float("nan"),
    }


async def seed(url: str) -> tuple[dict[str, int], str, str]:
    """The around-the-clock host, its bookings and the two event types."""
    from calapi.bookings.models import Booking
    from calapi.db import make_engine, make_sessionmaker
    from calapi.event_types.models import EventType
    from calapi.schedules.models import Availability, Schedule
    from calapi.users import service as users_service

    rng = random.Random(20261206)
    first_day = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), time(), UTC)
    # The interval at which a free year lists just under the cap.
    interval = math.ceil(RANGE_DAYS * 1440 / MAX_PER_ANSWER) + 1
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        user = await users_service.create(session, email="host@example.com", username="host", time_zone="UTC")
        schedule = Schedule(user_id=user.id, name="Always", time_zone="UTC")
        session.add(schedule)
        await session.flush()
        session.add(
            Availability(schedule_id=schedule.id, days=list(range(7)), start_time=time(0), end_time=time(23, 59))
        )
        user.default_schedule_id = schedule.id
        largest = EventType(
            owner_id=user.id,
            title="Largest",
            slug="largest",
            length_in_minutes=30,
            slot_interval=interval,
            minimum_booking_notice=0,
        )
        every_minute = EventType(
            owner_id=user.id,
            title="Every minute",
            slug="every-minute",
            length_in_minutes=15,
            slot_interval=1,
            minimum_booking_notice=0,
        )
        session.add_all([largest, every_minute])
        await session.flush()
        for _ in range(BOOKINGS):
            start = first_day + timedelta(days=rng.randrange(RANGE_DAYS), minutes=15 * rng.randrange(96))
            session.add(
                Booking(
                    uid=uuid.uuid4().hex,
                    user_id=user.id,
                    event_type_id=largest.id,
                    title="Meeting",
                    start_time=start,
                    end_time=start + timedelta(minutes=rng.choice((15, 30, 60))),
                    status="accepted",
                )
            )
        await session.commit()
        ids = {"largest allowed": largest.id, "over the cap": every_minute.id}
    await engine.dispose()
    last_day = first_day + timedelta(days=RANGE_DAYS - 1)  # a midnight end covers that whole day
    return ids, first_day.date().isoformat(), last_day.date().isoformat()


def prepare(url: str) -> tuple[dict[str, int], str, str]:
    from calapi.cli import migrate_database
    from calapi.config import load_settings

    migrate_database(load_settings(database_url=url))
    return asyncio.run(seed(url))


def poll_health(base: str, duration: float, interval: float) -> list[float]:
    """``/health`` every ``interval`` seconds (one keep-alive connection); latencies in ms."""
    latencies = []
    with httpx.Client(base_url=base, timeout=30) as http:
        stop_at = clock.perf_counter() + duration
        while clock.perf_counter() < stop_at:
            started = clock.perf_counter()
            response = http.get("/health")
            assert response.status_code == 200, response.text
            latencies.append((clock.perf_counter() - started) * 1000)
            clock.sleep(max(0.0, interval - (clock.perf_counter() - started)))
    return latencies


def repeat_slots(base: str, path: str, loaders: int, stop: threading.Event) -> tuple[list[threading.Thread], dict]:
    """``loaders`` threads sending the slots request back to back until ``stop`` is set."""
    record: dict = {"times_ms": [], "statuses": {}, "sizes": []}

    def load() -> None:
        with httpx.Client(base_url=base, timeout=120, headers=V2) as http:
            while not stop.is_set():
                started = clock.perf_counter()
                response = http.get(path)
                record["times_ms"].append((clock.perf_counter() - started) * 1000)
                record["statuses"][response.status_code] = record["statuses"].get(response.status_code, 0) + 1
                if response.status_code == 200:
                    record["sizes"].append(sum(len(day) for day in response.json()["data"].values()))

    threads = [threading.Thread(target=load) for _ in range(loaders)]
    for thread in threads:
        thread.start()
    return threads, record


def slots_summary(record: dict) -> dict:
    sizes = record["sizes"]
    return {
        **summary(record["times_ms"]),
        "statuses": record["statuses"],
        "slots_per_answer": max(sizes) if sizes else 0,
    }


def under_load(base: str, path: str, args: argparse.Namespace) -> dict:
    """The slots request alone (its own time), then again while ``/health`` is polled."""
    stop = threading.Event()
    threads, alone = repeat_slots(base, path, args.loaders, stop)
    clock.sleep(args.duration / 2)
    stop.set()
    for thread in threads:
        thread.join()
    stop = threading.Event()
    threads, loaded = repeat_slots(base, path, args.loaders, stop)
    clock.sleep(1.0)  # the first requests are under way
    health = poll_health(base, args.duration, args.interval)
    stop.set()
    for thread in threads:
        thread.join()
    return {
        "health": summary(health),
        "slots_request": slots_summary(loaded),
        "slots_request_alone": slots_summary(alone),
    }


def measure(url: str, label: str, args: argparse.Namespace) -> dict:
    ids, start, end = prepare(url)
    env = {"CALAPI_DATABASE_URL": url, "CALAPI_RATE_LIMIT": "100000000/minute", "CALAPI_RUN_WORKER": "false"}
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
    with uvicorn_server("calapi.asgi:app", env, health="/health") as base:
        httpx.get(base + "/health", timeout=10)
        baseline = summary(poll_health(base, args.duration, args.interval))
        scenarios = {}
        for name, event_id in ids.items():
            path = f"/v2/slots?eventTypeId={event_id}&start={start}&end={end}"
            scenarios[name] = under_load(base, path, args)
    return {"database": label, "range": f"{start}..{end}", "health_alone": baseline, "under_load": scenarios}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of /health polling per phase")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between /health requests")
    parser.add_argument("--loaders", type=int, default=1, help="threads repeating the slots request")
    parser.add_argument("--postgres", action="store_true", help="also on a fresh PostgreSQL database")
    parser.add_argument("--src", help="serve the calapi package found here instead (e.g. an older checkout's src)")
    args = parser.parse_args()

    results = on_each_database(lambda url, label: measure(url, label, args), skip_postgres=not args.postgres)
    report = {
        "benchmark": "/health while the largest allowed GET /v2/slots (366 days) repeats",
        "date": today(),
        "machine": machine(),
        "loaders": args.loaders,
        "duration_s": args.duration,
        "target": "/health p95 < 100 ms under load",
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
