"""CPU per booking create, driven in process through each revision's ASGI app on PostgreSQL.

``bench_bookings_create.py``'s scenario (8 hosts, a 15-minute event type each, every request a
new slot) without sockets: each revision runs in a child process of its own (``calapi.asgi:app``
from its own ``src``, its own PostgreSQL database migrated by its own code and seeded by
``bench_bookings_create.seed``); the parent asks them for batches of creates in turn (base,
current, current, base…), so both see the same load on a shared machine. Per batch the child
reports its process CPU time per create (every thread), the figure least moved by other work on
the machine. uvicorn's HTTP work is the same for every revision and is not in it.

``--profile DIR`` also writes one cProfile file per revision (``create_cpu.<label>.prof``) of one
more batch (``python -m pstats``).

Run: .venv/bin/python bench/create_cpu.py [--base main] [--rounds 7] [--requests 200]
     [--reminders] [--profile DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, alternate_batches, export_revision, machine, today

POSTGRES_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
_HEADERS = [
    (b"host", b"127.0.0.1:8000"),
    (b"user-agent", b"bench"),
    (b"accept", b"*/*"),
    (b"content-type", b"application/json"),
    (b"cal-api-version", b"2024-08-13"),
]


def _scope(length: int) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v2/bookings",
        "raw_path": b"/v2/bookings",
        "query_string": b"",
        "root_path": "",
        "headers": [*_HEADERS, (b"content-length", str(length).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _serve_batches(url: str, reminders: bool, profile_to: str | None) -> None:
    from bench.bench_bookings_create import booking_body, seed
    from calapi.cli import migrate_database
    from calapi.config import load_settings

    await asyncio.to_thread(migrate_database, load_settings(database_url=url))
    event_type_ids = await seed(url, reminders=reminders)
    from calapi.asgi import app

    statuses: list[int] = []

    async def one() -> None:
        body = booking_body(event_type_ids)
        sent = False
        finished = asyncio.Event()

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finished.set()

        await app(_scope(len(body)), receive, send)

    async def batch(n: int) -> float:
        statuses.clear()
        started = time.process_time()
        for _ in range(n):
            await one()
        spent = time.process_time() - started
        assert set(statuses) == {201}, set(statuses)
        return spent / n * 1e3

    async with app.router.lifespan_context(app):
        await batch(100)  # warm-up: caches, first-request work
        for line in sys.stdin:
            command, count = line.split()
            n = int(count)
            if command == "run":
                print(json.dumps({"ms": await batch(n)}), flush=True)
            elif command == "profile" and profile_to:
                import cProfile

                profiler = cProfile.Profile(time.process_time)  # CPU, not the waits on the database
                profiler.enable()
                await batch(n)
                profiler.disable()
                profiler.dump_stats(profile_to)
                print(json.dumps({"profile": profile_to}), flush=True)


def child(reminders: bool, profile_to: str | None) -> None:
    from tests.support.databases import create_postgres_database, drop_postgres_database

    url = asyncio.run(create_postgres_database(POSTGRES_BASE))
    os.environ["CALAPI_DATABASE_URL"] = url
    try:
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(_serve_batches(url, reminders, profile_to))
    finally:
        asyncio.run(drop_postgres_database(POSTGRES_BASE, url))


def _start(label: str, checkout: Path, reminders: bool, profile_dir: Path | None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALAPI_")}
    env["PYTHONPATH"] = os.pathsep.join([str(checkout / "src"), str(REPO)])
    env |= {"CALAPI_RATE_LIMIT": "100000000/minute", "CALAPI_RUN_WORKER": "false", "CALAPI_LOG_LEVEL": "warning"}
    args = [sys.executable, str(Path(__file__).resolve()), "--child"]
    if reminders:
        args.append("--reminders")
    if profile_dir is not None:
        args += ["--profile-to", str(profile_dir / f"create_cpu.{label}.prof")]
    return subprocess.Popen(args, env=env, cwd=checkout, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="main")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reminders", action="store_true", help="a reminder workflow per host")
    parser.add_argument("--profile", type=Path, default=None, help="folder for one cProfile file per revision")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.reminders, args.profile_to)
        return

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=True, capture_output=True, text=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        (scratch / "base").mkdir()
        sources = {f"base {args.base}": export_revision(args.base, scratch / "base"), "current": REPO}
        procs = {label: _start(label.split()[0], src, args.reminders, args.profile) for label, src in sources.items()}
        per_round = alternate_batches(
            procs, rounds=args.rounds, requests=args.requests, field="ms", profile=args.profile is not None, wait=60
        )
    base_label, current_label = list(per_round)
    ratios = [c / b for b, c in zip(per_round[base_label], per_round[current_label], strict=True)]
    report = {
        "benchmark": "in-process CPU per booking create (POST /v2/bookings, PostgreSQL)"
        + (", a reminder workflow per host" if args.reminders else ""),
        "date": today(),
        "machine": machine(),
        "current": commit.stdout.strip(),
        "load_average": os.getloadavg(),
        "requests_per_batch": args.requests,
        "ms_per_create": {label: [round(v, 2) for v in values] for label, values in per_round.items()},
        "median_ms": {label: round(statistics.median(values), 2) for label, values in per_round.items()},
        "current_over_base_median_of_rounds": round(statistics.median(ratios), 3),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
