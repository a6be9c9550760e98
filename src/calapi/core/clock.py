"""The request clock: one FastAPI dependency every route that needs "now" takes.

Tests freeze or move time with ``app.dependency_overrides[request_now] = ...``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from calapi.db import utcnow


async def request_now() -> datetime:
    """The current UTC time for this request (async: FastAPI would run a plain function in a thread)."""
    return utcnow()


Now = Annotated[datetime, Depends(request_now)]
