"""The insights routes of two revisions, served side by side over the same seeded data, interleaved.

Each revision is one uvicorn (``bench.common.uvicorn_server``, serving that checkout's ``src``) on
its own database; the two databases hold the same bookings (seed one with ``bench_insights.seed``,
copy it, and migrate the copy with the newer revision). For every scope and route the load
generator asks the base and then the current server (the order swapped every round) the same
question on one keep-alive connection for ``--seconds`` after a short warm-up, ``--rounds`` times;
p50 / p95 are over all the requests of the rounds, and each server's CPU time per request is read
from ``/proc`` (the figure the machine's other work moves least).

Run: .venv/bin/python bench/compare_insights.py --keys keys.json --base-checkout /path/to/base \\
         --base-url sqlite+aiosqlite:///base.db --current-url sqlite+aiosqlite:///current.db \\
         [--rounds 2] [--seconds 3] [--scopes "team 30 d,team 365 d,one host 365 d"] [--routes kpi-stats,…]

``keys.json``: ``{"owner": <owner's API key>, "host": <host's API key>, "team": <team id>}``, as
``bench_insights.seed`` returns them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_insights import ROUTES
from bench.common import REPO, SERVER_PIDS, cpu_seconds, machine, today, uvicorn_server
from bench.loadgen import run_load


def _period(days: int) -> dict:
    end = datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    data = {"startDate": start.isoformat(), "endDate": end.isoformat(), "preset": "c"}
    return {"id": "createdAt", "value": {"type": "dr", "data": data}}


def _scopes(keys: dict) -> dict[str, tuple[str, dict]]:
    team = {"scope": "team", "selectedTeamId": keys["team"]}
    return {
        "team 30 d": (keys["owner"], {**team, "columnFilters": [_period(30)]}),
        "team 365 d": (keys["owner"], {**team, "columnFilters": [_period(365)]}),
        "one host 365 d": (keys["host"], {"scope": "user", "columnFilters": [_period(365)]}),
    }


def _summary(latencies: list[float], cpu: float) -> dict:
    data = sorted(latencies)
    return {
        "p50_ms": round(data[len(data) // 2], 1),
        "p95_ms": round(data[min(len(data) - 1, int(len(data) * 0.95))], 1),
        "cpu_ms_per_request": round(cpu * 1000 / len(data), 1),
        "requests": len(data),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", required=True)
    parser.add_argument("--base-checkout", required=True, type=Path)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--current-url", required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--scopes", default="team 30 d,team 365 d,one host 365 d")
    parser.add_argument("--routes", default=",".join(ROUTES))
    args = parser.parse_args()
    scopes = _scopes(json.loads(Path(args.keys).read_text()))
    sides = {"base": (args.base_checkout, args.base_url), "current": (REPO, args.current_url)}
    results: dict[str, dict] = {}
    loads = [os.getloadavg()[0]]
    with ExitStack() as stack:
        bases = {}
        for side, (checkout, url) in sides.items():
            env = {"CALAPI_DATABASE_URL": url, "CALAPI_RATE_LIMIT": "100000000/minute", "CALAPI_RUN_WORKER": "false"}
            bases[side] = stack.enter_context(
                uvicorn_server("calapi.asgi:app", env, health="/health", checkout=checkout)
            )
        for scope in args.scopes.split(","):
            key, body = scopes[scope]
            payload = json.dumps({**body, "timeZone": "Europe/London"}).encode()
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            for route in args.routes.split(","):
                latencies: dict[str, list[float]] = {side: [] for side in sides}
                cpu = dict.fromkeys(sides, 0.0)
                for number in range(args.rounds):
                    for side in ("base", "current") if number % 2 == 0 else ("current", "base"):
                        url = f"{bases[side]}/v2/insights/bookings/{route}"
                        options = {"method": "POST", "headers": headers, "body": payload, "connections": 1, "warmup": 0}
                        asyncio.run(run_load(url, duration=0.6, **options))
                        pid = SERVER_PIDS[bases[side]]
                        before = cpu_seconds(pid)
                        result = asyncio.run(run_load(url, duration=args.seconds, **options))
                        cpu[side] += cpu_seconds(pid) - before
                        assert set(result.statuses) == {200}, result.statuses
                        latencies[side] += result.latencies_ms
                        loads.append(os.getloadavg()[0])
                line = {side: _summary(latencies[side], cpu[side]) for side in sides}
                results[f"{scope} {route}"] = line
                base, current = line["base"], line["current"]
                print(
                    f"{scope:15} {route:17} base {base['p50_ms']:7.1f} / {base['p95_ms']:7.1f} cpu {base['cpu_ms_per_request']:6.1f}"
                    f" | current {current['p50_ms']:7.1f} / {current['p95_ms']:7.1f} cpu {current['cpu_ms_per_request']:6.1f}"
                    f" | load {loads[-1]:.1f}",
                    file=sys.stderr,
                )
    report = {
        "benchmark": "insights routes, base against current, interleaved",
        "date": today(),
        "machine": machine(),
        "rounds": args.rounds,
        "seconds": args.seconds,
        "load_average": {"min": min(loads), "max": max(loads), "mean": round(sum(loads) / len(loads), 2)},
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
