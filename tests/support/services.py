"""Where the test suite finds PostgreSQL, Redis and Chromium, and what happens when they are away.

``CALAPI_TEST_DATABASE_URL`` and ``CALAPI_TEST_REDIS_URL`` default to the standard local ports;
``CALAPI_TEST_CHROMIUM`` to Debian's ``/usr/bin/chromium`` (``.ci/run`` installs it).
Unreachable: the suites that need them are skipped — except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socket
from typing import NoReturn
from urllib.parse import urlparse

import pytest

POSTGRES_URL = os.environ.get("CALAPI_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CALAPI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CALAPI_TEST_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def _missing(message: str) -> NoReturn:
    if IN_CI:
        pytest.fail(message + " — under CI=true this suite must run", pytrace=False)
    pytest.skip(message)


def _redis_for_this_worker(url: str) -> str:
    """Under pytest-xdist each worker counts in a Redis database of its own (15, 14, …): rate-limit
    counters are keyed by user id, and every worker's users start at id 1."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    parsed = urlparse(url)
    database = int(parsed.path.strip("/") or 0)
    return parsed._replace(path=f"/{(database - int(worker[2:])) % 16}").geturl()


def require(service: str) -> str:
    """The service's URL, or skip (fail under CI) when it cannot be reached."""
    url, port = (POSTGRES_URL, 5432) if service == "postgres" else (_redis_for_this_worker(REDIS_URL), 6379)
    if _reachable(url, port):
        return url
    _missing(
        f"{service} is not reachable at {url} (set CALAPI_TEST_{'DATABASE' if service == 'postgres' else 'REDIS'}_URL)"
    )


def require_chromium() -> str:
    """The Chromium executable for browser tests, or skip (fail under CI) when it is not installed."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _missing(f"no Chromium at {CHROMIUM} (`apt-get install -y chromium`, or set CALAPI_TEST_CHROMIUM)")
    if importlib.util.find_spec("playwright") is None:
        _missing("the playwright package is not installed (`pip install -e '.[test]'`)")
    return CHROMIUM


def run(coro):
    return asyncio.run(coro)
