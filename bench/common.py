"""Shared helpers for the benchmarks: servers in child processes, a machine description."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_PIDS: dict[str, int] = {}  # base URL → process id of each running uvicorn_server


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def uvicorn_server(
    app_path: str, env: dict[str, str], *, workers: int = 1, health: str = "/docs", checkout: Path = REPO
) -> Iterator[str]:
    """``uvicorn <app>`` with the same flags for every server under comparison.

    ``checkout``: the source tree whose code is served (another revision's worktree, for a comparison).
    """
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app_path,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    # This checkout's code first (the venv may hold an editable install of another checkout).
    own_code = os.pathsep.join([str(checkout / "src"), str(checkout)])
    full_env = {**{k: v for k, v in os.environ.items() if not k.startswith("CALAPI_")}, "PYTHONPATH": own_code, **env}
    proc = subprocess.Popen(
        cmd, env=full_env, cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine may take long to import and start
        while True:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read() if proc.stderr else "server exited")
            try:
                httpx.get(base + health, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        SERVER_PIDS[base] = proc.pid
        yield base
    finally:
        SERVER_PIDS.pop(base, None)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


POSTGRES_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def latency_by_connections(base: str, path: str, headers: dict[str, str], args: Any) -> dict[int, dict]:
    """Closed-loop load at 1 and ``args.connections`` connections, ``args.rounds`` rounds each.

    Each entry is the median round by p95 (so one noisy round neither flatters nor sinks the
    figure), with every round kept under ``rounds``.
    """
    from bench.loadgen import run_load

    by_connections: dict[int, dict] = {}
    for connections in sorted({1, args.connections}):
        runs = []
        for _ in range(args.rounds):
            result = asyncio.run(
                run_load(base + path, headers=headers, connections=connections, duration=args.duration)
            )
            assert set(result.statuses) == {200}, result.statuses
            runs.append(result.summary())
        runs.sort(key=lambda r: r["p95_ms"])
        by_connections[connections] = {**runs[len(runs) // 2], "rounds": runs}
    return by_connections


async def _admin(statement: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(POSTGRES_BASE, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


def on_each_database(measure: Callable[[str, str], dict], *, skip_postgres: bool) -> list[dict]:
    """``measure(url, label)`` on a fresh SQLite file, then on a fresh PostgreSQL database (dropped after)."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(measure(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite"))
    if not skip_postgres:
        name = f"calapi_bench_{secrets.token_hex(4)}"
        asyncio.run(_admin(f"CREATE DATABASE {name}"))
        try:
            results.append(measure(POSTGRES_BASE.rsplit("/", 1)[0] + f"/{name}", "PostgreSQL"))
        finally:
            asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    return results


# ---------------------------------------------------------------- two revisions in child processes


def export_revision(rev: str, into: Path) -> Path:
    """``rev``'s files in ``into`` (``git archive``: no worktree to clean up); its root."""
    archive = subprocess.run(["git", "archive", rev], cwd=REPO, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def ask(proc: subprocess.Popen[str], command: str) -> dict[str, Any]:
    """One command line to a child, its one JSON line back."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(command + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("the child process stopped")
    answer: dict[str, Any] = json.loads(line)
    return answer


def alternate_batches(
    procs: dict[str, subprocess.Popen[str]], *, rounds: int, requests: int, field: str, profile: bool, wait: float
) -> dict[str, list[float]]:
    """Each child's figure ``field`` per batch of ``requests``, the children asked in turn (the order
    swapped every round, so both see the same load); then one profiled batch each if asked; the
    children are ended either way."""
    try:
        per_round: dict[str, list[float]] = {label: [] for label in procs}
        for index in range(rounds):
            order = list(procs) if index % 2 == 0 else list(reversed(procs))
            for label in order:
                per_round[label].append(ask(procs[label], f"run {requests}")[field])
        if profile:
            for proc in procs.values():
                ask(proc, f"profile {requests}")
        return per_round
    finally:
        for proc in procs.values():
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=wait)
