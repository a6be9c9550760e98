"""This checkout against an earlier revision, both served side by side and measured in the same run.

The earlier revision (``--base``, default ``f2e49ef``; ``main`` or any commit-ish works) is checked
out with ``git worktree add`` into a temporary folder. For each measure, both revisions get a fresh
database (SQLite, or PostgreSQL with ``--postgres``), migrated and seeded the same way by that
revision's own code: the seeding functions of this folder's benchmarks run in a child process whose
``calapi`` is the revision's (its own ``migrate_database``, models and services), so a migration
that moved or a service that changed is that revision's business. Then one uvicorn process each
(same flags, ``bench.common.uvicorn_server``, each serving its own ``src``), and the same load
generator (``bench/loadgen.py``) runs base, current, base, current… for ``--rounds`` rounds.

Measures (the seeding is the named benchmark's):

* ``GET /v2/me`` requests/s, 16 connections (``bench_me``);
* ``GET /v2/slots`` p95, one host, 60 days, 500 bookings, 1 connection (``bench_slots_http``);
* ``GET /v2/slots`` p95, 25 round-robin hosts, 12,500 bookings, 1 connection (``bench_slots_team_http``);
* ``GET /v2/bookings`` p95, 10,000 bookings (+2,000 attended), 1 connection (``bench_bookings_list``);
* ``POST /v2/bookings`` creates/s, each request a new slot (``bench_bookings_create``): 4 connections on
  PostgreSQL, 1 on SQLite (one writer: more connections only measure SQLite's lock back-off).

Each round also reads the server process's CPU time (``/proc``): CPU milliseconds per request are
the figure least moved by other work on the machine. Latency figures are the p95 of every measured request of all rounds pooled; throughput figures the
mean of the rounds. The ratio is current ÷ base, oriented so that above 1 is better; target: no
measure worse than base by more than 5 % (ratio ≥ 0.95). The load average is printed before and
after: on a shared machine it says how much to trust the figures (both sides share the noise,
since they alternate, but a busy machine widens the spread).

Run: .venv/bin/python bench/compare_revisions.py [--base f2e49ef] [--rounds 3] [--duration 5] [--postgres]
     [--only me,slots-one,slots-team,bookings-list,bookings-create] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    POSTGRES_BASE,
    REPO,
    SERVER_PIDS,
    _admin,
    cpu_seconds,
    machine,
    today,
    uvicorn_server,
)
from bench.loadgen import LoadResult, run_load

DEFAULT_BASE = "f2e49ef"  # the last commit before the security issue's work
TOLERANCE = 0.05
SERVER_ENV = {"CALAPI_RATE_LIMIT": "100000000/minute", "CALAPI_RUN_WORKER": "false", "CALAPI_LOG_LEVEL": "warning"}


# ---------------------------------------------------------------- seeding, in the revision's own code


def _seed_in_this_process(scenario: str, url: str) -> Any:
    """Run ``scenario``'s seeding here; the caller set PYTHONPATH to the revision's ``src``."""
    from bench import (
        bench_bookings_create,
        bench_bookings_list,
        bench_me,
        bench_slots_http,
        bench_slots_team_http,
    )

    # The bench modules put this checkout's src first on import; the revision's must win.
    revision_src = os.environ["BENCH_CALAPI_SRC"]
    sys.path[:] = [revision_src] + [p for p in sys.path if Path(p).resolve() != (REPO / "src").resolve()]
    assert "calapi" not in sys.modules
    seeders: dict[str, Callable[[str], Any]] = {
        "me": bench_me.prepare,
        "slots-one": bench_slots_http.prepare,
        "slots-team": bench_slots_team_http.prepare,
        "bookings-list": bench_bookings_list.prepare,
        "bookings-create": bench_bookings_create.prepare,
    }
    answer = seeders[scenario](url)
    import calapi

    assert Path(calapi.__file__).resolve().is_relative_to(Path(revision_src).resolve()), calapi.__file__
    return answer


def seed(checkout: Path, scenario: str, url: str) -> Any:
    """Migrate and seed ``url`` with ``checkout``'s code, in a child process; the seeding's answer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALAPI_")}
    env["PYTHONPATH"] = os.pathsep.join([str(checkout / "src"), str(REPO)])
    env["BENCH_CALAPI_SRC"] = str(checkout / "src")
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--seed", scenario, "--url", url],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding {scenario} with {checkout} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- checkouts and databases


@dataclass
class Revision:
    label: str
    checkout: Path
    commit: str


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()


