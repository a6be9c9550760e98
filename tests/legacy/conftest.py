from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest


@pytest.fixture
async def stranger_client(app) -> AsyncIterator[httpx.AsyncClient]:
    """A second booker with its own cookie jar."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http
