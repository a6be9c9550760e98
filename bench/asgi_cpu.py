"""CPU per request of one request, driven in process through each revision's ASGI app (no sockets).

What a server's CPU per request is made of, minus uvicorn's HTTP work (the same for every
revision): the application's middleware, routing, dependencies and endpoint. Each revision runs in
a child process of its own (``calapi.asgi:app`` from its own ``src``, its own SQLite database
migrated and seeded by its own code, ``bench_me``'s seeding); the parent asks them for batches in
turn (base, current, base, current…), so both see the same load on a shared machine. Per batch the
child reports process CPU time per request (every thread: work handed to a thread pool counts) —
the figure least moved by other work on the machine.

``--profile`` also writes one cProfile file per revision (``asgi_cpu.<label>.prof``) of one more
batch, to see where the time goes (``python -m pstats``).

Run: .venv/bin/python bench/asgi_cpu.py [--base f2e49ef] [--rounds 7] [--requests 3000]
     [--path /v2/me] [--profile DIR]
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

# ---------------------------------------------------------------- the child: one revision's app


def _scope(path: str, key: str) -> dict[str, Any]:
    raw_path, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"user-agent", b"bench"),
            (b"accept", b"*/*"),
            (b"authorization", f"Bearer {key}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _serve_batches(path: str, key: str, profile_to: str | None) -> None:
    from calapi.asgi import app

    request: dict[str, Any] = {"type": "http.request", "body": b"", "more_body": False}
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return request

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def batch(n: int) -> float:
        statuses.clear()
        started = time.process_time()
        for _ in range(n):
            await app(_scope(path, key), receive, send)
        spent = time.process_time() - started
        assert set(statuses) == {200}, set(statuses)
        return spent / n * 1e6

    async with app.router.lifespan_context(app):
        await batch(500)  # warm-up: caches, first-request work
        for line in sys.stdin:
            command, count = line.split()
            n = int(count)
            if command == "run":
                print(json.dumps({"us": await batch(n)}), flush=True)
            elif command == "profile" and profile_to:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
                await batch(n)
                profiler.disable()
                profiler.dump_stats(profile_to)
                print(json.dumps({"profile": profile_to}), flush=True)


def child(path: str, profile_to: str | None) -> None:
    key = os.environ["BENCH_KEY"]
    try:
        import uvloop
    except ImportError:
        asyncio.run(_serve_batches(path, key, profile_to))
    else:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(_serve_batches(path, key, profile_to))


# ---------------------------------------------------------------- the parent


_SEED = "from bench.bench_me import prepare; print(prepare"


def _start(label: str, checkout: Path, scratch: Path, path: str, profile_dir: Path | None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALAPI_")}
    # The revision's code, this checkout's bench helpers (an older revision's migrations may be
    # found relative to its checkout: run from there).
    env["PYTHONPATH"] = os.pathsep.join([str(checkout / "src"), str(REPO)])
    url = f"sqlite+aiosqlite:///{scratch}/{label}.db"
    seeded = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); {_SEED}({url!r}))"],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
    )
    if seeded.returncode != 0:
        raise RuntimeError(f"seeding with {checkout} failed:\n{seeded.stderr}")
    env |= {
        "BENCH_KEY": seeded.stdout.strip().splitlines()[-1],
        "CALAPI_DATABASE_URL": url,
        "CALAPI_RATE_LIMIT": "100000000/minute",
        "CALAPI_RUN_WORKER": "false",
        "CALAPI_LOG_LEVEL": "warning",
    }
    args = [sys.executable, str(Path(__file__).resolve()), "--child", "--path", path]
    if profile_dir is not None:
        args += ["--profile-to", str(profile_dir / f"asgi_cpu.{label}.prof")]
    return subprocess.Popen(args, env=env, cwd=checkout, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="f2e49ef")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--path", default="/v2/me")
    parser.add_argument("--profile", type=Path, default=None, help="folder for one cProfile file per revision")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.path, args.profile_to)
        return

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=True, capture_output=True, text=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        sources = {f"base {args.base}": export_revision(args.base, scratch / "base"), "current": REPO}
        procs = {
            label: _start(label.split()[0], src, scratch, args.path, args.profile) for label, src in sources.items()
        }
        per_round = alternate_batches(
            procs, rounds=args.rounds, requests=args.requests, field="us", profile=args.profile is not None, wait=30
        )
    base_label, current_label = list(per_round)
    ratios = [c / b for b, c in zip(per_round[base_label], per_round[current_label], strict=True)]
    report = {
        "benchmark": f"in-process CPU per request, GET {args.path}",
        "date": today(),
        "machine": machine(),
        "current": commit.stdout.strip(),
        "load_average": os.getloadavg(),
        "requests_per_batch": args.requests,
        "us_per_request": {label: [round(v, 1) for v in values] for label, values in per_round.items()},
        "median_us": {label: round(statistics.median(values), 1) for label, values in per_round.items()},
        "current_over_base_median_of_rounds": round(statistics.median(ratios), 3),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