@contextmanager
def worktree_of(rev: str) -> Iterator[Revision]:
    """``rev`` checked out (detached) in a temporary folder, removed afterwards."""
    commit = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    folder = Path(tempfile.mkdtemp(prefix="calapi-base-"))
    git("worktree", "add", "--detach", str(folder), commit)
    try:
        yield Revision(f"base {rev} ({commit[:7]})", folder, commit)
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(folder)], cwd=REPO, capture_output=True, check=False
        )
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=REPO, capture_output=True, check=False)


@contextmanager
def fresh_database(postgres: bool, scratch: Path) -> Iterator[str]:
    if not postgres:
        yield f"sqlite+aiosqlite:///{scratch}/{secrets.token_hex(4)}.db"
        return
    name = f"calapi_bench_{secrets.token_hex(4)}"
    asyncio.run(_admin(f"CREATE DATABASE {name}"))
    try:
        yield POSTGRES_BASE.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


# ---------------------------------------------------------------- measures


@dataclass
class Load:
    """One server's request: what to send and what counts as answered."""

    path: str
    headers: dict[str, str]
    method: str = "GET"
    body: bytes | Callable[[], bytes] = b""
    expect: int = 200


@dataclass
class Measure:
    name: str
    scenario: str  # the seeding to run
    metric: str  # "rps" (higher is better) or "p95_ms" (lower is better)
    connections: int
    load: Callable[[Any], Load]  # seeding answer → request
    rounds: dict[str, list[LoadResult]] = field(default_factory=dict)
    cpu_ms: dict[str, list[float]] = field(default_factory=dict)  # server CPU per request, per round

    def figure(self, label: str) -> float:
        runs = self.rounds[label]
        if self.metric == "rps":
            return sum(r.rps for r in runs) / len(runs)  # every answer was the expected one (checked per round)
        pooled = LoadResult(0, 1.0, {}, [ms for r in runs for ms in r.latencies_ms])
        return pooled.percentile(95)


def _me(key: str) -> Load:
    return Load("/v2/me", {"Authorization": f"Bearer {key}"})


def _slots_one(seeded: list) -> Load:
    event_id, start, end = seeded
    path = f"/v2/slots?eventTypeId={event_id}&start={start}&end={end}&timeZone=America/Los_Angeles"
    return Load(path, {"cal-api-version": "2024-09-04"})


def _slots_team(seeded: list) -> Load:
    from bench.bench_slots_team_http import _path

    return Load(_path(*seeded), {"cal-api-version": "2024-09-04"})


def _bookings_list(key: str) -> Load:
    return Load("/v2/bookings", {"cal-api-version": "2024-08-13", "Authorization": f"Bearer {key}"})


def _bookings_create(event_type_ids: list[int]) -> Load:
    from bench.bench_bookings_create import booking_body

    headers = {"content-type": "application/json", "cal-api-version": "2024-08-13"}
    return Load("/v2/bookings", headers, method="POST", body=lambda: booking_body(event_type_ids), expect=201)


MEASURES = {
    "me": lambda: Measure("GET /v2/me req/s (16 conn.)", "me", "rps", 16, _me),
    "slots-one": lambda: Measure("GET /v2/slots p95 ms, 1 host", "slots-one", "p95_ms", 1, _slots_one),
    "slots-team": lambda: Measure("GET /v2/slots p95 ms, 25 RR hosts", "slots-team", "p95_ms", 1, _slots_team),
    "bookings-list": lambda: Measure(
        "GET /v2/bookings p95 ms, 10k bookings", "bookings-list", "p95_ms", 1, _bookings_list
    ),
    "bookings-create": lambda: Measure("POST /v2/bookings creates/s", "bookings-create", "rps", 4, _bookings_create),
}


