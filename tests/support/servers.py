"""Real server processes for tests that need them (several processes, the CLI, a real socket)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
CALAPI = [sys.executable, "-m", "calapi"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(process: subprocess.Popen[Any], port: int, name: str, *, exited: Callable[[], str] = str) -> None:
    """Until ``process`` accepts connections on ``port`` (30 s at most); it must not exit meanwhile.
    ``exited``: what to say when it did (its log, say)."""
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early {exited()}".rstrip())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start within 30 s") from None
            time.sleep(0.1)


def calapi_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALAPI_")}
    env.update({f"CALAPI_{k.upper()}": v for k, v in settings.items()})
    return env


def run_cli(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CALAPI, *args], env=calapi_env(**settings), cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )


def start_worker(*, poll_interval: str = "0.05", **settings: str) -> subprocess.Popen[bytes]:
    """``calapi worker`` in a child process, its output dropped (fault tests kill it at will)."""
    return subprocess.Popen(
        [*CALAPI, "worker", "--poll-interval", poll_interval],
        env=calapi_env(**{"log_level": "warning", **settings}),
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def running_server(*, port: int | None = None, log: Path | None = None, **settings: str) -> Iterator[str]:
    """``calapi serve`` in a child process; yields its base URL and stops it afterwards.

    ``log``: a file that receives everything the server writes (stdout and stderr), to be read by
    the test; without it the output is piped and only shown when the server fails to start."""
    port = port or free_port()
    output = log.open("a") if log is not None else subprocess.PIPE
    proc = subprocess.Popen(
        [*CALAPI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=calapi_env(**{"log_level": "warning", **settings}),
        cwd=REPO_ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 30 s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log is not None:
            output.close()  # type: ignore[union-attr]
