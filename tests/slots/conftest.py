"""Slot tests run on a frozen clock (the ``request_now`` dependency) far in the future."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from calapi.core.clock import request_now

NOW = datetime(2050, 9, 1, tzinfo=UTC)  # a Thursday; 2050-09-05 is a Monday


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app) -> Clock:
    frozen = Clock(NOW)
    app.dependency_overrides[request_now] = frozen
    return frozen


@pytest.fixture
async def stranger(app) -> AsyncIterator[httpx.AsyncClient]:
    """A second booker: its own cookie jar, so the first client's holds are someone else's."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