def run_measure(measure: Measure, revisions: list[Revision], args: argparse.Namespace, scratch: Path) -> None:
    """Seed a database per revision, serve both, and load them in turn (A B A B …)."""
    with ExitStack() as stack:
        servers: list[tuple[Revision, str, Load]] = []
        for revision in revisions:
            url = stack.enter_context(fresh_database(args.postgres, scratch))
            load = measure.load(seed(revision.checkout, measure.scenario, url))
            base = stack.enter_context(
                uvicorn_server(
                    "calapi.asgi:app",
                    {**SERVER_ENV, "CALAPI_DATABASE_URL": url},
                    health="/health",
                    checkout=revision.checkout,
                )
            )
            servers.append((revision, base, load))
            measure.rounds[revision.label] = []
            measure.cpu_ms[revision.label] = []
        connections = 1 if load.method == "POST" and not args.postgres else measure.connections
        for _ in range(args.rounds):
            for revision, base, load in servers:
                pid = SERVER_PIDS[base]
                cpu_before = cpu_seconds(pid)
                result = asyncio.run(
                    run_load(
                        base + load.path,
                        method=load.method,
                        headers=load.headers,
                        body=load.body,
                        connections=connections,
                        duration=args.duration,
                    )
                )
                assert set(result.statuses) == {load.expect}, (revision.label, measure.name, result.statuses)
                measure.rounds[revision.label].append(result)
                # includes the warm-up's requests, which the load result does not count: scale by time
                measure.cpu_ms[revision.label].append(
                    (cpu_seconds(pid) - cpu_before) * 1000 / (result.rps * (args.duration + 2.0))
                )
                print(
                    f"  {measure.name:42} {revision.label:28} {result.summary()} cpu/request "
                    f"{measure.cpu_ms[revision.label][-1]:.2f} ms",
                    file=sys.stderr,
                    flush=True,
                )


def cpu_per_request(measure: Measure, label: str) -> float:
    return statistics.median(measure.cpu_ms[label])


def paired_ratio(measure: Measure, base: str, current: str) -> float:
    """The median over rounds of each round's ratio: a round's base and current ran back to back,
    so they saw about the same machine; the median drops a round that a burst of other work hit."""
    ratios = []
    for b, c in zip(measure.rounds[base], measure.rounds[current], strict=True):
        ratios.append(c.rps / b.rps if measure.metric == "rps" else b.percentile(95) / c.percentile(95))
    return statistics.median(ratios)


def ratio(measure: Measure, base: str, current: str) -> float:
    """current ÷ base, oriented so that above 1 is better."""
    b, c = measure.figure(base), measure.figure(current)
    return c / b if measure.metric == "rps" else b / c


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--base", default=DEFAULT_BASE, help="the revision to compare against (commit, branch, e.g. main)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--duration", type=float, default=5.0, help="seconds per round per server (after 2 s of warm-up)"
    )
    parser.add_argument("--postgres", action="store_true", help="fresh PostgreSQL databases instead of SQLite")
    parser.add_argument("--only", default=",".join(MEASURES), help="comma-separated measures: " + ", ".join(MEASURES))
    parser.add_argument("--json", action="store_true", help="also print every round as JSON")
    parser.add_argument("--seed", help=argparse.SUPPRESS)  # child process: seed one scenario
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed:
        print(json.dumps(_seed_in_this_process(args.seed, args.url)))
        return

    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(MEASURES)
    if unknown:
        parser.error(f"unknown measures: {', '.join(sorted(unknown))}")
    measures = [MEASURES[n]() for n in names]
    current = Revision(
        f"current ({git('rev-parse', '--short', 'HEAD')}"
        + ("+dirty" if git("status", "--porcelain", "--", "src") else "")
        + ")",
        REPO,
        git("rev-parse", "HEAD"),
    )
    load_before = load_average()
    with worktree_of(args.base) as base, tempfile.TemporaryDirectory() as scratch:
        for measure in measures:
            run_measure(measure, [base, current], args, Path(scratch))
    load_after = load_average()

    print(
        f"calapi: {current.label} against {base.label}; {'PostgreSQL' if args.postgres else 'SQLite'}; "
        f"{args.rounds} rounds of {args.duration:g} s per server, alternating"
    )
    print(f"machine: {machine()}; date {today()}; load average (1, 5, 15 min) before {load_before}, after {load_after}")
    print()
    print(
        f"| measure | base | current | ratio (≥ {1 - TOLERANCE:.2f} holds) | paired ratio, median of rounds | "
        "server CPU ms/request, base → current |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    worse = []
    for measure in measures:
        r = ratio(measure, base.label, current.label)
        if r < 1 - TOLERANCE:
            worse.append(measure.name)
        print(
            f"| {measure.name} | {measure.figure(base.label):.1f} | {measure.figure(current.label):.1f} | "
            f"{r:.3f}{'' if r >= 1 - TOLERANCE else ' **worse**'} | {paired_ratio(measure, base.label, current.label):.3f} | "
            f"{cpu_per_request(measure, base.label):.2f} → {cpu_per_request(measure, current.label):.2f} |"
        )
    print()
    print("worse than base by more than 5 %: " + (", ".join(worse) if worse else "none"))
    if args.json:
        print(
            json.dumps(
                {m.name: {label: [r.summary() for r in runs] for label, runs in m.rounds.items()} for m in measures},
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
