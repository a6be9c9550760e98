"""What the slots routers (current, legacy and v1) share: the booker cookie, Cal.com's wording for a
bad query value, and the listing limits from the settings. (The request clock is ``calapi.core.clock``.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from calapi.core.errors import BadRequest
from calapi.core.wire import BOOKER_COOKIE
from calapi.slots.listing import SlotLimits

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$")


def wrong_property(prop: str, *texts: str) -> BadRequest:
    # Cal.com's custom query pipe: "<prop> property is wrong,<constraints joined by ', '> <children>"
    return BadRequest(f"{prop} property is wrong,{', '.join(texts)} ")


def parse_instant(name: str, raw: str) -> datetime:
    """A strict ISO-8601 date or datetime, read as UTC when it carries no offset."""
    text = raw.strip()
    try:
        if _DATE_ONLY.match(text):
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        if _DATE_TIME.match(text):
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except ValueError:
        pass
    raise wrong_property(name, f"{name} must be a valid ISO 8601 date string")


def remember_booker(response: Response, reservation_uid: str) -> None:
    """Set the booker cookie (legacy API), so this client's own hold does not block it."""
    response.set_cookie(BOOKER_COOKIE, reservation_uid, path="/", httponly=True, samesite="lax")


async def slot_limits(request: Request) -> SlotLimits:  # async: a plain one would run in the thread pool
    return SlotLimits.from_settings(request.app.state.settings)


SlotLimitsDep = Annotated[SlotLimits, Depends(slot_limits)]


# Answers of up to this many items (slots, or busy and free ranges) are encoded on the event loop:
# a few hundred take about a millisecond, less than a hand-off to a worker thread on a busy machine.
INLINE_MAX_ITEMS = 1_000


async def json_off_loop(build: Callable[[], Any], *, items: int) -> JSONResponse:
    """``build()``'s body as a JSONResponse, built and encoded in a worker thread when it holds
    more than ``INLINE_MAX_ITEMS`` items.

    A listing of thousands of slots takes tens of milliseconds to turn into JSON: time the event
    loop owes to the other requests. The body is plain JSON values, so FastAPI's encoder walk is
    skipped too.
    """
    if items <= INLINE_MAX_ITEMS:
        return JSONResponse(build())
    return await to_thread.run_sync(lambda: JSONResponse(build()))
