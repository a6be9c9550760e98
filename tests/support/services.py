"""Where the test suite finds PostgreSQL and Redis, and what happens when they are away.

``CALAPI_TEST_DATABASE_URL`` and ``CALAPI_TEST_REDIS_URL`` default to the standard local ports.
Unreachable: the suites that need them are skipped — except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import asyncio
import os
import socket
from urllib.parse import urlparse

import pytest

POSTGRES_URL = os.environ.get("CALAPI_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CALAPI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def require(service: str) -> str:
    """The service's URL, or skip (fail under CI) when it cannot be reached."""
    url, port = (POSTGRES_URL, 5432) if service == "postgres" else (REDIS_URL, 6379)
    if _reachable(url, port):
        return url
    message = f"{service} is not reachable at {url} (set CALAPI_TEST_{'DATABASE' if service == 'postgres' else 'REDIS'}_URL)"
    if IN_CI:
        pytest.fail(message + " — under CI=true this suite must run", pytrace=False)
    pytest.skip(message)


def run(coro):  # noqa: ANN001, ANN201 - small sync helper for fixtures
    return asyncio.run(coro)
